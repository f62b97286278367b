package io.customertrack.nifi.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * A small side-by-side benchmark harness: candidate and baseline run alternately in the same JVM, after warm-up,
 * and the median throughput of each plus their ratio is printed (or totals, see below), with the spread of the ratios
 * of adjacent round pairs. Alternating rounds, and which side goes first in a pair, spread JIT, GC and noisy-neighbour
 * effects over both sides evenly; the median ignores outlier rounds.
 */
final class Harness {

    /** One measured unit of work; returns how many items (records, events) it processed. */
    @FunctionalInterface
    interface Workload {
        long run() throws Exception;
    }

    /** Work done before each measured run and not timed (e.g. loading the batch a merge will consume). */
    @FunctionalInterface
    interface Setup {
        void run() throws Exception;

        Setup NONE = () -> { };
    }

    record Outcome(String name, double candidatePerSecond, double baselinePerSecond) {
        double ratio() {
            return candidatePerSecond / baselinePerSecond;
        }
    }

    private Harness() {
    }

    static Outcome compare(final String name, final Workload candidate, final Workload baseline,
                           final int warmupRounds, final int measuredRounds) throws Exception {
        return compare(name, Setup.NONE, candidate, Setup.NONE, baseline, warmupRounds, measuredRounds);
    }

    static Outcome compare(final String name, final Setup candidateSetup, final Workload candidate,
                           final Setup baselineSetup, final Workload baseline,
                           final int warmupRounds, final int measuredRounds) throws Exception {
        return compare(name, candidateSetup, candidate, baselineSetup, baseline, warmupRounds, measuredRounds, false);
    }

    /**
     * @param totals report all measured items over all measured time instead of the median round: for workloads whose
     *               rare slow rounds are part of their cost (a database checkpoint inside a commit), not noise
     */
    static Outcome compare(final String name, final Setup candidateSetup, final Workload candidate,
                           final Setup baselineSetup, final Workload baseline,
                           final int warmupRounds, final int measuredRounds, final boolean totals) throws Exception {
        for (int i = 0; i < warmupRounds; i++) {
            candidateSetup.run();
            candidate.run();
            baselineSetup.run();
            baseline.run();
        }
        final double[][] candidateRounds = new double[measuredRounds][];
        final double[][] baselineRounds = new double[measuredRounds][];
        for (int i = 0; i < measuredRounds; i++) {
            // Each side goes first in every other pair, so that neither always inherits the other's garbage.
            if (i % 2 == 0) {
                candidateSetup.run();
                candidateRounds[i] = timed(candidate);
            }
            baselineSetup.run();
            baselineRounds[i] = timed(baseline);
            if (i % 2 == 1) {
                candidateSetup.run();
                candidateRounds[i] = timed(candidate);
            }
        }
        final Outcome outcome = totals
                ? new Outcome(name, total(candidateRounds), total(baselineRounds))
                : new Outcome(name, medianRate(candidateRounds), medianRate(baselineRounds));
        // The ratio of each pair of adjacent rounds, as a measure of the noise: a slow spell on a shared machine hits
        // both rounds of a pair, so the spread of these ratios shows how far one run's ratio can be trusted.
        final double[] pairRatios = new double[measuredRounds];
        for (int i = 0; i < measuredRounds; i++) {
            pairRatios[i] = (candidateRounds[i][0] / candidateRounds[i][1]) / (baselineRounds[i][0] / baselineRounds[i][1]);
        }
        Arrays.sort(pairRatios);
        System.out.printf(Locale.ROOT, "%-58s candidate %,12.0f/s   baseline %,12.0f/s   ratio %6.2fx"
                        + "   (pairs of rounds: median %.2fx, quartiles %.2fx-%.2fx)%n",
                name, outcome.candidatePerSecond(), outcome.baselinePerSecond(), outcome.ratio(),
                quantile(pairRatios, 0.5), quantile(pairRatios, 0.25), quantile(pairRatios, 0.75));
        return outcome;
    }

    /** Linear interpolation between the closest ranks of a sorted array. */
    private static double quantile(final double[] sorted, final double q) {
        final double position = q * (sorted.length - 1);
        final int below = (int) Math.floor(position);
        final int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    /** {items, seconds} of one run. */
    private static double[] timed(final Workload workload) throws Exception {
        final long start = System.nanoTime();
        final long items = workload.run();
        return new double[]{items, (System.nanoTime() - start) / 1e9};
    }

    private static double total(final double[][] rounds) {
        double items = 0;
        double seconds = 0;
        for (final double[] round : rounds) {
            items += round[0];
            seconds += round[1];
        }
        return items / seconds;
    }

    private static double medianRate(final double[][] rounds) {
        final double[] sorted = new double[rounds.length];
        for (int i = 0; i < rounds.length; i++) {
            sorted[i] = rounds[i][0] / rounds[i][1];
        }
        Arrays.sort(sorted);
        final int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

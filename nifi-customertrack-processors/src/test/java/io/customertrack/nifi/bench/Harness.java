package io.customertrack.nifi.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * A small side-by-side benchmark harness: candidate and baseline run alternately in the same JVM, after warm-up,
 * and the median throughput of each plus their ratio is printed. Alternating rounds spread JIT, GC and noisy-neighbour
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
            candidateSetup.run();
            candidateRounds[i] = timed(candidate);
            baselineSetup.run();
            baselineRounds[i] = timed(baseline);
        }
        final Outcome outcome = totals
                ? new Outcome(name, total(candidateRounds), total(baselineRounds))
                : new Outcome(name, medianRate(candidateRounds), medianRate(baselineRounds));
        System.out.printf(Locale.ROOT, "%-58s candidate %,12.0f/s   baseline %,12.0f/s   ratio %6.2fx%n",
                name, outcome.candidatePerSecond(), outcome.baselinePerSecond(), outcome.ratio());
        return outcome;
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

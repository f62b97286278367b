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
        for (int i = 0; i < warmupRounds; i++) {
            candidateSetup.run();
            candidate.run();
            baselineSetup.run();
            baseline.run();
        }
        final double[] candidateRates = new double[measuredRounds];
        final double[] baselineRates = new double[measuredRounds];
        for (int i = 0; i < measuredRounds; i++) {
            candidateSetup.run();
            candidateRates[i] = rate(candidate);
            baselineSetup.run();
            baselineRates[i] = rate(baseline);
        }
        final Outcome outcome = new Outcome(name, median(candidateRates), median(baselineRates));
        System.out.printf(Locale.ROOT, "%-58s candidate %,12.0f/s   baseline %,12.0f/s   ratio %6.2fx%n",
                name, outcome.candidatePerSecond(), outcome.baselinePerSecond(), outcome.ratio());
        return outcome;
    }

    private static double rate(final Workload workload) throws Exception {
        final long start = System.nanoTime();
        final long items = workload.run();
        return items / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(final double[] values) {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

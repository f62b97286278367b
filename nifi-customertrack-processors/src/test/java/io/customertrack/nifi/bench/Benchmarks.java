package io.customertrack.nifi.bench;

import java.util.Arrays;

/**
 * Entry point for every CustomerTrack benchmark. Prints candidate and baseline throughput and their ratio, measured
 * side by side in this run. Arguments: {@code all} (default), {@code processors} (or one of them: {@code generate}, {@code validate}), {@code merge}, or
 * {@code merge-statements} (each merge statement timed on its own; not part of {@code all}), {@code rebuild} (the merge
 * against rebuilding the SCD tables from CUSTOMER_RAW, at {@code bench.customers} customers; not part of {@code all}), or {@code csv-parsers}
 * (ValidateCustomerRecord with Jackson CSV against Apache Commons CSV; not part of {@code all}); the system property
 * {@code bench.sizes} (e.g. 10000,100000) narrows the merge table sizes; {@code bench.late} (0-5, default 5) sets the
 * percentage of late events in each merge batch; {@code bench.declaration} ({@code wide}, or a declaration file) runs
 * the processor and merge benchmarks with other attributes than the default customer's (see {@link BenchDeclaration});
 * {@code bench.partial} (0-100, default 0; a declaration with partial updates only) sends that percentage of the merge
 * batches' UPDATE events partially (see {@link MergeBenchmark}).
 */
public final class Benchmarks {

    private Benchmarks() {
    }

    private static int[] mergeSizes() {
        return Arrays.stream(System.getProperty("bench.sizes", "10000,100000,1000000").split(","))
                .map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    public static void main(final String[] args) throws Exception {
        final String which = args.length > 0 ? args[0] : "all";
        System.out.printf("CustomerTrack benchmarks on %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        if (which.equals("all") || which.equals("processors")) {
            // A generate round takes GenerateRecord about a second; a validate round takes ~35 ms, and its median
            // needs more rounds to settle (over 15 it moved by +-0.04 between runs, over 40 by +-0.03).
            ProcessorBenchmarks.generate(5, 15);
            ProcessorBenchmarks.validate(20, 120);
        }
        if (which.equals("generate")) {
            ProcessorBenchmarks.generate(5, 15);
        }
        if (which.equals("validate")) {
            ProcessorBenchmarks.validate(20, 120);
        }
        if (which.equals("all") || which.equals("merge")) {
            // Totals over 25 rounds: DuckDB checkpoints inside a commit now and then, a real cost of that transaction.
            MergeBenchmark.run(mergeSizes(), 2, 25);
        }
        if (which.equals("csv-parsers")) {
            ProcessorBenchmarks.csvParsers(20, 120);
        }
        if (which.equals("rebuild")) {
            RebuildBenchmark.run(Integer.parseInt(System.getProperty("bench.customers", "1000000")));
        }
        if (which.equals("merge-statements")) {
            MergeBenchmark.statements(mergeSizes(), 2, 9);
        }
    }
}

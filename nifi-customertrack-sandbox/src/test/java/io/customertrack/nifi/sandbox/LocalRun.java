package io.customertrack.nifi.sandbox;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.nifi.merge.CustomerStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CustomerTrack pipeline on one machine, without Docker: a secured sandbox NiFi, the local flow deployed by
 * deploy-nifi.sh, a DuckDB warehouse. scripts/run-local.sh runs it; everything it starts it stops, also on failure,
 * and a failure names the step it happened in and shows the end of NiFi's log.
 */
public final class LocalRun {

    /** Freshness target of the throughput ramp: a step whose p95 reaches it ends the ramp. */
    private static final Duration FRESHNESS_TARGET = Duration.ofSeconds(10);
    private static final Duration STEP = Duration.ofSeconds(60);
    /** Records per FlowFile of the ramp's steps, one FlowFile a second. */
    private static final int[] RAMP = {2_500, 5_000, 7_500, 10_000, 12_500, 15_000, 17_500, 20_000, 25_000};

    private static String step = "reading the options";
    /** NiFi's bulletins, invalid components and log tail, taken when a step failed while NiFi still ran. */
    private static String whatNiFiSaid;

    private LocalRun() {
    }

    public static void main(final String[] args) {
        final Options options;
        try {
            options = Options.parse(args);
        } catch (final IllegalArgumentException e) {
            System.err.println("run-local: " + e.getMessage() + " (scripts/run-local.sh --help lists the options)");
            System.exit(2);
            return;
        }
        final Path work = options.work();
        final Path home = work.resolve("nifi");
        try {
            Files.createDirectories(work);
            step("starting a secured sandbox NiFi in " + home);
            try (SandboxNiFi nifi = SandboxNiFi.startSecured(home)) {
                final Path declarationFile = options.declaration();
                final Declaration declaration = declarationFile == null ? Declaration.defaultDeclaration() : Declaration.read(declarationFile);
                final LocalPipeline pipeline = new LocalPipeline(nifi, work,
                        LocalPipeline.duckDb(work.resolve("warehouse.duckdb"), declaration), declarationFile);
                try {
                    switch (options.mode()) {
                        case RUN -> run(nifi, pipeline, options);
                        case FRESHNESS -> freshness(nifi, pipeline, options);
                        case THROUGHPUT -> throughput(nifi, pipeline, options);
                    }
                } catch (final Exception | AssertionError e) {
                    // Read what NiFi says before closing it stops NiFi and ends its log with the shutdown.
                    whatNiFiSaid = pipeline.problems() + "\nLast lines of NiFi's log (" + SandboxNiFi.logFile(home) + "):\n"
                            + SandboxNiFi.logTail(home);
                    throw e;
                }
                step("stopping NiFi");
            }
        } catch (final Exception | AssertionError e) {
            System.err.println("run-local: failed while " + step + ": " + e);
            System.err.println(whatNiFiSaid != null ? whatNiFiSaid
                    : "Last lines of NiFi's log (" + SandboxNiFi.logFile(home) + "):\n" + SandboxNiFi.logTail(home));
            System.err.println("Work directory: " + work);
            System.exit(1);
        }
        System.out.println("Work directory (NiFi home, landing and quarantine folders, warehouse.duckdb): " + work);
        System.exit(0);
    }

    private static void step(final String what) {
        step = what;
        System.out.println("==> " + Character.toUpperCase(what.charAt(0)) + what.substring(1));
    }

    private static void deploy(final LocalPipeline pipeline, final Options options) throws IOException {
        step("deploying the local flow with scripts/deploy-nifi.sh");
        pipeline.writeParameters(Map.of("generator.records.per.flowfile", Integer.toString(options.recordsPerFile()),
                "generator.schedule", options.schedule()));
        final DeployScript.Run deployed = pipeline.deploy(options.parameterEnvironment(), SandboxNiFi.CUSTOMERTRACK_NAR);
        System.out.print(deployed.output());
        if (deployed.exitCode() != 0) {
            throw new IllegalStateException("scripts/deploy-nifi.sh exited " + deployed.exitCode() + " (its output is above)");
        }
    }

    private static void run(final SandboxNiFi nifi, final LocalPipeline pipeline, final Options options) throws Exception {
        deploy(pipeline, options);
        step("running the pipeline for " + options.seconds() + " s at " + nifi.url() + " (" + options.recordsPerFile()
                + " records per FlowFile every " + options.schedule() + ")");
        NiFiRest.sleep(options.seconds() * 1000L);
        final List<Long> freshness = stopAndMeasure(pipeline);
        nifi.stop();
        report(pipeline, freshness);
    }

    private static void freshness(final SandboxNiFi nifi, final LocalPipeline pipeline, final Options options) throws Exception {
        deploy(pipeline, options);
        step("running until " + options.files() + " files landed");
        // The first files are measured too: the first merges include class loading and DuckDB's first plans.
        final long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
        while (pipeline.landedFileCount() < options.files()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + options.files() + " files landed in 60 minutes");
            }
            NiFiRest.sleep(1_000);
        }
        final List<Long> sorted = stopAndMeasure(pipeline);
        nifi.stop();
        System.out.printf(Locale.ROOT, "freshness, file landed -> rows merged (TriggerSnowflakeMerge every 5 sec, generator every %s, "
                        + "%,d records per file): files %d, p50 %.2f s, p95 %.2f s, max %.2f s%n", options.schedule(),
                options.recordsPerFile(), sorted.size(), percentile(sorted, 50) / 1000.0, percentile(sorted, 95) / 1000.0,
                sorted.getLast() / 1000.0);
        System.out.printf(Locale.ROOT, "tutorial design (merge task every 1 min after Snowpipe's own delay): at least 30 s on average "
                + "and up to 60 s from the schedule alone; target p95 < 10 s%n");
    }

    /**
     * Raises the generator's rate step by step (one FlowFile a second, more records per FlowFile), each step
     * {@link #STEP} long and drained before the next, until a step's freshness p95 reaches the target.
     */
    private static void throughput(final SandboxNiFi nifi, final LocalPipeline pipeline, final Options options) throws Exception {
        deploy(pipeline, options);
        final String group = pipeline.groupId();
        final String generator = pipeline.generatorId(group);
        step("warming up: waiting for the first file, then for it to be merged");
        pipeline.awaitLandedFiles(1);
        pipeline.setRunStatus(generator, "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(5));
        double best = 0;
        boolean targetReached = false;
        System.out.printf(Locale.ROOT, "%-22s %12s %10s %10s %8s%n", "records per FlowFile", "events/s", "p50 s", "p95 s", "files");
        for (final int records : RAMP) {
            step("ramp step: " + records + " records per FlowFile every second for " + STEP.toSeconds() + " s");
            pipeline.setGeneratorRecordsPerFlowFile(generator, records);
            final Instant start = Instant.now();
            pipeline.setRunStatus(generator, "RUNNING");
            NiFiRest.sleep(STEP.toMillis());
            pipeline.setRunStatus(generator, "STOPPED");
            final Instant end = Instant.now();
            pipeline.awaitDrained(group, Duration.ofMinutes(10));
            final List<Long> freshness = freshness(pipeline, start);
            final double eventsPerSecond = recordsLandedSince(pipeline, start) / (double) Duration.between(start, end).toMillis() * 1000;
            final long p95 = percentile(freshness, 95);
            System.out.printf(Locale.ROOT, "%-22d %,12.0f %10.2f %10.2f %8d%n", records, eventsPerSecond, percentile(freshness, 50) / 1000.0,
                    p95 / 1000.0, freshness.size());
            if (p95 >= FRESHNESS_TARGET.toMillis()) {
                targetReached = true;
                break;
            }
            best = eventsPerSecond;
        }
        nifi.stop();
        final String conditions = String.format(Locale.ROOT, "(DuckDB warehouse, TriggerSnowflakeMerge every 5 sec, %d cores)",
                Runtime.getRuntime().availableProcessors());
        if (best == 0) {
            System.out.printf(Locale.ROOT, "throughput: even the first step's freshness p95 reached %d s %s%n",
                    FRESHNESS_TARGET.toSeconds(), conditions);
        } else {
            System.out.printf(Locale.ROOT, "throughput: highest rate with freshness p95 under %d s: %,.0f events/s%s %s%n",
                    FRESHNESS_TARGET.toSeconds(), best, targetReached ? "" : " (the last step; the ramp ended below the limit)", conditions);
        }
    }

    /** Stops the generator, waits until the group is drained, and returns the freshness of every landed file. */
    private static List<Long> stopAndMeasure(final LocalPipeline pipeline) throws Exception {
        step("stopping the generator and waiting for the queues to drain");
        final String group = pipeline.groupId();
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(5));
        return freshness(pipeline, null);
    }

    /**
     * From each file's landing (its modification time) to TriggerSnowflakeMerge reporting it merged, for the files
     * landed at or after {@code since} (all when null), sorted. A landed file without a report is an error.
     */
    private static List<Long> freshness(final LocalPipeline pipeline, final Instant since) throws IOException {
        step("reading when each file was merged from TriggerSnowflakeMerge's provenance events");
        final Map<String, Instant> merged = pipeline.mergedAtByFile();
        final Map<String, Long> freshness = new TreeMap<>();
        for (final Path file : pipeline.landedFiles()) {
            final Instant landed = Files.getLastModifiedTime(file).toInstant();
            if (since != null && landed.isBefore(since)) {
                continue;
            }
            final Instant at = merged.get(file.toString());
            if (at == null) {
                throw new IllegalStateException("landed file " + file + " has no merge report from TriggerSnowflakeMerge");
            }
            freshness.put(file.toString(), Duration.between(landed, at).toMillis());
        }
        if (freshness.isEmpty()) {
            throw new IllegalStateException("no file landed" + (since == null ? "" : " since " + since));
        }
        final List<Long> sorted = new ArrayList<>(freshness.values());
        Collections.sort(sorted);
        return sorted;
    }

    /** Valid and invalid records of the files landed or quarantined since then: what the generator produced. */
    private static long recordsLandedSince(final LocalPipeline pipeline, final Instant since) throws IOException {
        long records = 0;
        final List<Path> files = new ArrayList<>(pipeline.landedFiles());
        files.addAll(pipeline.quarantinedFiles());
        for (final Path file : files) {
            if (!Files.getLastModifiedTime(file).toInstant().isBefore(since)) {
                try (var lines = Files.lines(file)) {
                    records += lines.count() - 1;
                }
            }
        }
        return records;
    }

    private static long percentile(final List<Long> sorted, final int percent) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    private static void report(final LocalPipeline pipeline, final List<Long> freshness) throws Exception {
        step("reading the warehouse");
        final Declaration declaration = pipeline.warehouse().declaration();
        try (CustomerStore store = CustomerStore.on(pipeline.connectWarehouse(), declaration)) {
            System.out.println("CUSTOMER_RAW rows:     " + store.count("SELECT COUNT(*) FROM customer_raw"));
            System.out.println("CUSTOMER (SCD1) rows:  " + store.count("SELECT COUNT(*) FROM customer")
                    + " (" + store.count("SELECT COUNT(*) FROM customer WHERE is_deleted") + " deleted)");
            final long versions = store.count("SELECT COUNT(*) FROM customer_history");
            System.out.println("CUSTOMER_HISTORY rows: " + versions);
            System.out.println("Updates that opened no version: " + store.count("SELECT COALESCE(SUM(noop_updates), 0) FROM customer_merge_receipt")
                    + " changed nothing, " + store.count("SELECT COALESCE(SUM(in_place_updates), 0) FROM customer_merge_receipt")
                    + " changed only untracked attributes (in place)"
                    + (declaration.partialUpdates() ? "; partial UPDATEs (an attribute left empty): "
                    + store.count("SELECT COUNT(*) FROM customer_raw WHERE op = 'UPDATE' AND (" + String.join(" OR ",
                    declaration.names().stream().map(name -> name + " IS NULL").toList()) + ")") : ""));
            if (versions == 0) {
                throw new IllegalStateException("CUSTOMER_HISTORY holds no version: nothing was merged");
            }
            final long customer = store.count("SELECT customer_id FROM customer_history GROUP BY customer_id "
                    + "ORDER BY COUNT(*) DESC, customer_id LIMIT 1");
            System.out.println("History of customer " + customer + ":");
            // The declaration's first attributes: enough to see what changed between versions.
            final List<String> shown = declaration.names().subList(0, Math.min(4, declaration.names().size()));
            try (Statement statement = store.connection().createStatement();
                 ResultSet rs = statement.executeQuery("SELECT valid_from, valid_to, is_current, " + String.join(", ", shown)
                         + " FROM customer_history WHERE customer_id = " + customer + " ORDER BY valid_from")) {
                while (rs.next()) {
                    final StringBuilder values = new StringBuilder();
                    for (int i = 0; i < shown.size(); i++) {
                        values.append(' ').append(shown.get(i)).append('=').append(rs.getString(4 + i));
                    }
                    System.out.printf(Locale.ROOT, "  %s .. %s current=%s%s%n", rs.getString(1), rs.getString(2), rs.getBoolean(3), values);
                }
            }
        }
        System.out.printf(Locale.ROOT, "Freshness (file landed -> rows merged) over %d files: p50 %.2f s, p95 %.2f s%n",
                freshness.size(), percentile(freshness, 50) / 1000.0, percentile(freshness, 95) / 1000.0);
    }

    enum Mode { RUN, FRESHNESS, THROUGHPUT }

    /** The command line of scripts/run-local.sh. */
    record Options(Mode mode, int seconds, int recordsPerFile, String schedule, int files, Path work, Path declaration,
                   Map<String, String> parameterEnvironment) {

        static Options parse(final String[] args) {
            Mode mode = Mode.RUN;
            Integer seconds = null;
            Integer records = null;
            String schedule = null;
            int files = 0;
            Path work = null;
            Path declaration = null;
            for (int i = 0; i < args.length; i++) {
                final String option = args[i];
                if (option.equals("--throughput")) {
                    mode = modeOnce(mode, Mode.THROUGHPUT);
                    continue;
                }
                if (!List.of("--seconds", "--records-per-file", "--schedule", "--work", "--declaration", "--freshness").contains(option)) {
                    throw new IllegalArgumentException("unknown option '" + option + "'");
                }
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                final String value = args[++i];
                switch (option) {
                    case "--seconds" -> seconds = positive(option, value);
                    case "--records-per-file" -> records = positive(option, value);
                    case "--schedule" -> schedule = value;
                    case "--work" -> work = Path.of(value).toAbsolutePath();
                    case "--declaration" -> declaration = declaration(value);
                    default -> {
                        mode = modeOnce(mode, Mode.FRESHNESS);
                        files = positive(option, value);
                    }
                }
            }
            if (mode != Mode.RUN && seconds != null) {
                throw new IllegalArgumentException("--seconds goes with a timed run, not with --freshness or --throughput");
            }
            if (mode == Mode.THROUGHPUT && (records != null || schedule != null)) {
                throw new IllegalArgumentException("--throughput sets the rate itself; leave out --records-per-file and --schedule");
            }
            if (work == null) {
                work = Path.of(System.getProperty("java.io.tmpdir"), "customertrack-local-"
                        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            }
            // The benchmarks' own rates: freshness at 1,000 records every 2 sec, the throughput ramp from its first step.
            final boolean freshness = mode == Mode.FRESHNESS;
            final boolean ramp = mode == Mode.THROUGHPUT;
            final Map<String, String> environment = new HashMap<>();
            System.getenv().forEach((name, value) -> {
                if (name.startsWith("CUSTOMERTRACK_PARAM_")) {
                    environment.put(name, value);
                }
            });
            return new Options(mode, seconds == null ? 120 : seconds,
                    records != null ? records : ramp ? RAMP[0] : freshness ? 1000 : 200,
                    schedule != null ? schedule : freshness ? "2 sec" : "1 sec", files, work, declaration, Map.copyOf(environment));
        }

        /** A declaration file that can be used, as an absolute path (NiFi reads it from its own working folder). */
        private static Path declaration(final String value) {
            final Path file = Path.of(value).toAbsolutePath();
            try {
                Declaration.read(file);
            } catch (final DeclarationException e) {
                throw new IllegalArgumentException("--declaration " + value + ": " + e.getMessage(), e);
            }
            return file;
        }

        private static Mode modeOnce(final Mode current, final Mode requested) {
            if (current != Mode.RUN) {
                throw new IllegalArgumentException("--freshness and --throughput are two runs of their own: give one");
            }
            return requested;
        }

        private static int positive(final String option, final String value) {
            try {
                final int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (final NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " takes a whole number above 0, not '" + value + "'");
        }
    }
}

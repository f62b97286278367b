package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.customertrack.nifi.merge.CustomerStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CustomerTrack pipeline on one machine, without Docker: a secured sandbox NiFi, the local flow deployed by
 * deploy-nifi.sh, a DuckDB warehouse. Run by scripts/run-local.sh ({@code run}) and by the freshness benchmark
 * ({@code freshness}); everything it starts it stops, also on failure.
 *
 * <pre>
 * run [seconds=120] [work directory]              run, then print SCD1/SCD2 counts, one customer's history, freshness
 * freshness [files=100] [generator schedule=2 sec] p50/p95 from a file landing to its rows being merged
 * </pre>
 */
public final class LocalRun {

    private static final String MERGE = "io.customertrack.nifi.processors.TriggerSnowflakeMerge";
    private static final DateTimeFormatter PROVENANCE_TIME = DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss.SSS z");

    private LocalRun() {
    }

    public static void main(final String[] args) throws Exception {
        final String mode = args.length > 0 ? args[0] : "run";
        final Path work = mode.equals("run") && args.length > 2 ? Path.of(args[2]).toAbsolutePath()
                : Files.createTempDirectory("customertrack-" + mode);
        Files.createDirectories(work);
        try (SandboxNiFi nifi = SandboxNiFi.startSecured(work.resolve("nifi"))) {
            final LocalPipeline pipeline = new LocalPipeline(nifi, work);
            switch (mode) {
                case "run" -> run(nifi, pipeline, Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 120));
                case "freshness" -> freshness(nifi, pipeline, args.length > 1 ? Integer.parseInt(args[1]) : 100,
                        args.length > 2 ? args[2] : "2 sec");
                default -> throw new IllegalArgumentException("mode must be run or freshness, not " + mode);
            }
        }
        System.out.println("Work directory (NiFi home, landing and quarantine folders, warehouse.duckdb): " + work);
    }

    private static void run(final SandboxNiFi nifi, final LocalPipeline pipeline, final Duration duration) throws Exception {
        final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
        System.out.print(deployed.output());
        if (deployed.exitCode() != 0) {
            throw new IllegalStateException("deploy-nifi.sh exited " + deployed.exitCode());
        }
        System.out.println("Running for " + duration.toSeconds() + " s at " + nifi.url() + " ...");
        NiFiRest.sleep(duration.toMillis());
        final Map<String, Long> freshness = stopAndMeasure(nifi, pipeline);
        report(pipeline, freshness);
    }

    private static void freshness(final SandboxNiFi nifi, final LocalPipeline pipeline, final int files,
                                  final String generatorSchedule) throws Exception {
        pipeline.writeParameters(Map.of("generator.schedule", generatorSchedule, "generator.records.per.flowfile", "1000"));
        final DeployScript.Run deployed = pipeline.deploy(SandboxNiFi.CUSTOMERTRACK_NAR);
        if (deployed.exitCode() != 0) {
            throw new IllegalStateException("deploy-nifi.sh exited " + deployed.exitCode() + ":\n" + deployed.output());
        }
        // Ten files of warm-up are measured too: the first merges include class loading and DuckDB's first plans.
        final long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
        while (pipeline.landedFileCount() < files) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + files + " files in 60 minutes");
            }
            NiFiRest.sleep(1_000);
        }
        final Map<String, Long> freshness = stopAndMeasure(nifi, pipeline);
        final List<Long> sorted = new ArrayList<>(freshness.values());
        Collections.sort(sorted);
        System.out.printf("freshness, file landed -> rows merged (TriggerSnowflakeMerge every 5 sec, generator every %s, "
                        + "1,000 records per file): files %d, p50 %.2f s, p95 %.2f s, max %.2f s%n", generatorSchedule,
                sorted.size(), percentile(sorted, 50) / 1000.0, percentile(sorted, 95) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0);
        System.out.printf("tutorial design (merge task every 1 min after Snowpipe's own delay): at least 30 s on average "
                + "and up to 60 s from the schedule alone; target p95 < 10 s%n");
    }

    /** Stops the generator, drains the group, reads each file's merge time from provenance, then stops NiFi. */
    private static Map<String, Long> stopAndMeasure(final SandboxNiFi nifi, final LocalPipeline pipeline) throws Exception {
        final String group = pipeline.groupId();
        pipeline.setRunStatus(pipeline.generatorId(group), "STOPPED");
        pipeline.awaitDrained(group, Duration.ofMinutes(5));
        final Map<String, Instant> merged = mergedAt(pipeline, pipeline.processor(group, MERGE).get("id").asText());
        final Map<String, Long> freshness = new TreeMap<>();
        for (final Map.Entry<String, Instant> file : merged.entrySet()) {
            final Instant landed = Files.getLastModifiedTime(Path.of(file.getKey())).toInstant();
            freshness.put(file.getKey(), Duration.between(landed, file.getValue()).toMillis());
        }
        nifi.stop();
        return freshness;
    }

    /** When TriggerSnowflakeMerge reported each file merged: its provenance event comes after the warehouse commit. */
    private static Map<String, Instant> mergedAt(final LocalPipeline pipeline, final String merge) throws Exception {
        final NiFiRest rest = pipeline.rest();
        final List<JsonNode> events = ProvenanceQuery.events(rest, merge, "ATTRIBUTES_MODIFIED");
        final Map<String, Instant> merged = new HashMap<>();
        for (final JsonNode event : events) {
            final String details = event.get("details").asText();
            final String file = details.substring("Rows of ".length(), details.indexOf(" merged into"));
            final Instant at = ZonedDateTime.parse(event.get("eventTime").asText(), PROVENANCE_TIME).toInstant();
            merged.merge(file, at, (a, b) -> a.isBefore(b) ? a : b);
        }
        return merged;
    }

    private static long percentile(final List<Long> sorted, final int percent) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    private static void report(final LocalPipeline pipeline, final Map<String, Long> freshness) throws Exception {
        try (CustomerStore store = CustomerStore.on(pipeline.connectWarehouse())) {
            System.out.println("CUSTOMER_RAW rows:     " + store.count("SELECT COUNT(*) FROM customer_raw"));
            System.out.println("CUSTOMER (SCD1) rows:  " + store.count("SELECT COUNT(*) FROM customer")
                    + " (" + store.count("SELECT COUNT(*) FROM customer WHERE is_deleted") + " deleted)");
            System.out.println("CUSTOMER_HISTORY rows: " + store.count("SELECT COUNT(*) FROM customer_history"));
            final long customer = store.count("SELECT customer_id FROM customer_history GROUP BY customer_id "
                    + "ORDER BY COUNT(*) DESC, customer_id LIMIT 1");
            System.out.println("History of customer " + customer + ":");
            try (Statement statement = store.connection().createStatement();
                 ResultSet rs = statement.executeQuery("SELECT valid_from, valid_to, is_current, first_name, last_name, email, city "
                         + "FROM customer_history WHERE customer_id = " + customer + " ORDER BY valid_from")) {
                while (rs.next()) {
                    System.out.printf("  %s .. %s current=%s  %s %s <%s> %s%n", rs.getString(1), rs.getString(2),
                            rs.getBoolean(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7));
                }
            }
        }
        final List<Long> sorted = new ArrayList<>(freshness.values());
        Collections.sort(sorted);
        if (!sorted.isEmpty()) {
            System.out.printf("Freshness (file landed -> rows merged) over %d files: p50 %.2f s, p95 %.2f s%n",
                    sorted.size(), percentile(sorted, 50) / 1000.0, percentile(sorted, 95) / 1000.0);
        }
    }
}

package io.customertrack.nifi.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlRenderer;
import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.ScdInvariants;
import io.customertrack.nifi.merge.ScdModel;
import io.customertrack.nifi.merge.SnowflakeDdl;
import io.customertrack.nifi.processors.CustomerTrackAttributes;
import io.customertrack.nifi.processors.GenerateFakeCustomer;
import io.customertrack.nifi.processors.TriggerSnowflakeMerge;
import io.customertrack.nifi.processors.ValidateCustomerRecord;
import io.customertrack.nifi.snowflake.FakesnowServer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The local pipeline in a sandbox NiFi: the flow generated from flows/ by scripts/local-flow.sh, deployed by
 * scripts/deploy-nifi.sh, landing files with PutFile and merging through NiFi's DBCPConnectionPool into a DuckDB file
 * or into fakesnow through snowflake-jdbc (the Docker local profile's warehouse). {@link #verify()} holds the run to
 * what a correct pipeline guarantees. The default declaration of the customer's attributes, or another one from a file:
 * then the warehouse is built from its rendering, the flow's COPY statement is its rendering's, and the file's path
 * is the parameter customertrack.declaration.
 */
final class LocalPipeline {

    static final String MERGE = TriggerSnowflakeMerge.class.getName();
    static final String GENERATOR = GenerateFakeCustomer.class.getName();
    static final String VALIDATOR = ValidateCustomerRecord.class.getName();
    /** How NiFi's REST API writes a provenance event's time. */
    private static final DateTimeFormatter PROVENANCE_TIME = DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss.SSS z");

    /** Where the flow merges: the name scripts/local-flow.sh takes, the flow's parameters for it, a connection to check it. */
    interface Warehouse {
        String name();

        Map<String, String> parameters();

        Connection connect() throws SQLException;

        /** The declaration whose rendering built the warehouse. */
        Declaration declaration();
    }

    /** A DuckDB file (one process at a time: read it after NiFi has stopped). */
    static Warehouse duckDb(final Path file) throws SQLException {
        return duckDb(file, Declaration.defaultDeclaration());
    }

    /** A DuckDB file with the tables of {@code declaration}. */
    static Warehouse duckDb(final Path file, final Declaration declaration) throws SQLException {
        try (CustomerStore store = new CustomerStore("jdbc:duckdb:" + file, true, declaration)) {
            store.execute("CHECKPOINT");
        }
        return new Warehouse() {
            public String name() {
                return "duckdb";
            }

            public Declaration declaration() {
                return declaration;
            }

            public Map<String, String> parameters() {
                return Map.of("snowflake.jdbc.url", "jdbc:duckdb:" + file,
                        "snowflake.jdbc.driver.location", SandboxNiFi.DIST.resolve("drivers/duckdb_jdbc.jar").toString());
            }

            public Connection connect() throws SQLException {
                return CustomerStore.open("jdbc:duckdb:" + file);
            }
        };
    }

    /**
     * fakesnow with its objects created by scripts/init-local-warehouse.py and the parameters of docker/local.parameters,
     * as the Docker local profile runs them; only the server's address and the driver's folder differ, and the tables
     * have no PRIMARY KEY, as unenforced as Snowflake's: {@link #verify()} checks every declared key's uniqueness instead.
     */
    static Warehouse fakesnow(final FakesnowServer server) throws IOException {
        return fakesnow(server, Declaration.defaultDeclaration());
    }

    /** fakesnow as {@link #fakesnow(FakesnowServer)}, with the objects of {@code declaration}'s rendering. */
    static Warehouse fakesnow(final FakesnowServer server, final Declaration declaration) throws IOException {
        server.createSchema(false, declaration);
        final Properties docker = new Properties();
        try (Reader reader = Files.newBufferedReader(SandboxNiFi.ROOT.resolve("docker/local.parameters"))) {
            docker.load(reader);
        }
        final Map<String, String> parameters = new HashMap<>();
        docker.stringPropertyNames().forEach(name -> parameters.put(name, docker.getProperty(name)));
        parameters.put("snowflake.jdbc.url", parameters.get("snowflake.jdbc.url").replace("//fakesnow:8000/", "//127.0.0.1:" + server.port() + "/"));
        parameters.put("snowflake.jdbc.driver.location", SandboxNiFi.DIST.resolve("drivers/snowflake-jdbc.jar").toString());
        return new Warehouse() {
            public String name() {
                return "fakesnow";
            }

            public Declaration declaration() {
                return declaration;
            }

            public Map<String, String> parameters() {
                return parameters;
            }

            public Connection connect() throws SQLException {
                return server.connect();
            }
        };
    }

    private SandboxNiFi nifi;
    private final Warehouse warehouse;
    private final Path landing;
    private final Path quarantine;
    private final Path flow;
    private final Path parameters;
    /** The file customertrack.declaration names; null: no value, the default declaration. */
    private final Path declarationFile;
    private NiFiRest rest;

    /** The warehouse this pipeline merges into, with the declaration it was built from. */
    Warehouse warehouse() {
        return warehouse;
    }

    LocalPipeline(final SandboxNiFi nifi, final Path directory) throws IOException, SQLException {
        this(nifi, directory, duckDb(directory.resolve("warehouse.duckdb")));
    }

    LocalPipeline(final SandboxNiFi nifi, final Path directory, final Warehouse warehouse) throws IOException {
        this(nifi, directory, warehouse, null);
    }

    /**
     * @param declarationFile the declaration of the warehouse's tables, which the flow's processors read through the
     *                        parameter customertrack.declaration; null for the default declaration (no value)
     */
    LocalPipeline(final SandboxNiFi nifi, final Path directory, final Warehouse warehouse, final Path declarationFile) throws IOException {
        this.nifi = nifi;
        this.rest = nifi.rest();
        this.warehouse = warehouse;
        this.declarationFile = declarationFile;
        final Declaration declared = declarationFile == null ? Declaration.defaultDeclaration() : Declaration.read(declarationFile);
        if (!declared.equals(warehouse.declaration())) {
            throw new IllegalArgumentException("the warehouse was built from another declaration than " + declarationFile);
        }
        landing = directory.resolve("landing");
        quarantine = directory.resolve("quarantine");
        flow = directory.resolve("customertrack-local.json");
        parameters = directory.resolve("local.parameters");
        if (declarationFile == null) {
            writeLocalFlow(warehouse.name(), flow);
        } else {
            // The COPY statements of the declaration's rendering, as scripts/render-sql.sh writes them into local/.
            final Path copyStatements = Files.createDirectories(directory.resolve("declared-sql-local"));
            for (final Map.Entry<String, String> statement : new SqlRenderer(declared).localCopyStatements().entrySet()) {
                Files.writeString(copyStatements.resolve(statement.getKey()), statement.getValue(), StandardCharsets.UTF_8);
            }
            writeLocalFlow(warehouse.name(), flow, "--copy-dir", copyStatements.toString());
        }
        writeParameters(Map.of());
    }

    /** scripts/local-flow.sh --warehouse {@code warehouse}: the local variant of the flow, written to {@code target}. */
    static void writeLocalFlow(final String warehouse, final Path target, final String... options) throws IOException {
        final List<String> command = new ArrayList<>(List.of("bash", SandboxNiFi.ROOT.resolve("scripts/local-flow.sh").toString(),
                "--warehouse", warehouse));
        command.addAll(List.of(options));
        final Process generate = new ProcessBuilder(command).redirectOutput(target.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertEquals(0, generate.waitFor(), "scripts/local-flow.sh failed");
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Talk to another node of the cluster from now on (the one that survived). */
    void useNode(final SandboxNiFi node) {
        nifi = node;
        rest = node.rest();
    }

    /** A connection to the warehouse the flow merges into (a DuckDB file only once NiFi has stopped). */
    Connection connectWarehouse() throws SQLException {
        return warehouse.connect();
    }

    NiFiRest rest() {
        return rest;
    }

    void writeParameters(final Map<String, String> overrides) throws IOException {
        final Map<String, String> values = new HashMap<>(warehouse.parameters());
        values.putAll(Map.of(
                "snowflake.load.mode", "copy",
                "local.landing.directory", landing.toString(),
                "local.quarantine.directory", quarantine.toString(),
                "generator.schedule", "1 sec",
                "generator.records.per.flowfile", "200",
                // Late and replayed events and erasures, so that every run places late events, applies replays once and
                // erases customers for real.
                "generator.late.percentage", "5",
                "generator.replay.percentage", "2",
                "generator.erasure.percentage", "1"));
        values.putAll(overrides);
        final StringBuilder text = new StringBuilder();
        values.forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        if (declarationFile != null) {
            // The file's content, as docs/attributes.md has a deployment pass it (name@=path): no node needs the file.
            text.append("customertrack.declaration@=").append(declarationFile.toAbsolutePath()).append('\n');
        }
        Files.writeString(parameters, text);
    }

    DeployScript.Run deploy(final Path nar, final String... extraArguments) throws IOException {
        return deploy(Map.of(), nar, extraArguments);
    }

    /** As {@link #deploy(Path, String...)}, with environment variables for the script (e.g. CUSTOMERTRACK_PARAM_*). */
    DeployScript.Run deploy(final Map<String, String> environment, final Path nar, final String... extraArguments) throws IOException {
        final List<String> arguments = new ArrayList<>(List.of("--url", nifi.url(), "--nar", nar.toString(),
                "--flow", flow.toString(), "--parameters", parameters.toString(), "--timeout", "120", "--drain-timeout", "300"));
        arguments.addAll(nifi.adminCredentials());
        arguments.addAll(List.of(extraArguments));
        return DeployScript.run(arguments, environment);
    }

    String groupId() throws IOException {
        for (final JsonNode group : rest.get("/flow/process-groups/root").at("/processGroupFlow/flow/processGroups")) {
            if (group.at("/component/name").asText().equals("CustomerTrack")) {
                return group.get("id").asText();
            }
        }
        throw new IllegalStateException("no CustomerTrack process group");
    }

    JsonNode processor(final String groupId, final String type) throws IOException {
        for (final JsonNode processor : rest.get("/flow/process-groups/" + groupId).at("/processGroupFlow/flow/processors")) {
            if (processor.at("/component/type").asText().equals(type)) {
                return processor;
            }
        }
        throw new IllegalStateException("no " + type + " in " + groupId);
    }

    String generatorId(final String groupId) throws IOException {
        return processor(groupId, GENERATOR).get("id").asText();
    }

    void setRunStatus(final String processorId, final String state) throws IOException {
        final JsonNode entity = rest.get("/processors/" + processorId);
        rest.put("/processors/" + processorId + "/run-status", Map.of("revision", entity.get("revision"), "state", state,
                "disconnectedNodeAcknowledged", false));
    }

    /**
     * What NiFi reports as wrong, for a failure message: the validation errors of the CustomerTrack group's processors
     * and services, and the latest bulletins.
     */
    String problems() {
        final StringBuilder problems = new StringBuilder();
        try {
            final String group = groupId();
            final List<JsonNode> components = new ArrayList<>();
            rest.get("/flow/process-groups/" + group).at("/processGroupFlow/flow/processors").forEach(components::add);
            rest.get("/flow/process-groups/" + group + "/controller-services").get("controllerServices").forEach(components::add);
            for (final JsonNode component : components) {
                for (final JsonNode error : component.at("/component/validationErrors")) {
                    problems.append("invalid ").append(component.at("/component/name").asText()).append(": ")
                            .append(error.asText()).append('\n');
                }
            }
            for (final JsonNode bulletin : rest.get("/flow/bulletin-board?limit=20").at("/bulletinBoard/bulletins")) {
                problems.append("bulletin ").append(bulletin.at("/bulletin/level").asText()).append(' ')
                        .append(bulletin.at("/bulletin/sourceName").asText()).append(": ")
                        .append(bulletin.at("/bulletin/message").asText()).append('\n');
            }
        } catch (final IOException | RuntimeException e) {
            problems.append("(NiFi's components and bulletins could not be read: ").append(e.getMessage()).append(")\n");
        }
        return problems.isEmpty() ? "NiFi reports no invalid component and no bulletin." : problems.toString().strip();
    }

    /**
     * The three CustomerTrack processors are valid with the flow's customertrack.declaration: the declaration file's
     * path, or no value (the default declaration).
     */
    void assertCustomerTrackProcessorsValid() throws IOException {
        final String group = groupId();
        final JsonNode context = rest.get("/parameter-contexts/" + rest.get("/process-groups/" + group).at("/component/parameterContext/id").asText());
        String declared = null;
        for (final JsonNode parameter : context.at("/component/parameters")) {
            if (parameter.at("/parameter/name").asText().equals("customertrack.declaration")) {
                final JsonNode value = parameter.at("/parameter/value");
                declared = value.isMissingNode() || value.isNull() ? null : value.asText();
            }
        }
        assertEquals(declarationFile == null ? null : Files.readString(declarationFile), declared,
                "the value of customertrack.declaration: the declaration file's content, byte for byte");
        for (final String type : List.of(GENERATOR, VALIDATOR, MERGE)) {
            final JsonNode processor = processor(group, type);
            assertEquals("VALID", processor.at("/component/validationStatus").asText(), type + " with customertrack.declaration "
                    + (declared == null ? "empty" : "set") + ": " + processor.at("/component/validationErrors"));
        }
    }

    /** Sets the generator's Records Per FlowFile to a value of its own, once the generator has stopped. */
    void setGeneratorRecordsPerFlowFile(final String generatorId, final int records) throws IOException {
        final JsonNode stopped = rest.await("/processors/" + generatorId, Duration.ofMinutes(1), processor ->
                processor.at("/component/state").asText().equals("STOPPED")
                        && processor.at("/status/aggregateSnapshot/activeThreadCount").asInt() == 0);
        rest.put("/processors/" + generatorId, Map.of("revision", stopped.get("revision"), "component", Map.of("id", generatorId,
                "config", Map.of("properties", Map.of("Records Per FlowFile", Integer.toString(records))))));
    }

    /** Waits until the group holds no FlowFile and no thread is active. */
    void awaitDrained(final String groupId, final Duration timeout) throws IOException {
        rest.await("/flow/process-groups/" + groupId + "/status", timeout, status ->
                status.at("/processGroupStatus/aggregateSnapshot/flowFilesQueued").asInt() == 0
                        && status.at("/processGroupStatus/aggregateSnapshot/activeThreadCount").asInt() == 0);
    }

    void awaitLandedFiles(final long count) throws IOException {
        final long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (landedFileCount() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + count + " files landed in 3 minutes; NiFi log:\n" + nifi.logTail());
            }
            NiFiRest.sleep(250);
        }
    }

    long landedFileCount() throws IOException {
        return dataFiles(landing).size();
    }

    /** The landed files, valid records only (the files TriggerSnowflakeMerge receives). */
    List<Path> landedFiles() throws IOException {
        return dataFiles(landing);
    }

    /** The quarantined files, invalid records only. */
    List<Path> quarantinedFiles() throws IOException {
        return dataFiles(quarantine);
    }

    /**
     * When TriggerSnowflakeMerge first reported each landed file merged, by the file's path: the time of the provenance
     * event of a FlowFile it sent to success, which follows the warehouse commit. Such a FlowFile carries the merge's
     * commit time; NiFi also records ATTRIBUTES_MODIFIED for FlowFiles sent to retry or failure, which carry none.
     */
    Map<String, Instant> mergedAtByFile() throws IOException {
        final String merge = processor(groupId(), MERGE).get("id").asText();
        final Map<String, Instant> merged = new HashMap<>();
        for (final JsonNode event : ProvenanceQuery.events(rest, merge, "ATTRIBUTES_MODIFIED", true)) {
            if (ProvenanceQuery.attribute(event, CustomerTrackAttributes.MERGED_AT) == null) {
                continue;
            }
            final String file = ProvenanceQuery.attribute(event, CustomerTrackAttributes.STAGED_FILE);
            if (file == null) {
                throw new IllegalStateException("a merged FlowFile's provenance event has no "
                        + CustomerTrackAttributes.STAGED_FILE + " attribute: " + event);
            }
            final Instant at = ZonedDateTime.parse(event.get("eventTime").asText(), PROVENANCE_TIME).toInstant();
            merged.merge(file, at, (a, b) -> a.isBefore(b) ? a : b);
        }
        return merged;
    }

    private static List<Path> dataFiles(final Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            // PutFile writes a hidden dot file first and renames it when complete.
            return files.filter(file -> !file.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    /** What the run produced, read after NiFi has stopped (DuckDB allows one process per file). */
    record Outcome(long validRecords, long invalidRecords, long rawRows) {
    }

    /**
     * The checks of a correct run: every landed record is in CUSTOMER_RAW exactly once (by file and row), nothing
     * else is, no event is in two files (no batch generated twice; the generator's replays stay in their file), no live customer is inserted again (no id
     * reissued), every quarantined record has its reason, every erased customer has its receipt, CUSTOMER and
     * CUSTOMER_HISTORY equal the Java model over CUSTOMER_RAW's events of the customers not erased, every file has its
     * receipt, and sql/05's invariant queries return no row (one of them: nothing personal of an erased customer left).
     */
    Outcome verify() throws IOException, SQLException {
        long validRecords = 0;
        final Declaration declaration = warehouse.declaration();
        try (CustomerStore store = CustomerStore.on(warehouse.connect(), declaration)) {
            final Map<String, List<String[]>> rawByFile = rawKeysByFile(store);
            for (final Path file : dataFiles(landing)) {
                final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                assertTrue(lines.get(0).startsWith("customer_id,"), "header of " + file + ": " + lines.get(0));
                final List<String[]> raw = rawByFile.remove(file.toString());
                assertTrue(raw != null, "landed file " + file + " is not in CUSTOMER_RAW");
                assertEquals(lines.size() - 1, raw.size(), "rows of " + file + " in CUSTOMER_RAW");
                for (int row = 1; row < lines.size(); row++) {
                    final String line = lines.get(row);
                    final String[] loaded = raw.get(row - 1);
                    assertEquals(Long.toString(row), loaded[0], "row numbers of " + file);
                    assertTrue(line.startsWith(loaded[1] + ","), file + " row " + row + " has customer_id " + loaded[1] + ": " + line);
                    assertTrue(line.endsWith("," + loaded[2]), file + " row " + row + " has updated_at " + loaded[2] + ": " + line);
                }
                validRecords += lines.size() - 1;
            }
            assertEquals(Map.of(), rawByFile, "CUSTOMER_RAW rows from files that were never landed");
            // Replays repeat an event inside its own file; the same event in two files means a batch was issued twice.
            assertEquals(0, store.count("SELECT COUNT(*) FROM (SELECT customer_id, updated_at FROM customer_raw "
                            + "GROUP BY customer_id, updated_at HAVING COUNT(DISTINCT source_file) > 1)"),
                    "an event appears in two files of CUSTOMER_RAW: a generated batch was loaded or issued twice");
            assertTrue(store.count("SELECT COUNT(*) FROM (SELECT 1 FROM customer_raw GROUP BY customer_id, updated_at, source_file "
                    + "HAVING COUNT(*) > 1)") > 0, "the generator's replays reached CUSTOMER_RAW");
            assertEquals(0, store.count("SELECT COUNT(*) FROM customer_raw WHERE source_file NOT IN (SELECT source_file FROM customer_merge_log)"),
                    "loaded files that were never merged");

            final List<CustomerEvent> events = store.rawEvents();
            assertNoLiveIdInsertedAgain(events);
            // Erased customers have no versions (the sql/05 invariant below checks that nothing of them is left); the
            // others equal the model over their events. The lateness budget (7 days) is far beyond the generator's.
            final Set<Long> erased = new HashSet<>();
            events.stream().filter(event -> event.op() == CustomerEvent.Operation.ERASE).forEach(event -> erased.add(event.customerId()));
            assertTrue(!erased.isEmpty(), "the generator's erasure requests reached CUSTOMER_RAW");
            assertEquals(erased.size(), store.count("SELECT COUNT(*) FROM customer_erasure"), "one erasure receipt per erased customer");
            assertEquals(0, store.count("SELECT COUNT(*) FROM customer_merge_quarantine WHERE reason <> 'customer_erased'"),
                    "nothing beyond the lateness budget");
            final ScdModel.State state = store.state();
            assertEquals(ScdModel.expected(declaration, events.stream().filter(event -> !erased.contains(event.customerId())).toList()), state,
                    "CUSTOMER and CUSTOMER_HISTORY equal the model over CUSTOMER_RAW's events of customers not erased");
            assertEquals(store.count("SELECT COUNT(*) FROM customer_raw"), store.count("SELECT SUM(rows_loaded) FROM customer_merge_receipt"),
                    "every loaded row is on its file's receipt");
            ScdInvariants.check(state);
            for (final String invariant : SnowflakeDdl.invariantQueries(declaration)) {
                try (Statement statement = store.connection().createStatement(); ResultSet rs = statement.executeQuery(invariant)) {
                    assertFalse(rs.next(), "sql/05 invariant returned a row: " + invariant);
                }
            }
            final long rawRows = store.count("SELECT COUNT(*) FROM customer_raw");
            return new Outcome(validRecords, invalidRecords(), rawRows);
        }
    }

    private static void assertNoLiveIdInsertedAgain(final List<CustomerEvent> events) {
        final Set<Long> live = new HashSet<>();
        // An exact replay is the same event again, not a second INSERT.
        for (final CustomerEvent event : events.stream().distinct().sorted(Comparator.comparing(CustomerEvent::updatedAt)).toList()) {
            if (event.op() == CustomerEvent.Operation.INSERT) {
                assertTrue(live.add(event.customerId()), "customer " + event.customerId() + " inserted again while live: " + event);
            } else if (event.isDelete()) {
                live.remove(event.customerId());
            }
        }
    }

    private static Map<String, List<String[]>> rawKeysByFile(final CustomerStore store) throws SQLException {
        final Map<String, List<String[]>> byFile = new HashMap<>();
        try (Statement statement = store.connection().createStatement();
             ResultSet rs = statement.executeQuery("SELECT source_file, source_row_number, customer_id, "
                     + "strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%fZ') FROM customer_raw ORDER BY source_file, source_row_number")) {
            while (rs.next()) {
                byFile.computeIfAbsent(rs.getString(1), file -> new ArrayList<>())
                        .add(new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
            }
        }
        return byFile;
    }

    /** Records in the quarantine folder; each must carry a non-empty validation_errors value (the last column). */
    private long invalidRecords() throws IOException {
        long records = 0;
        for (final Path file : dataFiles(quarantine)) {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            assertTrue(lines.get(0).endsWith(",validation_errors"), "quarantine header of " + file + ": " + lines.get(0));
            for (final String line : lines.subList(1, lines.size())) {
                assertFalse(line.endsWith(",") || line.endsWith(",\"\""), "quarantined record without a reason in " + file + ": " + line);
            }
            records += lines.size() - 1;
        }
        return records;
    }
}

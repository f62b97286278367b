package io.customertrack.nifi.snowflake;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.Events;
import io.customertrack.nifi.merge.MergeRunner;
import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.ScdInvariants;
import io.customertrack.nifi.merge.ScdModel;
import io.customertrack.nifi.merge.SnowflakeDdl;
import io.customertrack.nifi.merge.WarehouseDialect;
import io.customertrack.nifi.processors.CustomerTrackAttributes;
import io.customertrack.nifi.processors.Dbcp2ConnectionPool;
import io.customertrack.nifi.processors.TriggerSnowflakeMerge;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The merge through the real snowflake-jdbc driver (4.0.0, and 3.x where a test says so) against fakesnow, with connections wrapped as NiFi's
 * DBCPConnectionPool wraps them. fakesnow has no streams or pipes: the stream is a view (as on DuckDB) and rows are
 * placed in CUSTOMER_RAW as the pipe would place them (Snowpipe mode). fakesnow keeps a database file open for one
 * session at a time, so everything here goes through the pool's one connection.
 */
class FakesnowMergeIT {

    private static final LocalDateTime T1 = LocalDateTime.parse("2026-01-01T10:00:00");
    private static final String TAG = "customertrack:test";
    private static final String DRIVER_4 = "snowflake-jdbc 4";
    private static final String DRIVER_3 = "snowflake-jdbc 3";
    private static Driver snowflakeJdbc3;

    @TempDir
    static Path databases;

    private static FakesnowServer server;
    private Dbcp2ConnectionPool pool;
    private final List<CustomerEvent> loaded = new ArrayList<>();

    @BeforeAll
    static void startFakesnow() throws Exception {
        server = new FakesnowServer(databases);
        server.createSchema();
    }

    @AfterAll
    static void stopFakesnow() throws Exception {
        server.close();
    }

    @BeforeEach
    void emptyTables() throws SQLException {
        pool = new Dbcp2ConnectionPool(server.url(), server.properties());
        try (Connection connection = pool.getConnection()) {
            CustomerStore.on(connection).emptyTables();
        }
    }

    @AfterEach
    void closePool() throws SQLException {
        pool.close();
    }

    private static CustomerEvent event(final long id, final int minute, final String city) {
        return Events.upsert(id, minute == 0 ? "INSERT" : "UPDATE", T1.plusMinutes(minute), "N" + id, "F", "n" + id + "@example.com", "s", city, "st", "co");
    }

    /** Rows in CUSTOMER_RAW as Snowpipe loads them from a file. */
    private void pipeLoads(final String file, final CustomerEvent... events) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            CustomerStore.on(connection).load(file, List.of(events));
        }
        loaded.addAll(List.of(events));
    }

    private ScdModel.State warehouseState() throws SQLException {
        try (Connection connection = pool.getConnection()) {
            return CustomerStore.on(connection).state();
        }
    }

    /** snowflake-jdbc 4.x from the test classpath, or 3.x (what NiFi's own Snowflake pool bundles) in its own class loader. */
    private void useDriver(final String version) throws Exception {
        if (version.equals(DRIVER_4)) {
            return;
        }
        pool.close();
        pool = new Dbcp2ConnectionPool(server.url(), server.properties(), snowflakeJdbc3());
    }

    private static synchronized Driver snowflakeJdbc3() throws Exception {
        if (snowflakeJdbc3 == null) {
            final Path jar = Path.of(System.getProperty("snowflake.jdbc3.jar", "target/drivers/snowflake-jdbc-3.jar"));
            assertTrue(Files.isRegularFile(jar), jar + " (maven-dependency-plugin copies it before the tests)");
            final ClassLoader loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            snowflakeJdbc3 = (Driver) Class.forName("net.snowflake.client.jdbc.SnowflakeDriver", true, loader).getDeclaredConstructor().newInstance();
            assertEquals(3, snowflakeJdbc3.getMajorVersion(), "snowflake-jdbc " + snowflakeJdbc3.getMajorVersion() + "." + snowflakeJdbc3.getMinorVersion());
        }
        return snowflakeJdbc3;
    }

    /**
     * fakesnow 0.12.1 has no LAST_QUERY_ID(): Snowflake's UUID_STRING() stands in for it, a new id at every call, so the
     * tests can follow the id the merge asks for into the receipts and attributes.
     */
    private void lastQueryIdStandsIn() {
        pool.replace("SELECT LAST_QUERY_ID()", "SELECT UUID_STRING()");
    }

    @ParameterizedTest
    @ValueSource(strings = {DRIVER_4, DRIVER_3})
    void mergeReportsSnowflakesRowCountsAndQueryIdThroughAPooledConnection(final String driver) throws Exception {
        useDriver(driver);
        lastQueryIdStandsIn();
        pipeLoads("first.csv", event(1, 0, "London"), event(1, 5, "Paris"), event(2, 0, "Rome"));
        final MergeRunner.Result result;
        try (Connection connection = pool.getConnection()) {
            assertEquals(WarehouseDialect.SNOWFLAKE, WarehouseDialect.of(connection));
            result = MergeRunner.run(connection, MergeScript.of(Declaration.defaultDeclaration()));
        }
        // execute() would have left every split at -1 (snowflake-jdbc drops the DML result row); executeQuery keeps it.
        assertEquals(1, result.step(MergeScript.Step.MERGE_LOCK).updated(), "'number of rows updated', not '... multi-joined rows updated'");
        assertEquals(3, result.step(MergeScript.Step.HISTORY_MERGE).inserted(), "three versions opened");
        assertEquals(2, result.step(MergeScript.Step.CUSTOMER_INSERT).inserted(), "two current rows written");
        assertEquals(1, result.step(MergeScript.Step.MERGE_LOG_INSERT).inserted());
        assertEquals(ScdModel.expected(loaded), warehouseState());

        // Asked once before the transaction (has the server the function?), then right after the last merge statement,
        // whose id the receipts get.
        final List<String> sent = pool.statements();
        final int lastMergeStatement = sent.indexOf(MergeScript.of(Declaration.defaultDeclaration()).statements().getLast());
        assertEquals(2, sent.stream().filter("SELECT LAST_QUERY_ID()"::equals).count(), sent.toString());
        assertTrue(sent.indexOf("SELECT LAST_QUERY_ID()") < sent.indexOf(MergeScript.of(Declaration.defaultDeclaration()).statements().getFirst()));
        assertEquals("SELECT LAST_QUERY_ID()", sent.get(lastMergeStatement + 1));
        assertEquals(MergeScript.of(Declaration.defaultDeclaration()).queryIdStatements(), sent.subList(lastMergeStatement + 2, lastMergeStatement + 4));
        assertNotNull(result.queryId());
        try (Connection connection = pool.getConnection()) {
            assertEquals(1, CustomerStore.on(connection).count("SELECT COUNT(*) FROM customer_merge_receipt WHERE merge_query_id = '"
                    + result.queryId() + "'"));
        }
    }

    /** Where the server has no LAST_QUERY_ID() (fakesnow), the merge runs without query ids instead of failing. */
    @Test
    void withoutLastQueryIdTheMergeRunsWithoutQueryIds() throws Exception {
        pipeLoads("first.csv", event(1, 0, "London"));
        final MergeRunner.Result result;
        try (Connection connection = pool.getConnection()) {
            result = MergeRunner.run(connection, MergeScript.of(Declaration.defaultDeclaration()));
        }
        assertNull(result.queryId());
        assertEquals(ScdModel.expected(loaded), warehouseState());
        final List<String> sent = pool.statements();
        assertEquals(1, sent.stream().filter("SELECT LAST_QUERY_ID()"::equals).count(), "only the question before the transaction");
        assertTrue(sent.indexOf("SELECT LAST_QUERY_ID()") < sent.indexOf(MergeScript.of(Declaration.defaultDeclaration()).statements().getFirst()));
    }

    /**
     * On Snowflake the processor bounds its session's lock waits and statements by the Merge Timeout and tags it while it
     * works, and unsets all three after. fakesnow has no session parameters and rejects ALTER SESSION ("not implemented"):
     * here the pool answers SHOW PARAMETERS as Snowflake does and takes the ALTER SESSION statements without sending them.
     */
    @Test
    void theProcessorsSessionIsBoundedAndTaggedWhileItWorksAndUnsetAfter() throws Exception {
        pool.replace("SHOW PARAMETERS LIKE 'LOCK_TIMEOUT' IN SESSION", "SELECT 'LOCK_TIMEOUT' AS \"key\", '43200' AS \"value\"");
        pool.replace("ALTER SESSION ", "SELECT 1");
        pipeLoads("a.csv", event(1, 0, "London"));
        final TestRunner runner = runnerWith(pool);
        runner.setProperty(TriggerSnowflakeMerge.QUERY_TAG, "customertrack:it's");
        runner.setProperty(TriggerSnowflakeMerge.MERGE_TIMEOUT, "90 sec");
        runner.enqueue(new byte[0], Map.of("s3.key", "a.csv"));
        pool.forgetStatements();
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final List<String> sent = pool.statements();
        assertEquals("SHOW PARAMETERS LIKE 'LOCK_TIMEOUT' IN SESSION", sent.get(0));
        assertEquals("ALTER SESSION SET LOCK_TIMEOUT = 90, STATEMENT_TIMEOUT_IN_SECONDS = 90, QUERY_TAG = 'customertrack:it''s'", sent.get(1));
        assertEquals("ALTER SESSION UNSET LOCK_TIMEOUT, STATEMENT_TIMEOUT_IN_SECONDS, QUERY_TAG", sent.getLast());
        assertEquals(2, sent.stream().filter(sql -> sql.startsWith("ALTER SESSION")).count(), sent.toString());
    }

    /** fakesnow lists no session parameters, so nothing is set (or unset) and the merge runs as before. */
    @Test
    void whereTheSessionHasNoParametersNoneIsSet() throws Exception {
        pipeLoads("a.csv", event(1, 0, "London"));
        final TestRunner runner = runnerWith(pool);
        runner.enqueue(new byte[0], Map.of("s3.key", "a.csv"));
        pool.forgetStatements();
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        assertEquals("SHOW PARAMETERS LIKE 'LOCK_TIMEOUT' IN SESSION", pool.statements().getFirst());
        assertTrue(pool.statements().stream().noneMatch(sql -> sql.startsWith("ALTER SESSION")), pool.statements().toString());
    }

    @Test
    void literalsKeepHostileValuesWhateverSnowflakeEscapes() throws Exception {
        final List<String> hostile = List.of("it's.csv", "ends-in-backslash\\", "\\'; DROP TABLE customer; --", "a\\nb.csv", "\\\\server\\share", "naïve €.csv");
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            for (final String value : hostile) {
                try (ResultSet rs = statement.executeQuery("SELECT " + WarehouseDialect.SNOWFLAKE.literal(value))) {
                    assertTrue(rs.next());
                    assertEquals(value, rs.getString(1), "literal of " + value);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {DRIVER_4, DRIVER_3})
    void triggerSnowflakeMergeConfirmsEachFileThePipeLoaded(final String driver) throws Exception {
        useDriver(driver);
        lastQueryIdStandsIn();
        pipeLoads("customers/valid/2026/01/01/10/a.csv", event(1, 0, "London"), event(2, 0, "Rome"));
        pipeLoads("customers/valid/2026/01/01/10/b.csv", event(1, 5, "Paris"), Events.delete(2, T1.plusMinutes(7)));
        final TestRunner runner = runnerWith(pool);
        // The flow's stage-relative name, matched against source_file holding the full path (as METADATA$FILENAME may).
        runner.setProperty(TriggerSnowflakeMerge.STAGED_FILE_NAME, "${s3.key:substringAfter('customers/valid/')}");
        runner.enqueue(new byte[0], Map.of("s3.key", "customers/valid/2026/01/01/10/a.csv"));
        runner.enqueue(new byte[0], Map.of("s3.key", "customers/valid/2026/01/01/10/b.csv"));
        runner.enqueue(new byte[0], Map.of("s3.key", "customers/valid/2026/01/01/10/not-loaded-yet.csv"));
        runner.run();

        runner.assertTransferCount(TriggerSnowflakeMerge.REL_SUCCESS, 2);
        runner.assertTransferCount(TriggerSnowflakeMerge.REL_RETRY, 1);
        assertEquals(3, runner.getCounterValue("CUSTOMER_HISTORY rows changed"), "three versions opened");
        assertEquals(2, runner.getCounterValue("Files merged"));
        for (final MockFlowFile merged : runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS)) {
            merged.assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_THIS_RUN);
            merged.assertAttributeEquals(CustomerTrackAttributes.FILE_ROWS, "2");
            assertTrue(merged.getAttribute(CustomerTrackAttributes.MERGED_AT).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"),
                    "merge time as an ISO-8601 instant: " + merged.getAttribute(CustomerTrackAttributes.MERGED_AT));
        }
        assertEquals(ScdModel.expected(loaded), warehouseState());
        ScdInvariants.check(warehouseState());

        // Each file's own receipt: a.csv opened both customers' first versions, b.csv opened Paris. Both merged in one
        // run, so London and Rome were written closed: no version that was open before this run was closed.
        final Map<String, MockFlowFile> byKey = new HashMap<>();
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).forEach(f -> byKey.put(f.getAttribute("s3.key"), f));
        final MockFlowFile a = byKey.get("customers/valid/2026/01/01/10/a.csv");
        final MockFlowFile b = byKey.get("customers/valid/2026/01/01/10/b.csv");
        a.assertAttributeEquals(CustomerTrackAttributes.VERSIONS_OPENED, "2");
        b.assertAttributeEquals(CustomerTrackAttributes.VERSIONS_OPENED, "1");
        for (final MockFlowFile merged : List.of(a, b)) {
            merged.assertAttributeEquals(CustomerTrackAttributes.VERSIONS_CLOSED, "0");
            merged.assertAttributeEquals(CustomerTrackAttributes.VERSIONS_RECUT, "0");
            merged.assertAttributeEquals(CustomerTrackAttributes.EVENTS_QUARANTINED, "0");
            assertNotNull(merged.getAttribute(CustomerTrackAttributes.QUERY_ID));
        }
        a.assertAttributeEquals(CustomerTrackAttributes.QUERY_ID, b.getAttribute(CustomerTrackAttributes.QUERY_ID)); // one merge
        final String details = runner.getProvenanceEvents().stream()
                .filter(event -> event.getDetails() != null && event.getDetails().contains("b.csv")).findFirst().orElseThrow().getDetails();
        assertTrue(details.startsWith("2 rows of 2026/01/01/10/b.csv merged into CUSTOMER and CUSTOMER_HISTORY by this run (2 files in "),
                details);
    }

    @Test
    void anErasureRemovesTheCustomersValuesAndQuarantinesItsLaterEvents() throws Exception {
        lastQueryIdStandsIn();
        final ScdModel.Merges model = new ScdModel.Merges(604_800L);
        final List<List<CustomerEvent>> files = List.of(
                List.of(event(1, 0, "London"), event(1, 5, "Paris"), event(2, 0, "Rome")),
                List.of(CustomerEvent.erase(1, T1.plusMinutes(9).toInstant(ZoneOffset.UTC), Events.ATTRIBUTES)),
                List.of(event(1, 3, "Late"), event(2, 4, "Milan")));
        try (Connection connection = pool.getConnection()) {
            final CustomerStore store = CustomerStore.on(connection);
            for (int i = 0; i < files.size(); i++) {
                store.load("file-" + i + ".csv", files.get(i));
                MergeRunner.run(connection, MergeScript.of(Declaration.defaultDeclaration()));
                model.merge(files.get(i));
                assertEquals(model.state(), store.state(), "after file-" + i);
            }
            assertEquals(0, store.count("SELECT COUNT(*) FROM customer_raw WHERE customer_id = 1"
                    + " AND COALESCE(first_name, last_name, email, street, city, state, country) IS NOT NULL"), "no value of customer 1 left");
            assertEquals(0, store.count("SELECT COUNT(*) FROM customer_history WHERE customer_id = 1"));
            assertEquals(0, store.count("SELECT COUNT(*) FROM customer WHERE customer_id = 1"));
            assertEquals(2, store.count("SELECT COUNT(*) FROM customer_history WHERE customer_id = 2"), "customer 2: Rome, then Milan");
            assertEquals(List.of(new ScdModel.Quarantined(1, "UPDATE", T1.plusMinutes(3), ScdModel.QuarantineReason.CUSTOMER_ERASED)),
                    store.quarantined());
            assertEquals(1, store.count("SELECT COUNT(*) FROM customer_erasure WHERE customer_id = 1 AND raw_rows = 2 AND history_rows = 2"
                    + " AND customer_rows = 1 AND merge_query_id IS NOT NULL AND source_file = 'file-1.csv'"),
                    "the erasure receipt, with the rows it cleared and the merge's query id");
            for (final String invariant : SnowflakeDdl.invariantQueries()) {
                assertEquals(0, store.count("SELECT COUNT(*) FROM (" + invariant + ")"), invariant);
            }
        }
    }

    @Test
    void serverKilledMidMergeRollsBackAndTheRetryCompletesIt() throws Exception {
        pipeLoads("first.csv", event(1, 0, "London"), event(2, 0, "Rome"));
        final TestRunner runner = runnerWith(pool);
        runner.enqueue(new byte[0], Map.of("s3.key", "first.csv"));
        // The server dies after the SCD2 MERGE, before the SCD1 MERGE: the driver sees the connection fail. (Not later:
        // fakesnow 0.12.1 commits the open transaction when it emulates a MERGE, which Snowflake does not. So here the
        // plan written before the SCD2 MERGE survives the kill; the next merge clears the plan before it writes one.)
        pool.beforeStatement("MERGE INTO customer AS target", () -> {
            try {
                server.kill();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
        final MockFlowFile retried = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst();
        assertTrue(retried.getAttribute(CustomerTrackAttributes.RETRY_REASON).startsWith("Connection problem, merge rolled back"), retried.getAttribute(CustomerTrackAttributes.RETRY_REASON));

        server.start();
        pool.close();
        pool = new Dbcp2ConnectionPool(server.url(), server.properties());
        assertEquals(List.of(), warehouseState().history(), "the SCD2 MERGE was rolled back with the transaction");
        final TestRunner again = runnerWith(pool);
        again.enqueue(new byte[0], retried.getAttributes());
        again.run();
        again.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        assertEquals(ScdModel.expected(loaded), warehouseState(), "nothing lost, nothing applied twice");
    }

    private static TestRunner runnerWith(final Dbcp2ConnectionPool pool) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(TriggerSnowflakeMerge.class);
        runner.addControllerService("snowflake", pool);
        runner.enableControllerService(pool);
        runner.setProperty(TriggerSnowflakeMerge.CONNECTION_POOL, "snowflake");
        runner.setProperty(TriggerSnowflakeMerge.QUERY_TAG, TAG);
        assertFalse(runner.getProcessContext().getProperty(TriggerSnowflakeMerge.QUERY_TAG).getValue().isBlank());
        return runner;
    }
}

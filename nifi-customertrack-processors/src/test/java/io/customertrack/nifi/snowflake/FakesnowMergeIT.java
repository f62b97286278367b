package io.customertrack.nifi.snowflake;

import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.Events;
import io.customertrack.nifi.merge.MergeRunner;
import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.ScdInvariants;
import io.customertrack.nifi.merge.ScdModel;
import io.customertrack.nifi.merge.SnowflakeDdl;
import io.customertrack.nifi.merge.WarehouseDialect;
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

import java.nio.file.Path;
import java.sql.Connection;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The merge through the real snowflake-jdbc 4.0.0 driver against fakesnow, with connections wrapped as NiFi's
 * DBCPConnectionPool wraps them. fakesnow has no streams or pipes: the stream is a view (as on DuckDB) and rows are
 * placed in CUSTOMER_RAW as the pipe would place them (Snowpipe mode). fakesnow keeps a database file open for one
 * session at a time, so everything here goes through the pool's one connection.
 */
class FakesnowMergeIT {

    private static final LocalDateTime T1 = LocalDateTime.parse("2026-01-01T10:00:00");
    private static final String TAG = "customertrack:test";

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

    @Test
    void mergeReportsSnowflakesRowCountsAndQueryIdsThroughAPooledConnection() throws Exception {
        pipeLoads("first.csv", event(1, 0, "London"), event(1, 5, "Paris"), event(2, 0, "Rome"));
        final MergeRunner.Result result;
        try (Connection connection = pool.getConnection()) {
            assertEquals(WarehouseDialect.SNOWFLAKE, WarehouseDialect.of(connection));
            result = MergeRunner.run(connection, TAG);
        }
        // execute() would have left every split at -1 (snowflake-jdbc drops the DML result row); executeQuery keeps it.
        assertEquals(3, result.step(MergeScript.Step.HISTORY_MERGE).inserted(), "three versions opened");
        assertEquals(2, result.step(MergeScript.Step.CUSTOMER_INSERT).inserted(), "two current rows written");
        assertEquals(1, result.step(MergeScript.Step.MERGE_LOG_INSERT).inserted());
        // Through dbcp2's wrappers, as in NiFi: the driver's statement is reached with getInnermostDelegate.
        // Every statement but the erasure scrub, which a batch without an erasure skips.
        assertEquals(MergeScript.Step.values().length - 1, result.queryIds().size(), result.queryIds().toString());
        assertEquals(result.queryIds().size(), result.queryIds().stream().distinct().count(), "one id per statement");
        assertEquals(ScdModel.expected(loaded), warehouseState());
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

    @Test
    void triggerSnowflakeMergeConfirmsEachFileThePipeLoaded() throws Exception {
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
        for (final MockFlowFile merged : runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS)) {
            merged.assertAttributeEquals("merge.performed.by", "this-run");
            merged.assertAttributeEquals("merge.file.row.count", "2");
            merged.assertAttributeEquals("merge.history.versions.opened", "3");
            merged.assertAttributeEquals("merge.customer.rows.written", "2");
            assertEquals(MergeScript.Step.values().length - 1, merged.getAttribute("merge.query.id").split(",").length, "no erasure: no scrub");
            assertTrue(merged.getAttribute("merge.merged.at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"),
                    "merge time as an ISO-8601 instant: " + merged.getAttribute("merge.merged.at"));
        }
        assertEquals(ScdModel.expected(loaded), warehouseState());
        ScdInvariants.check(warehouseState());

        // Each file's own receipt: a.csv opened both customers' first versions, b.csv opened Paris. Both merged in one
        // run, so London and Rome were written closed: no version that was open before this run was closed.
        final Map<String, MockFlowFile> byKey = new HashMap<>();
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).forEach(f -> byKey.put(f.getAttribute("s3.key"), f));
        final MockFlowFile a = byKey.get("customers/valid/2026/01/01/10/a.csv");
        final MockFlowFile b = byKey.get("customers/valid/2026/01/01/10/b.csv");
        a.assertAttributeEquals("merge.receipt.versions.opened", "2");
        b.assertAttributeEquals("merge.receipt.versions.opened", "1");
        for (final MockFlowFile merged : List.of(a, b)) {
            merged.assertAttributeEquals("merge.receipt.versions.closed", "0");
            merged.assertAttributeEquals("merge.receipt.versions.recut", "0");
            merged.assertAttributeEquals("merge.receipt.events.quarantined", "0");
            final List<String> queryIds = List.of(merged.getAttribute("merge.query.id").split(","));
            merged.assertAttributeEquals("merge.receipt.query.id", queryIds.getLast());
        }
        final String details = runner.getProvenanceEvents().stream()
                .filter(event -> event.getDetails() != null && event.getDetails().contains("b.csv")).findFirst().orElseThrow().getDetails();
        assertTrue(details.startsWith("2 rows of 2026/01/01/10/b.csv merged into CUSTOMER and CUSTOMER_HISTORY: 1 versions opened, 0 closed,"),
                details);
    }

    @Test
    void anErasureRemovesTheCustomersValuesAndQuarantinesItsLaterEvents() throws Exception {
        final ScdModel.Merges model = new ScdModel.Merges(604_800L);
        final List<List<CustomerEvent>> files = List.of(
                List.of(event(1, 0, "London"), event(1, 5, "Paris"), event(2, 0, "Rome")),
                List.of(CustomerEvent.erase(1, T1.plusMinutes(9).toInstant(ZoneOffset.UTC))),
                List.of(event(1, 3, "Late"), event(2, 4, "Milan")));
        try (Connection connection = pool.getConnection()) {
            final CustomerStore store = CustomerStore.on(connection);
            for (int i = 0; i < files.size(); i++) {
                store.load("file-" + i + ".csv", files.get(i));
                MergeRunner.run(connection, TAG);
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
        assertTrue(retried.getAttribute("merge.retry.reason").startsWith("Connection problem, merge rolled back"), retried.getAttribute("merge.retry.reason"));

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

package io.customertrack.nifi.processors;

import io.customertrack.nifi.ProjectFiles;
import io.customertrack.nifi.customer.CustomerEvent;
import io.customertrack.nifi.merge.CustomerStore;
import io.customertrack.nifi.merge.Events;
import io.customertrack.nifi.merge.ScdModel;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TriggerSnowflakeMergeTest {

    private static final LocalDateTime T1 = LocalDateTime.parse("2026-01-01T10:00:00");

    /** The local flow's COPY for DuckDB (flows/local/duckdb-copy.sql): reads the files as the pipe does. */
    static final String DUCKDB_COPY = ProjectFiles.read("flows/local/duckdb-copy.sql").strip();

    @TempDir
    Path tempDir;

    private String url;
    private CustomerStore store;
    private DuckDbConnectionPool pool;
    private TestRunner runner;
    private final List<CustomerEvent> allEvents = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        url = "jdbc:duckdb:" + tempDir.resolve("customertrack.duckdb");
        store = new CustomerStore(url);
        runner = TestRunners.newTestRunner(TriggerSnowflakeMerge.class);
        pool = new DuckDbConnectionPool();
        runner.addControllerService("duckdb", pool);
        runner.setProperty(pool, DuckDbConnectionPool.DATABASE_URL, url);
        runner.enableControllerService(pool);
        runner.setProperty(TriggerSnowflakeMerge.CONNECTION_POOL, "duckdb");
    }

    @AfterEach
    void tearDown() throws SQLException {
        runner.disableControllerService(pool);
        store.close();
    }

    private static CustomerEvent event(final long id, final int minute, final String city) {
        return Events.upsert(id, minute == 0 ? "INSERT" : "UPDATE", T1.plusMinutes(minute), "N" + id, "F", "n" + id + "@example.com", "s", city, "st", "co");
    }

    private void snowpipeLoads(final String file, final CustomerEvent... events) throws SQLException {
        store.load(file, List.of(events));
        allEvents.addAll(List.of(events));
    }

    private void enqueueS3Object(final String key) {
        runner.enqueue(new byte[0], Map.of("s3.bucket", "customertrack-data-lake", "s3.key", key, "filename", key));
    }

    private void assertTablesMatchModel() throws SQLException {
        assertEquals(ScdModel.expected(allEvents), store.state());
    }

    @Test
    void mergesLoadedFilesAndReportsPerFile() throws Exception {
        snowpipeLoads("2026/01/01/a.csv", event(1, 0, "London"), event(2, 0, "Paris"), event(1, 5, "Rome"));
        snowpipeLoads("2026/01/01/b.csv", event(2, 6, "Oslo"));
        enqueueS3Object("2026/01/01/a.csv");
        enqueueS3Object("2026/01/01/b.csv");
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 2);
        final MockFlowFile a = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        a.assertAttributeEquals(CustomerTrackAttributes.STAGED_FILE, "2026/01/01/a.csv");
        a.assertAttributeEquals(CustomerTrackAttributes.FILE_ROWS, "3");
        a.assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_THIS_RUN);
        assertNotNull(a.getAttribute(CustomerTrackAttributes.MERGED_AT));
        assertNull(a.getAttribute(CustomerTrackAttributes.QUERY_ID), "DuckDB has no Snowflake query ids");
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).get(1).assertAttributeEquals(CustomerTrackAttributes.FILE_ROWS, "1");
        assertTablesMatchModel();
        assertEquals(2, runner.getProvenanceEvents().size());
        assertTrue(runner.getProvenanceEvents().getFirst().getDetails().contains("by this run (2 files in "),
                runner.getProvenanceEvents().getFirst().getDetails());
    }

    /** What the merge did to the tables is the batch's, not a FlowFile's: counters, summed over runs. */
    @Test
    void batchFiguresGoToCountersNotAttributes() throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"), event(2, 0, "Paris"), event(1, 5, "Rome"));
        snowpipeLoads("b.csv", event(2, 6, "Oslo"));
        enqueueS3Object("a.csv");
        enqueueS3Object("b.csv");
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 2);
        assertEquals(1, runner.getCounterValue(TriggerSnowflakeMerge.COUNTER_MERGES));
        assertEquals(2, runner.getCounterValue(TriggerSnowflakeMerge.COUNTER_FILES_MERGED));
        assertEquals(4, runner.getCounterValue(TriggerSnowflakeMerge.COUNTER_HISTORY_ROWS), "4 versions written");
        assertEquals(2, runner.getCounterValue(TriggerSnowflakeMerge.COUNTER_CUSTOMER_ROWS), "2 current rows written");
        assertNotNull(runner.getCounterValue(TriggerSnowflakeMerge.COUNTER_MERGE_MILLIS));
        for (final MockFlowFile merged : runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS)) {
            for (final String name : merged.getAttributes().keySet()) {
                assertTrue(!name.startsWith("merge.") && (name.startsWith("customertrack.") || Set.of("s3.bucket", "s3.key", "filename",
                        "path", "uuid").contains(name)), "attribute " + name + " is of this project or the FlowFile's own");
            }
            assertTrue(merged.getAttributes().keySet().stream().filter(name -> name.startsWith("customertrack.")).count() <= 12,
                    merged.getAttributes().toString());
        }
    }

    /**
     * Two merges at once: the second meets the first's lock on CUSTOMER_MERGE_LOCK (DuckDB fails it at once, Snowflake
     * after LOCK_TIMEOUT), rolls back and retries; nothing is lost or applied twice.
     */
    @Test
    void aMergeThatMeetsAnotherOneRetriesAndNothingIsLost() throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"), event(2, 0, "Paris"));
        snowpipeLoads("b.csv", event(1, 5, "Rome"), event(3, 0, "Oslo"));
        final TestRunner second = TestRunners.newTestRunner(TriggerSnowflakeMerge.class);
        second.addControllerService("duckdb", pool);
        second.setProperty(pool, DuckDbConnectionPool.DATABASE_URL, url);
        second.enableControllerService(pool);
        second.setProperty(TriggerSnowflakeMerge.CONNECTION_POOL, "duckdb");
        second.enqueue(new byte[0], Map.of("s3.key", "b.csv"));
        // The first merge holds the lock (its first statement ran) when the second one starts.
        pool.beforeStatement("DELETE FROM customer_merge_plan", second::run);
        enqueueS3Object("a.csv");
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        second.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
        final MockFlowFile retried = second.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst();
        assertTrue(retried.isPenalized());
        assertTrue(retried.getAttribute(CustomerTrackAttributes.RETRY_REASON).startsWith("Met another merge"),
                retried.getAttribute(CustomerTrackAttributes.RETRY_REASON));
        assertEquals(1, second.getCounterValue(TriggerSnowflakeMerge.COUNTER_MERGES_RETRIED));
        assertTablesMatchModel(); // the first merge applied both files

        second.clearTransferState();
        second.enqueue(retried);
        second.run();
        second.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final MockFlowFile merged = second.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        merged.assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_EARLIER_RUN);
        merged.assertAttributeNotExists(CustomerTrackAttributes.RETRY_REASON);
        assertTablesMatchModel();
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_merge_log"));
    }

    /** The look-ups compare source_file for equality with the values it may hold, so that Snowflake can prune on it. */
    @Test
    void fileLookUpsMatchSourceFileExactly() throws Exception {
        snowpipeLoads("customers/valid/2026/01/01/a.csv", event(1, 0, "London"));
        enqueueS3Object("customers/valid/2026/01/01/a.csv");
        runner.setProperty(TriggerSnowflakeMerge.STAGED_FILE_NAME, "${s3.key:substringAfter('customers/valid/')}");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final List<String> lookUps = pool.statements().stream().filter(sql -> sql.contains("customer_merge_log")
                && sql.startsWith("SELECT")).toList();
        assertEquals(3, lookUps.size(), "loaded, merged before, merged after: " + lookUps);
        for (final String sql : lookUps) {
            assertTrue(sql.contains("source_file IN (?, ?, ?)") && !sql.contains("RIGHT(") && !sql.contains(" OR "), sql);
        }
    }

    /** A file of the same name under another folder of the bucket is not the FlowFile's file. */
    @Test
    void aFileOfTheSameNameElsewhereIsNotTakenForTheFlowFilesFile() throws Exception {
        snowpipeLoads("customers/archive/2026/01/01/a.csv", event(1, 0, "London"));
        runner.setProperty(TriggerSnowflakeMerge.STAGED_FILE_NAME, "${s3.key:substringAfter('customers/valid/')}");
        enqueueS3Object("customers/valid/2026/01/01/a.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
    }

    @Test
    void mergeTimeoutIsAPositiveDurationOfAtMostTwelveHours() {
        runner.setProperty(TriggerSnowflakeMerge.MERGE_TIMEOUT, "0 sec");
        runner.assertNotValid();
        runner.setProperty(TriggerSnowflakeMerge.MERGE_TIMEOUT, "13 hours");
        runner.assertNotValid();
        runner.setProperty(TriggerSnowflakeMerge.MERGE_TIMEOUT, "90 sec");
        runner.assertValid();
        runner.removeProperty(TriggerSnowflakeMerge.MERGE_TIMEOUT);
        assertEquals("5 min", runner.getProcessContext().getProperty(TriggerSnowflakeMerge.MERGE_TIMEOUT).getValue());
    }

    /**
     * METADATA$FILENAME may hold the path relative to the stage URL or the full path to the file (Snowflake's own words):
     * the FlowFile's stage-relative name is confirmed in both shapes, and a longer name sharing its ending is not taken
     * for it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"2026/01/01/a.csv", "customers/valid/2026/01/01/a.csv", "customers/valid/2026/01/01/🏔a.csv",
        "s3://customertrack-data-lake/customers/valid/2026/01/01/a.csv"})
    void aFileIsConfirmedWhetherSourceFileIsStageRelativeOrTheFullPath(final String sourceFile) throws Exception {
        final String stagedName = sourceFile.substring(sourceFile.indexOf("2026/"));
        snowpipeLoads(sourceFile, event(1, 0, "London"), event(2, 0, "Paris"));
        snowpipeLoads("customers/valid/2026/01/01/xa.csv", event(3, 0, "Oslo"));
        runner.setProperty(TriggerSnowflakeMerge.STAGED_FILE_NAME, "${s3.key:substringAfter('customers/valid/')}");
        enqueueS3Object("customers/valid/" + stagedName);
        enqueueS3Object("customers/valid/2026/01/01/ghost-a.csv");
        runner.run();

        runner.assertTransferCount(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final MockFlowFile merged = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        merged.assertAttributeEquals(CustomerTrackAttributes.STAGED_FILE, stagedName);
        merged.assertAttributeEquals(CustomerTrackAttributes.FILE_ROWS, "2");
        runner.assertTransferCount(TriggerSnowflakeMerge.REL_RETRY, 1);
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst()
                .assertAttributeEquals(CustomerTrackAttributes.STAGED_FILE, "2026/01/01/ghost-a.csv");
    }

    @Test
    void fileNotYetLoadedIsRetriedWithPenaltyThenMergedOnceLoaded() throws Exception {
        enqueueS3Object("late.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
        final MockFlowFile waiting = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst();
        assertTrue(waiting.isPenalized());
        waiting.assertAttributeEquals(CustomerTrackAttributes.RETRY_REASON, "File late.csv is not loaded into CUSTOMER_RAW yet");
        final String waitStarted = waiting.getAttribute(CustomerTrackAttributes.WAIT_STARTED);
        assertNotNull(waitStarted);
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_merge_log"));

        snowpipeLoads("late.csv", event(7, 0, "Lima"));
        runner.clearTransferState();
        runner.enqueue(waiting);
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst().assertAttributeEquals(CustomerTrackAttributes.WAIT_STARTED, waitStarted);
        assertTablesMatchModel();
    }

    @Test
    void givesUpAfterTheLoadWaitTimeout() {
        runner.setProperty(TriggerSnowflakeMerge.LOAD_WAIT_TIMEOUT, "10 min");
        final long elevenMinutesAgo = System.currentTimeMillis() - 11 * 60_000L;
        runner.enqueue(new byte[0], Map.of("s3.key", "never.csv", CustomerTrackAttributes.WAIT_STARTED, Long.toString(elevenMinutesAgo)));
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst();
        final String reason = failed.getAttribute(CustomerTrackAttributes.FAILURE_REASON);
        assertTrue(reason.startsWith("File never.csv was not loaded into CUSTOMER_RAW and merged within 10 min"), reason);
        failed.assertAttributeNotExists(CustomerTrackAttributes.WAIT_STARTED);
    }

    /**
     * An operator fixes the cause and routes the FlowFile back from failure: it waits its whole Load Wait Timeout again,
     * and once merged it carries no reason of its earlier trips.
     */
    @Test
    void aFlowFileRoutedBackFromFailureWaitsAnewAndSucceedsWithoutOldReasons() throws Exception {
        runner.setProperty(TriggerSnowflakeMerge.LOAD_WAIT_TIMEOUT, "10 min");
        final long elevenMinutesAgo = System.currentTimeMillis() - 11 * 60_000L;
        runner.enqueue(new byte[0], Map.of("s3.key", "late.csv", CustomerTrackAttributes.WAIT_STARTED, Long.toString(elevenMinutesAgo)));
        runner.run();
        final MockFlowFile failed = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst();

        runner.clearTransferState();
        runner.enqueue(failed);
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
        final MockFlowFile waiting = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst();
        waiting.assertAttributeNotExists(CustomerTrackAttributes.FAILURE_REASON);

        snowpipeLoads("late.csv", event(4, 0, "Oslo"));
        runner.clearTransferState();
        runner.enqueue(waiting);
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final MockFlowFile merged = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        merged.assertAttributeNotExists(CustomerTrackAttributes.RETRY_REASON);
        merged.assertAttributeNotExists(CustomerTrackAttributes.FAILURE_REASON);
        assertTablesMatchModel();
    }

    @Test
    void fileAlreadyMergedByTheScheduledTaskSucceedsWithoutAnotherMerge() throws Exception {
        snowpipeLoads("task.csv", event(3, 0, "Kyiv"));
        store.merge(); // the Snowflake task got there first
        enqueueS3Object("task.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final MockFlowFile flowFile = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        flowFile.assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_EARLIER_RUN);
        assertNull(runner.getCounterValue(TriggerSnowflakeMerge.COUNTER_MERGES), "no merge ran");
        flowFile.assertAttributeEquals(CustomerTrackAttributes.FILE_ROWS, "1");
        // The receipt is the file's, whoever merged it; DuckDB's driver has no query ids.
        flowFile.assertAttributeEquals(CustomerTrackAttributes.VERSIONS_OPENED, "1");
        flowFile.assertAttributeEquals(CustomerTrackAttributes.EVENTS_QUARANTINED, "0");
        flowFile.assertAttributeNotExists(CustomerTrackAttributes.QUERY_ID);
    }

    @Test
    void aFileMergedBeforeReceiptsExistedSucceedsWithoutReceiptAttributes() throws Exception {
        snowpipeLoads("old.csv", event(4, 0, "Lima"));
        store.merge();
        store.execute("DELETE FROM customer_merge_receipt");
        enqueueS3Object("old.csv");
        runner.run();
        final MockFlowFile flowFile = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        flowFile.assertAttributeNotExists(CustomerTrackAttributes.VERSIONS_OPENED);
        assertTrue(runner.getProvenanceEvents().getFirst().getDetails().endsWith("(no receipt: merged before receipts were kept)"),
                runner.getProvenanceEvents().getFirst().getDetails());
    }

    @Test
    void anErasureDatedWhenReceivedIsSaidSoOnItsFilesReceipt() throws Exception {
        snowpipeLoads("first.csv", event(5, 0, "Quito"));
        store.merge();
        final Instant received = T1.plusMinutes(3).toInstant(ZoneOffset.UTC);
        snowpipeLoads("erase.csv", CustomerEvent.erase(5, received, Events.ATTRIBUTES));
        runner.enqueue(new byte[0], Map.of("s3.bucket", "customertrack-data-lake", "s3.key", "erase.csv", "filename", "erase.csv",
                ValidateCustomerRecord.ATTR_RECEIVED_AT, received.toString()));
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final String details = runner.getProvenanceEvents().getFirst().getDetails();
        assertTrue(details.contains("1 erasure requests; erasure requests without a usable time of their own are dated when received, "
                + received), details);
        assertEquals(List.of(LocalDateTime.ofInstant(received, ZoneOffset.UTC).toString()),
                store.rows("SELECT CAST(requested_at AS VARCHAR) FROM customer_erasure").stream()
                        .map(text -> LocalDateTime.parse(text.replace(' ', 'T')).toString()).toList(), "the receipt's time is the received time");
    }

    @Test
    void aQuarantinedEventIsOnItsFilesReceipt() throws Exception {
        snowpipeLoads("first.csv", event(5, 600, "Quito"));
        store.merge();
        store.latenessBudget(60L);
        snowpipeLoads("late.csv", event(5, 0, "Lima"), event(6, 0, "Bogota"));
        enqueueS3Object("late.csv");
        runner.run();
        final MockFlowFile flowFile = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst();
        flowFile.assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_THIS_RUN);
        flowFile.assertAttributeEquals(CustomerTrackAttributes.FILE_ROWS, "2");
        flowFile.assertAttributeEquals(CustomerTrackAttributes.EVENTS_QUARANTINED, "1");
        flowFile.assertAttributeEquals(CustomerTrackAttributes.VERSIONS_OPENED, "1");
        assertTrue(runner.getProvenanceEvents().getFirst().getDetails().contains("1 events quarantined"),
                runner.getProvenanceEvents().getFirst().getDetails());
    }

    /**
     * The connection drops at a later statement of the merge, after CUSTOMER rows may already have been removed for
     * rewriting: the rollback must leave both tables as the previous merge left them, and the retry must finish.
     */
    @ParameterizedTest
    @ValueSource(strings = {"MERGE INTO customer ", "INSERT INTO customer\n", "INSERT INTO customer_merge_log"})
    void connectionLossAtALaterStatementKeepsThePreviousState(final String failingStatement) throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"), event(2, 0, "Rome"));
        enqueueS3Object("a.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final ScdModel.State before = store.state();

        snowpipeLoads("b.csv", event(1, 5, "Paris"), event(2, 5, "Rome"), event(3, 5, "Oslo"));
        pool.dropConnectionOn(failingStatement);
        runner.clearTransferState();
        enqueueS3Object("b.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
        assertEquals(before, store.state(), "rolled back to what the first merge left");

        pool.dropConnectionOn(null);
        final MockFlowFile retried = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst();
        runner.clearTransferState();
        runner.enqueue(retried);
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        assertTablesMatchModel();
    }

    @Test
    void connectionLossMidMergeRollsBackAndRetriesWithoutLosingOrDoublingRows() throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"), event(1, 1, "Paris"), event(2, 0, "Rome"));
        pool.dropConnectionOn("MERGE INTO customer "); // after the SCD2 merge ran, before SCD1
        enqueueS3Object("a.csv");
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 1);
        final MockFlowFile retried = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_RETRY).getFirst();
        assertTrue(retried.isPenalized());
        assertTrue(retried.getAttribute(CustomerTrackAttributes.RETRY_REASON).contains("Simulated network failure"));
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_history"), "the SCD2 merge was rolled back");
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_merge_log"), "the file stays pending");

        pool.dropConnectionOn(null);
        runner.clearTransferState();
        runner.enqueue(retried);
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        assertEquals(3, store.count("SELECT COUNT(*) FROM customer_history"));
        assertTablesMatchModel();
    }

    @Test
    void sqlErrorGoesToFailureWithTheMessage() throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"));
        store.execute("DROP TABLE customer_history");
        enqueueS3Object("a.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        final String reason = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst().getAttribute(CustomerTrackAttributes.FAILURE_REASON);
        assertTrue(reason.startsWith("SQL error") && reason.contains("customer_history"), reason);
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_merge_log"));
    }

    /** CUSTOMER_RAW of other columns than the declaration's: nothing merges, and the reason names each difference. */
    @Test
    void aRawTableThatDiffersFromTheDeclarationFailsNamingTheColumns() throws Exception {
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, """
                {"attributes": [
                  {"name": "first_name", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "last_name", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "email", "type": "VARCHAR(254)", "required": true, "personal": true},
                  {"name": "street", "type": "VARCHAR(200)", "required": true, "personal": true},
                  {"name": "city", "type": "NUMBER(5,0)", "required": true, "personal": true},
                  {"name": "state", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "loyalty_tier", "type": "VARCHAR(8)", "required": true, "personal": false}]}""");
        snowpipeLoads("a.csv", event(1, 0, "London"));
        enqueueS3Object("a.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        final String reason = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst()
                .getAttribute(CustomerTrackAttributes.FAILURE_REASON);
        assertTrue(reason.startsWith("CUSTOMER_RAW does not match the Customer Declaration"), reason);
        assertTrue(reason.contains("missing column(s) loyalty_tier"), reason);
        assertTrue(reason.contains("column(s) not in the declaration country"), reason);
        assertTrue(reason.contains("city is VARCHAR, declared NUMBER(5,0)"), reason);
        assertEquals(1, runner.getLogger().getErrorMessages().size(), "an error bulletin");
        assertTrue(runner.getLogger().getErrorMessages().getFirst().getMsg().contains("loyalty_tier"));
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_merge_log"), "nothing merged");

        runner.clearTransferState();
        enqueueS3Object("a.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        assertEquals(2, pool.statements().stream().filter(sql -> sql.contains("information_schema.columns")).count(),
                "a mismatch is checked again: the table may have been fixed meanwhile");
    }

    /** A table that matches is checked once, when the processor first connects after it is scheduled. */
    @Test
    void aMatchingRawTableIsCheckedOnce() throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"));
        snowpipeLoads("b.csv", event(2, 0, "Paris"));
        enqueueS3Object("a.csv");
        runner.run(1, false, true);
        enqueueS3Object("b.csv");
        runner.run(1, true, false);
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 2);
        assertEquals(1, pool.statements().stream().filter(sql -> sql.contains("information_schema.columns")).count());
    }

    @Test
    void anUnusableDeclarationMakesTheProcessorInvalid() {
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, """
                {"attributes": [{"name": "tier", "type": "TEXT", "required": true, "personal": false}]}""");
        runner.assertNotValid();
    }

    /** Unset, the Copy Statement is the declaration's: its file columns, as the pipe loads them. */
    @Test
    void theDefaultCopyStatementIsTheDeclarations() throws Exception {
        store.execute("ALTER TABLE customer_raw ADD COLUMN loyalty_tier VARCHAR(8)");
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, """
                {"attributes": [
                  {"name": "first_name", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "last_name", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "email", "type": "VARCHAR(254)", "required": true, "personal": true},
                  {"name": "street", "type": "VARCHAR(200)", "required": true, "personal": true},
                  {"name": "city", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "state", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "country", "type": "VARCHAR(100)", "required": true, "personal": true},
                  {"name": "loyalty_tier", "type": "VARCHAR(8)", "required": true, "personal": false}]}""");
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, TriggerSnowflakeMerge.LoadMode.COPY.getValue());
        enqueueS3Object("a.csv");
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        final String copy = pool.statements().stream().filter(sql -> sql.startsWith("COPY INTO customer_raw")).findFirst().orElseThrow()
                .replaceAll("\\s+", " ");
        assertTrue(copy.contains("country, loyalty_tier, op, updated_at"), copy);
        assertTrue(copy.contains("$11,"), "eleven file columns: " + copy);
    }

    /** A source_file is the staged name itself or ends in '/' and it; the longest such name wins, a partial segment never. */
    @Test
    void aSourceFileStandsForItsLongestStagedName() {
        final Set<String> staged = Set.of("x.csv", "a/x.csv", "b.csv");
        assertEquals(java.util.Optional.of("a/x.csv"), Warehouse.stagedName("s3://bucket/customers/valid/a/x.csv", staged));
        assertEquals(java.util.Optional.of("a/x.csv"), Warehouse.stagedName("a/x.csv", staged));
        assertEquals(java.util.Optional.of("x.csv"), Warehouse.stagedName("s3://bucket/customers/valid/x.csv", staged));
        assertEquals(java.util.Optional.empty(), Warehouse.stagedName("s3://bucket/customers/valid/ab.csv", staged), "b.csv is no suffix of a segment");
        assertEquals(java.util.Optional.empty(), Warehouse.stagedName("s3://bucket/customers/valid/c.csv", staged));
    }

    /** A wait start that is not a number would fail every run on the same FlowFile: it fails once, alone, saying why. */
    @Test
    void aWaitStartThatIsNotANumberFailsThatFlowFileAlone() throws Exception {
        snowpipeLoads("good.csv", event(1, 0, "London"));
        enqueueS3Object("good.csv");
        runner.enqueue(new byte[0], Map.of("s3.key", "other.csv", CustomerTrackAttributes.WAIT_STARTED, "yesterday"));
        runner.run();
        runner.assertTransferCount(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst();
        failed.assertAttributeEquals(CustomerTrackAttributes.FAILURE_REASON, "Attribute " + CustomerTrackAttributes.WAIT_STARTED
                + " was 'yesterday', not the epoch milliseconds this processor writes; it is removed, so the FlowFile waits anew when routed back");
        failed.assertAttributeNotExists(CustomerTrackAttributes.WAIT_STARTED);
        runner.assertTransferCount(TriggerSnowflakeMerge.REL_FAILURE, 1);
    }

    /** Query Tag has no default, so leaving it empty really means no tag (a default would come back when emptied). */
    @Test
    void queryTagCanBeLeftEmpty() {
        assertEquals(null, TriggerSnowflakeMerge.QUERY_TAG.getDefaultValue());
        runner.removeProperty(TriggerSnowflakeMerge.QUERY_TAG);
        runner.assertValid();
        assertEquals(null, runner.getProcessContext().getProperty(TriggerSnowflakeMerge.QUERY_TAG).getValue());
    }

    @Test
    void loadModesKeepTheirValuesAndDescribeThemselves() {
        assertEquals(List.of("snowpipe", "copy"), java.util.Arrays.stream(TriggerSnowflakeMerge.LoadMode.values())
                .map(TriggerSnowflakeMerge.LoadMode::getValue).toList());
        assertEquals(List.of("snowpipe", "copy"), TriggerSnowflakeMerge.LOAD_MODE.getAllowableValues().stream()
                .map(org.apache.nifi.components.AllowableValue::getValue).toList());
        assertEquals("snowpipe", TriggerSnowflakeMerge.LOAD_MODE.getDefaultValue());
    }

    @Test
    void missingS3KeyIsAClearFailure() {
        runner.enqueue(new byte[0]);
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst()
                .assertAttributeEquals(CustomerTrackAttributes.FAILURE_REASON, "Staged File Name evaluated to an empty value; is the s3.key attribute missing?");
    }

    @Test
    void copyModeLoadsMissingFilesOnceAndReplaysChangeNothing() throws Exception {
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
        runner.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, DUCKDB_COPY);
        final Path file = tempDir.resolve("o'brien.csv"); // a quote in the name must not break the COPY
        Files.writeString(file, GenerateFakeCustomerTest.HEADER + "\n"
                + "5,Ada,Lovelace,ada@example.com,s,London,st,co,INSERT,2026-01-31T12:00:00.000000Z\n"
                + "5,Ada,Lovelace,ada@example.com,s,Paris,st,co,UPDATE,2026-01-31T12:05:00.000000Z\n");
        enqueueS3Object(file.toString());
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_raw"));
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_history"));

        runner.clearTransferState();
        enqueueS3Object(file.toString()); // the same S3 object announced again
        runner.run();
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst().assertAttributeEquals(CustomerTrackAttributes.MERGED_BY, CustomerTrackAttributes.MERGED_BY_EARLIER_RUN);
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_raw"), "not loaded twice");
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_history"));
    }

    @Test
    void aFileThatCannotBeCopiedFailsAloneWithTheDatabaseMessage() throws Exception {
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
        runner.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, DUCKDB_COPY);
        final Path good = tempDir.resolve("good.csv");
        Files.writeString(good, GenerateFakeCustomerTest.HEADER + "\n5,Ada,Lovelace,ada@example.com,s,London,st,co,INSERT,2026-01-31T12:00:00.000000Z\n");
        final Path missing = tempDir.resolve("missing.csv");
        enqueueS3Object(good.toString());
        enqueueS3Object(missing.toString());
        runner.run();

        runner.assertTransferCount(TriggerSnowflakeMerge.REL_SUCCESS, 1);
        runner.assertTransferCount(TriggerSnowflakeMerge.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_SUCCESS).getFirst().assertAttributeEquals(CustomerTrackAttributes.STAGED_FILE, good.toString());
        final String reason = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst().getAttribute(CustomerTrackAttributes.FAILURE_REASON);
        assertTrue(reason.startsWith("COPY of " + missing + " failed: ") && reason.contains("missing.csv"), reason);
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_history"));
    }

    /**
     * A driver's error can carry the record it failed on: DuckDB's CSV conversion error quotes the value and repeats the
     * whole original line. The failure reason and the log keep the SQLState, the error code and the first line with
     * quoted text masked; no value of the file, no stack trace.
     */
    @Test
    void aDriverErrorQuotingTheRecordLeavesNoValueInTheReasonOrTheLog() throws Exception {
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
        runner.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, DUCKDB_COPY);
        final Path bad = tempDir.resolve("bad.csv");
        Files.writeString(bad, GenerateFakeCustomerTest.HEADER + "\n"
                + "ada.lovelace@example.com,Ada,Lovelace,ada@example.com,12 Analytical Way,London,st,co,INSERT,2026-01-31T12:00:00.000000Z\n");
        enqueueS3Object(bad.toString());
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        final String reason = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst()
                .getAttribute(CustomerTrackAttributes.FAILURE_REASON);
        assertTrue(reason.startsWith("COPY of " + bad + " failed: ") && reason.contains("error code "), reason);
        assertTrue(reason.length() <= ("COPY of " + bad + " failed: ").length() + ErrorText.MAX_LENGTH, reason);
        for (final String value : List.of("ada.lovelace", "Lovelace", "ada@example.com", "Analytical")) {
            assertFalse(reason.contains(value), reason);
        }
        LogAssertions.assertNoLogCarries(runner, "ada.lovelace", "Lovelace", "ada@example.com", "Analytical");
    }

    /** A merge that fails on a value: the reason names the SQL error, and neither it nor the log carries the value. */
    @Test
    void aMergeErrorOnAValueLeavesNoValueInTheReasonOrTheLog() throws Exception {
        snowpipeLoads("a.csv", event(1, 0, "London"));
        // city becomes a number: the merge's insert into CUSTOMER_HISTORY fails converting the value it meets, and says which.
        store.execute("CREATE TABLE numeric_city AS SELECT * REPLACE (CAST(NULL AS INTEGER) AS city) FROM customer_history");
        store.execute("DROP TABLE customer_history");
        store.execute("ALTER TABLE numeric_city RENAME TO customer_history");
        enqueueS3Object("a.csv");
        runner.run();

        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_FAILURE, 1);
        final String reason = runner.getFlowFilesForRelationship(TriggerSnowflakeMerge.REL_FAILURE).getFirst()
                .getAttribute(CustomerTrackAttributes.FAILURE_REASON);
        assertTrue(reason.startsWith("SQL error, merge rolled back: ") && reason.contains("error code "), reason);
        assertFalse(reason.contains("London") || reason.contains("n1@example.com"), reason);
        LogAssertions.assertNoLogCarries(runner, "London", "n1@example.com");
    }

    /** Snowflake's COPY takes at most 1,000 names in FILES: a batch of 2,500 missing files becomes three COPYs. */
    @Test
    void copyModeSendsAtMostAThousandFilesPerCopy() throws Exception {
        store.execute("CREATE TABLE copy_calls (files INTEGER)");
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
        runner.setProperty(TriggerSnowflakeMerge.BATCH_SIZE, "2500");
        runner.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, "INSERT INTO copy_calls SELECT len([{files}])");
        for (int i = 0; i < 2_500; i++) {
            enqueueS3Object("2026/01/01/file-" + i + ".csv");
        }
        runner.run();
        assertEquals(List.of(1_000L, 1_000L, 500L), List.of(
                store.count("SELECT files FROM copy_calls ORDER BY files DESC LIMIT 1"),
                store.count("SELECT files FROM copy_calls ORDER BY files DESC LIMIT 1 OFFSET 1"),
                store.count("SELECT files FROM copy_calls ORDER BY files LIMIT 1")));
        assertEquals(3, store.count("SELECT COUNT(*) FROM copy_calls"));
        runner.assertAllFlowFilesTransferred(TriggerSnowflakeMerge.REL_RETRY, 2_500); // nothing was really loaded
    }

    @Test
    void copyStatementMustHaveTheFilesPlaceholder() {
        runner.setProperty(TriggerSnowflakeMerge.LOAD_MODE, "copy");
        runner.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, "COPY INTO customer_raw FROM @customer_stage");
        runner.assertNotValid();
        runner.setProperty(TriggerSnowflakeMerge.COPY_STATEMENT, DUCKDB_COPY);
        runner.assertValid();
    }
}

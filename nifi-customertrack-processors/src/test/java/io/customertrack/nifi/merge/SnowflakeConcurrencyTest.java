package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.customertrack.nifi.merge.Events.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Snowflake does and DuckDB hides, made visible on DuckDB: keys not enforced, a stream fixed for the transaction
 * while tables are read as committed per statement, ties broken by no particular order, and an UPDATE's table lock.
 * The store here enforces no key, as Snowflake does not.
 */
class SnowflakeConcurrencyTest {

    private static final LocalDateTime T1 = LocalDateTime.parse("2026-01-01T10:00:00");

    private CustomerStore store;

    @BeforeEach
    void createStore() throws SQLException {
        store = new CustomerStore(CustomerStore.IN_MEMORY, false);
    }

    @AfterEach
    void closeStore() throws SQLException {
        store.close();
    }

    private static CustomerEvent event(final long id, final String op, final int minute, final String city) {
        return upsert(id, op, T1.plusMinutes(minute), "Name" + id, "Family", "n@example.com", "1 Street", city, "State", "Country");
    }

    private static CustomerEvent erase(final long id, final int minute) {
        return CustomerEvent.erase(id, T1.plusMinutes(minute).toInstant(ZoneOffset.UTC), Events.ATTRIBUTES);
    }

    /** Every table the merge writes, without the columns that hold the time of the merge. */
    private List<String> tables(final CustomerStore on) throws SQLException {
        final List<String> rows = new ArrayList<>();
        for (final String query : List.of(
                "SELECT CONCAT_WS('|', customer_id, valid_from, valid_to, is_current, row_hash) FROM customer_history",
                "SELECT CONCAT_WS('|', customer_id, updated_at, is_deleted, deleted_at, row_hash) FROM customer",
                "SELECT CONCAT_WS('|', source_file, source_row_number, reason, newest_merged_at) FROM customer_merge_quarantine",
                "SELECT CONCAT_WS('|', customer_id, requested_at, source_file, raw_rows, history_rows, customer_rows) FROM customer_erasure",
                "SELECT CONCAT_WS('|', source_file, rows_loaded, versions_opened, versions_closed, versions_recut, versions_removed,"
                        + " noop_updates, in_place_updates, events_quarantined, erasure_requests) FROM customer_merge_receipt",
                "SELECT CONCAT_WS('|', customer_id, valid_from, previous_valid_to, valid_to, change_kind, content_changed, caused_by_file)"
                        + " FROM customer_history_recut",
                "SELECT CONCAT_WS('|', source_file, row_count) FROM customer_merge_log",
                "SELECT CONCAT_WS('|', customer_id, last_event_at) FROM customer_merge_watermark")) {
            final List<String> table = new ArrayList<>(on.rows(query));
            table.sort(null);
            rows.add(String.join("\n", table));
        }
        return rows;
    }

    /**
     * On Snowflake a merge that waited for a concurrent one (or any second merge before the stream's offset moved) reads
     * the same stream rows, and every table as the first one committed it. It must add nothing: no second quarantine
     * row, receipt, erasure receipt, audit row or log row, and no event judged late against the watermark that the
     * first merge raised with that very event.
     */
    @Test
    void aSecondMergeOverTheSameStreamRowsChangesNothing() throws SQLException {
        store.latenessBudget(120L);
        final List<CustomerEvent> first = List.of(event(1, "INSERT", 0, "London"), event(1, "UPDATE", 3, "Oslo"),
                event(2, "INSERT", 0, "Rome"));
        store.load("file-1.csv", first);
        store.merge();
        final List<CustomerEvent> batch = List.of(
                event(1, "UPDATE", 2, "Paris"),             // late, within the budget: re-cuts London
                upsert(1, "UPDATE", T1.plusMinutes(3).minusSeconds(121), "Name1", "Family", null, null, "Lima", null, null), // beyond it
                erase(2, 5), event(2, "UPDATE", 6, "Milan"), // an erasure, and a later event of the erased customer
                event(3, "INSERT", 0, "Bern"), event(3, "UPDATE", 4, "Basel")); // new customer: 4 minutes > the budget
        store.load("file-2.csv", batch);

        store.pinStream(List.of("file-2.csv"));
        store.merge();
        final List<String> afterOne = tables(store);
        final Map<MergeScript.Step, Long> second = store.merge();
        store.restoreStream();

        assertEquals(afterOne, tables(store), "the second merge over the same stream rows changed a table");
        assertEquals(0, second.get(MergeScript.Step.QUARANTINE_INSERT) + second.get(MergeScript.Step.ERASURE_INSERT)
                + second.get(MergeScript.Step.RECUT_INSERT) + second.get(MergeScript.Step.RECEIPT_INSERT)
                + second.get(MergeScript.Step.MERGE_LOG_INSERT) + second.get(MergeScript.Step.HISTORY_MERGE), second.toString());
        final ScdModel.Merges model = new ScdModel.Merges(120L);
        model.merge(first);
        model.merge(batch);
        assertEquals(model.state(), store.state());
        RandomMerges.checkMonitoringInvariants(store);
        assertEquals(CustomerStore.counts(), store.merge(), "nothing left pending");
    }

    /**
     * Snowflake picks any row among ties (MIN_BY, ROW_NUMBER over equal keys). A file replayed in the same batch ties
     * with its copy on every event; which copy counts must not depend on the physical order of the rows.
     */
    @Test
    void receiptsDoNotDependOnWhichCopyOfATiedEventComesFirst() throws SQLException {
        final List<CustomerEvent> events = List.of(event(1, "INSERT", 0, "London"), event(1, "UPDATE", 1, "Paris"),
                event(1, "UPDATE", 2, "Paris"), erase(2, 3), event(4, "INSERT", 1, "Rome"));
        final List<List<String>> outcomes = new ArrayList<>();
        for (final List<String> order : List.of(List.of("a.csv", "b.csv"), List.of("b.csv", "a.csv"))) {
            try (CustomerStore each = new CustomerStore(CustomerStore.IN_MEMORY, false)) {
                each.load("first.csv", List.of(event(2, "INSERT", 0, "Oslo"), event(4, "INSERT", 0, "Lima")));
                each.merge();
                for (final String file : order) {
                    each.load(file, file.equals(order.getFirst()) ? events : events.reversed());
                }
                each.merge();
                outcomes.add(tables(each));
            }
        }
        assertEquals(outcomes.get(0), outcomes.get(1));
        assertTrue(outcomes.get(0).get(4).contains("a.csv|5|3|1|0|0|1|0|0|1"), "the first file by name counts: " + outcomes.get(0).get(4));
        assertTrue(outcomes.get(0).get(3).contains("|a.csv|"), "the erasure receipt names the first file: " + outcomes.get(0).get(3));
    }

    /**
     * Tables are read as committed when each statement begins; the stream is fixed at BEGIN. A file Snowpipe commits
     * between the erasure receipt's count and the clearing of CUSTOMER_RAW must be neither counted nor cleared by this
     * merge (DuckDB runs a transaction on one snapshot, so the statements run one by one here, the stream pinned).
     */
    @Test
    void theErasureReceiptCountsExactlyTheRowsItsMergeClears() throws SQLException {
        store.load("file-1.csv", List.of(event(1, "INSERT", 0, "London"), event(1, "UPDATE", 1, "Paris")));
        store.merge();
        store.load("erase.csv", List.of(erase(1, 2)));
        store.pinStream(List.of("erase.csv"));
        try (Statement statement = store.connection().createStatement()) {
            for (final MergeScript.Step step : MergeScript.Step.values()) {
                if (MergeScript.of(Declaration.defaultDeclaration()).applies(step, statement)) {
                    statement.execute(MergeScript.of(Declaration.defaultDeclaration()).statement(step));
                }
                if (step == MergeScript.Step.ERASURE_INSERT) {
                    store.load("during.csv", List.of(event(1, "UPDATE", 3, "Rome")));
                }
            }
        }
        store.restoreStream();
        final String cleared = "SELECT COUNT(*) FROM customer_raw WHERE customer_id = 1 AND op <> 'ERASE'"
                + " AND COALESCE(first_name, last_name, email, street, city, state, country) IS NULL";
        assertEquals(2, store.count("SELECT raw_rows FROM customer_erasure WHERE customer_id = 1"));
        assertEquals(2, store.count(cleared), "the receipt counts what the merge cleared, no more");
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_raw WHERE source_file = 'during.csv' AND city = 'Rome'"),
                "a file committed during the merge waits for the next one");

        store.merge();
        assertEquals(3, store.count(cleared), "the next merge quarantines and clears it");
        assertEquals(List.of(new ScdModel.Quarantined(1, "UPDATE", T1.plusMinutes(3), ScdModel.QuarantineReason.CUSTOMER_ERASED)),
                store.quarantined());
        assertEquals(2, store.count("SELECT raw_rows FROM customer_erasure WHERE customer_id = 1"), "the receipt stays as written");
        RandomMerges.checkMonitoringInvariants(store);
    }

    /**
     * An UPDATE of CUSTOMER_RAW locks the table Snowpipe loads into, whether or not a row matches: a merge without
     * anything to erase must not run it. Here CUSTOMER_RAW becomes a view, which DuckDB refuses to UPDATE: the merge
     * succeeds only if it leaves the table alone.
     */
    @Test
    void aMergeWithNothingToEraseLeavesCustomerRawAlone() throws SQLException {
        assertNotNull(MergeScript.of(Declaration.defaultDeclaration()).guard(MergeScript.Step.RAW_ERASE), "the erasure scrub has its guard");
        for (final MergeScript.Step step : MergeScript.Step.values()) {
            assertEquals(step == MergeScript.Step.RAW_ERASE, MergeScript.of(Declaration.defaultDeclaration()).guard(step) != null, step + ": guarded only the scrub");
        }
        store.load("file-1.csv", List.of(event(1, "INSERT", 0, "London"), Events.delete(2, T1)));
        store.load("erase.csv", List.of(erase(3, 1)));
        store.execute("ALTER TABLE customer_raw RENAME TO customer_raw_rows");
        store.execute("CREATE VIEW customer_raw AS SELECT * FROM customer_raw_rows");
        store.pinStream(List.of("file-1.csv"));
        try (Statement statement = store.connection().createStatement()) {
            assertFalse(MergeScript.of(Declaration.defaultDeclaration()).applies(MergeScript.Step.RAW_ERASE, statement));
        }
        assertEquals(0, store.merge().get(MergeScript.Step.RAW_ERASE));
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_history"));

        store.pinStream(List.of("erase.csv"));
        try (Statement statement = store.connection().createStatement()) {
            statement.execute(MergeScript.of(Declaration.defaultDeclaration()).statement(MergeScript.Step.ERASURE_INSERT));
            assertTrue(MergeScript.of(Declaration.defaultDeclaration()).applies(MergeScript.Step.RAW_ERASE, statement), "an erasure request recorded: the scrub runs");
        }
    }
}

package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.customertrack.nifi.merge.CustomerStore.counts;
import static io.customertrack.nifi.merge.Events.delete;
import static io.customertrack.nifi.merge.MergeScript.Step.CUSTOMER_INSERT;
import static io.customertrack.nifi.merge.MergeScript.Step.CUSTOMER_MERGE;
import static io.customertrack.nifi.merge.MergeScript.Step.HISTORY_MERGE;
import static io.customertrack.nifi.merge.MergeScript.Step.MERGE_LOG_INSERT;
import static io.customertrack.nifi.merge.MergeScript.Step.PLAN_INSERT;
import static io.customertrack.nifi.merge.MergeScript.Step.RECEIPT_INSERT;
import static io.customertrack.nifi.merge.MergeScript.Step.WATERMARK_MERGE;
import static io.customertrack.nifi.merge.Events.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One readable example per merge rule, executing sql/04_merge.sql on DuckDB. */
class MergeSemanticsTest {

    private static final LocalDateTime T1 = LocalDateTime.parse("2026-01-01T10:00:00");
    private static final LocalDateTime T2 = T1.plusMinutes(1);
    private static final LocalDateTime T3 = T1.plusMinutes(2);
    private static final LocalDateTime T4 = T1.plusMinutes(3);
    private static final LocalDateTime T5 = T1.plusMinutes(4);

    private CustomerStore store;
    private final List<CustomerEvent> allEvents = new ArrayList<>();
    private int fileNumber;

    @BeforeEach
    void createStore() throws SQLException {
        store = new CustomerStore();
    }

    @AfterEach
    void closeStore() throws SQLException {
        store.close();
    }

    private static CustomerEvent ada(final String op, final LocalDateTime at, final String city) {
        return upsert(1, op, at, "Ada", "Lovelace", "ada@example.com", "12 Analytical Way", city, "Greater London", "United Kingdom");
    }

    /** Loads one file of events, merges, checks invariants and returns the merge's per-statement row counts. */
    private Map<MergeScript.Step, Long> loadAndMerge(final CustomerEvent... events) throws SQLException {
        store.load("file-" + (++fileNumber) + ".csv", List.of(events));
        allEvents.addAll(List.of(events));
        final Map<MergeScript.Step, Long> counts = store.merge();
        final ScdModel.State state = store.state();
        ScdInvariants.check(state);
        assertEquals(ScdModel.expected(allEvents), state, "database agrees with the reference model");
        return counts;
    }

    @Test
    void insertOpensTheFirstVersion() throws SQLException {
        final Map<MergeScript.Step, Long> counts = loadAndMerge(ada("INSERT", T1, "London"));
        assertEquals(counts(PLAN_INSERT, 1, HISTORY_MERGE, 1, CUSTOMER_INSERT, 1, WATERMARK_MERGE, 1, RECEIPT_INSERT, 1,
                MERGE_LOG_INSERT, 1), counts);
        final ScdModel.Version version = store.history().getFirst();
        assertEquals(T1, version.validFrom());
        assertNull(version.validTo());
        assertTrue(version.isCurrent());
        assertEquals("London", store.customers().getFirst().attributes().get(4));
    }

    @Test
    void updateClosesThePreviousVersionAtTheUpdateTime() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"));
        loadAndMerge(ada("UPDATE", T2, "Paris"));
        final List<ScdModel.Version> history = store.history();
        assertEquals(2, history.size());
        assertEquals(T2, history.get(0).validTo());
        assertEquals("Paris", history.get(1).attributes().get(4));
        assertEquals("Paris", store.customers().getFirst().attributes().get(4));
    }

    @Test
    void everyVersionInOneBatchIsKept() throws SQLException {
        loadAndMerge(ada("UPDATE", T3, "Rome"), ada("INSERT", T1, "London"), ada("UPDATE", T2, "Paris"));
        assertEquals(List.of("London", "Paris", "Rome"), store.history().stream().map(v -> v.attributes().get(4)).toList());
        assertEquals("Rome", store.customers().getFirst().attributes().get(4));
    }

    @Test
    void lateEventIsPlacedAtItsTimeAndNeverOverwritesNewerState() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T3, "Rome"));
        loadAndMerge(ada("UPDATE", T2, "Paris"));
        final List<ScdModel.Version> history = store.history();
        assertEquals(List.of("London", "Paris", "Rome"), history.stream().map(v -> v.attributes().get(4)).toList());
        assertEquals(List.of(T2, T3), List.of(history.get(0).validTo(), history.get(1).validTo()));
        assertEquals("Rome", store.customers().getFirst().attributes().get(4), "SCD1 keeps the newest event");
        assertEquals(T3, store.customers().getFirst().updatedAt());
    }

    /** A late event exactly the budget behind its customer's newest merged event is placed; one second more is not. */
    @Test
    void theLatenessBudgetPlacesEventsUpToItsBoundAndQuarantinesTheRest() throws SQLException {
        store.latenessBudget(120L);
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T4, "Oslo"));
        final CustomerEvent atTheBound = ada("UPDATE", T4.minusSeconds(120), "Paris");
        final CustomerEvent beyond = ada("UPDATE", T4.minusSeconds(121), "Rome");
        store.load("late.csv", List.of(atTheBound, beyond));
        store.merge();
        allEvents.add(atTheBound);
        assertEquals(ScdModel.expected(allEvents), store.state(), "Paris placed at its time, Rome not at all");
        assertEquals(List.of(new ScdModel.Quarantined(1, "UPDATE", T4.minusSeconds(121), ScdModel.QuarantineReason.BEYOND_LATENESS_BUDGET)),
                store.quarantined());
        assertEquals(List.of("Rome " + T4), store.rows("SELECT r.city || ' ' || STRFTIME(q.newest_merged_at, '%Y-%m-%dT%H:%M')"
                + " FROM customer_merge_quarantine AS q JOIN customer_raw AS r"
                + " ON r.source_file = q.source_file AND r.source_row_number = q.source_row_number"), "the event stays in CUSTOMER_RAW");
        assertEquals(1, store.count("SELECT events_quarantined FROM customer_merge_receipt WHERE source_file = 'late.csv'"));

        store.latenessBudget(null);
        loadAndMerge(ada("UPDATE", T1.plusSeconds(1), "Lima"));
        assertEquals(List.of("London", "Lima", "Paris", "Oslo"), store.history().stream().map(v -> v.attributes().get(4)).toList(),
                "without a budget any event is placed; the quarantined one stays out");
    }

    /** Each file's receipt counts what its events did; every re-cut or removed version gets an audit row. */
    @Test
    void eachFilesReceiptCountsWhatItsMergeDidAndTheAuditNamesEveryRecut() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T3, "Rome"));
        loadAndMerge(ada("UPDATE", T4, "Oslo"), ada("UPDATE", T5, "Oslo"));
        loadAndMerge(ada("UPDATE", T2, "Paris"));
        loadAndMerge(ada("UPDATE", T2.plusSeconds(30), "Rome"));
        assertEquals(List.of(
                        "file-1.csv rows=2 opened=2 closed=0 recut=0 removed=0 noop=0 quarantined=0",
                        "file-2.csv rows=2 opened=1 closed=1 recut=0 removed=0 noop=1 quarantined=0",
                        "file-3.csv rows=1 opened=1 closed=0 recut=1 removed=0 noop=0 quarantined=0",
                        "file-4.csv rows=1 opened=1 closed=0 recut=1 removed=1 noop=0 quarantined=0"),
                store.rows("SELECT source_file || ' rows=' || rows_loaded || ' opened=' || versions_opened || ' closed=' || versions_closed"
                        + " || ' recut=' || versions_recut || ' removed=' || versions_removed || ' noop=' || noop_updates"
                        + " || ' quarantined=' || events_quarantined FROM customer_merge_receipt ORDER BY source_file"));
        // Paris opened London's end early (T3 -> T2); Rome at T2+30s cut Paris short and made Rome at T3 redundant.
        assertEquals(List.of(
                        "RECUT 10:00:00 [until 10:02:00 -> 10:01:00] by file-3.csv",
                        "RECUT 10:01:00 [until 10:02:00 -> 10:01:30] by file-4.csv",
                        "REMOVED 10:02:00 [until 10:03:00 -> null] by file-4.csv"),
                store.rows("SELECT change_kind || ' ' || STRFTIME(valid_from, '%H:%M:%S') || ' [until '"
                        + " || COALESCE(STRFTIME(previous_valid_to, '%H:%M:%S'), 'null') || ' -> '"
                        + " || COALESCE(STRFTIME(valid_to, '%H:%M:%S'), 'null') || '] by ' || caused_by_file"
                        + " FROM customer_history_recut ORDER BY merged_at, valid_from"));
    }

    /**
     * Inside the merge transaction a Snowflake stream is fixed at BEGIN, CUSTOMER_RAW is read as committed at each
     * statement. A file Snowpipe commits after BEGIN (here: a stream view fixed before it arrived) must not reach
     * CUSTOMER_HISTORY through the late-event re-read of CUSTOMER_RAW: it waits for the next run, as its stream rows do.
     */
    @Test
    void aFileCommittedAfterTheMergeBeganWaitsForTheNextRun() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T4, "Rome"));
        final CustomerEvent late = ada("UPDATE", T2, "Paris");
        final CustomerEvent committedDuringTheMerge = ada("UPDATE", T3, "Oslo");
        store.load("late.csv", List.of(late));
        store.execute("CREATE OR REPLACE VIEW customer_raw_stream AS SELECT * FROM customer_raw WHERE source_file = 'late.csv'");
        store.load("during.csv", List.of(committedDuringTheMerge));
        store.merge();
        allEvents.add(late);
        assertEquals(ScdModel.expected(allEvents), store.state(), "history holds the merged files' events only");
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_merge_log WHERE source_file = 'during.csv'"));

        store.execute("CREATE OR REPLACE VIEW customer_raw_stream AS SELECT * FROM customer_raw WHERE source_file = 'during.csv'");
        store.merge();
        allEvents.add(committedDuringTheMerge);
        assertEquals(ScdModel.expected(allEvents), store.state(), "the next run applies it");
        ScdInvariants.check(store.state());
    }

    @Test
    void lateEventCanSplitAnUnchangedRun() throws SQLException {
        // London at T1, a no-op London at T3, then Paris arrives late at T2: London must come back at T3.
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T3, "London"));
        assertEquals(1, store.history().size());
        loadAndMerge(ada("UPDATE", T2, "Paris"));
        assertEquals(List.of("London", "Paris", "London"), store.history().stream().map(v -> v.attributes().get(4)).toList());
    }

    @Test
    void lateEventCanMakeALaterVersionRedundant() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T3, "Paris"));
        loadAndMerge(ada("UPDATE", T2, "Paris"));
        final List<ScdModel.Version> history = store.history();
        assertEquals(2, history.size(), "Paris from T2 on; the T3 version adds nothing and is removed");
        assertEquals(T2, history.get(1).validFrom());
        assertTrue(history.get(1).isCurrent());
    }

    @Test
    void upgradeBackfillOfTheWatermarkKeepsLateEventsCorrect() throws SQLException {
        // A store merged before CUSTOMER_MERGE_WATERMARK existed: London at T1 and a no-op London at T3.
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T3, "London"));
        store.execute("DELETE FROM customer_merge_watermark");
        // Without a watermark Paris at T2 would look newer than everything merged and London would not come back at T3.
        store.execute(SnowflakeDdl.statement("03_scd_tables.sql", "MERGE INTO CUSTOMER_MERGE_WATERMARK"));
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_merge_watermark WHERE last_event_at = TIMESTAMP '2026-01-01 10:02:00'"));
        loadAndMerge(ada("UPDATE", T2, "Paris"));
        assertEquals(List.of("London", "Paris", "London"), store.history().stream().map(v -> v.attributes().get(4)).toList());
    }

    @Test
    void updateThatChangesNothingOpensNoVersion() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"));
        final Map<MergeScript.Step, Long> counts = loadAndMerge(ada("UPDATE", T2, "London"));
        assertEquals(0, counts.get(HISTORY_MERGE), "no history row touched");
        assertEquals(0, counts.get(CUSTOMER_MERGE) + counts.get(CUSTOMER_INSERT), "no customer row touched");
        assertEquals(1, store.history().size());
        assertEquals(T1, store.customers().getFirst().updatedAt());
    }

    @Test
    void deleteClosesTheCurrentVersionAndALaterInsertOpensANewOne() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"));
        loadAndMerge(delete(1, T2));
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_history WHERE is_current"));
        assertEquals(T2, store.history().getFirst().validTo());
        ScdModel.Current customer = store.customers().getFirst();
        assertTrue(customer.isDeleted());
        assertEquals(T2, customer.deletedAt());
        assertEquals("London", customer.attributes().get(4), "SCD1 keeps the last known attributes");

        final Map<MergeScript.Step, Long> counts = loadAndMerge(ada("INSERT", T4, "London"));
        assertEquals(1, counts.get(HISTORY_MERGE), "only the new version is written; the closed one stays as it is");
        final List<ScdModel.Version> history = store.history();
        assertEquals(2, history.size(), "re-insert opens a new version even with the same attributes");
        assertEquals(T4, history.get(1).validFrom());
        customer = store.customers().getFirst();
        assertFalse(customer.isDeleted());
        assertNull(customer.deletedAt());
    }

    @Test
    void deleteOfAnUnknownCustomerChangesNothing() throws SQLException {
        final Map<MergeScript.Step, Long> counts = loadAndMerge(delete(99, T1));
        assertEquals(counts(WATERMARK_MERGE, 1, RECEIPT_INSERT, 1, MERGE_LOG_INSERT, 1), counts,
                "only the watermark, the receipt and the merge log record the event and its file");
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer"));
    }

    @Test
    void deleteWinsATieAtTheSameEventTime() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T2, "Paris"), delete(1, T2));
        final List<ScdModel.Version> history = store.history();
        assertEquals(1, history.size());
        assertEquals(T2, history.getFirst().validTo());
        assertTrue(store.customers().getFirst().isDeleted());
    }

    @Test
    void insertThatLosesATieToADeleteLeavesNoCustomer() throws SQLException {
        loadAndMerge(ada("INSERT", T2, "London"));
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer"));
        loadAndMerge(delete(1, T2));
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer_history"));
        assertEquals(0, store.count("SELECT COUNT(*) FROM customer"));
    }

    @Test
    void concurrentMergesApplyEveryEventExactlyOnce() throws Exception {
        for (int file = 0; file < 4; file++) {
            final List<CustomerEvent> events = new ArrayList<>();
            for (int id = 1; id <= 50; id++) {
                events.add(upsert(id, "UPDATE", T1.plusSeconds(file * 60L + id), "N" + id, "F", "n@example.com", "s", "City" + file, "st", "co"));
            }
            store.load("concurrent-" + file + ".csv", events);
            allEvents.addAll(events);
        }
        final java.sql.Connection second = ((org.duckdb.DuckDBConnection) store.connection()).duplicate();
        final List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        final List<Thread> threads = new ArrayList<>();
        for (final java.sql.Connection connection : List.of(store.connection(), second)) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    CustomerStore.runMerge(connection);
                } catch (final Exception e) {
                    errors.add(e); // a write-write conflict rolls one merge back whole; that is allowed
                }
            }));
        }
        start.countDown();
        for (final Thread thread : threads) {
            thread.join();
        }
        assertTrue(errors.size() <= 1, "at least one merge succeeds: " + errors);
        // A merge whose COMMIT failed could not roll back either: its connection is closed, never reused half-transactional.
        final java.sql.Connection survivor = store.connection().isClosed() ? second : store.connection();
        assertTrue(errors.isEmpty() || store.connection().isClosed() || second.isClosed() || !hasSuppressed(errors.getFirst()),
                "the connection of a merge that could neither commit nor roll back is closed: " + errors);
        final CustomerStore after = CustomerStore.on(survivor);
        after.merge(); // whatever a rolled-back merge left pending
        final ScdModel.State state = after.state();
        ScdInvariants.check(state);
        assertEquals(ScdModel.expected(allEvents), state);
        assertEquals(200, after.count("SELECT COUNT(*) FROM customer_history"), "4 versions of 50 customers, none doubled");
        assertEquals(4, after.count("SELECT COUNT(*) FROM customer_merge_log"));
        assertEquals(counts(), after.merge());
        second.close();
    }

    private static boolean hasSuppressed(final Throwable error) {
        return error.getSuppressed().length > 0;
    }

    @Test
    void replayedFileAndRepeatedMergeChangeNothing() throws SQLException {
        final CustomerEvent[] events = {ada("INSERT", T1, "London"), ada("UPDATE", T2, "Paris"), delete(1, T3), ada("INSERT", T5, "Oslo")};
        loadAndMerge(events);
        final ScdModel.State before = store.state();
        final Map<MergeScript.Step, Long> replay = loadAndMerge(events); // same rows in a new file
        assertEquals(counts(RECEIPT_INSERT, 1, MERGE_LOG_INSERT, 1), replay);
        assertEquals(counts(), store.merge(), "nothing pending, nothing done");
        assertEquals(before, store.state());
    }

    @Test
    void nullAndEmptyAndChangedToNullAreDistinguished() throws SQLException {
        loadAndMerge(upsert(2, "INSERT", T1, "Bo", null, "bo@example.com", null, null, null, null));
        loadAndMerge(upsert(2, "UPDATE", T2, "Bo", "", "bo@example.com", null, null, null, null));
        loadAndMerge(upsert(2, "UPDATE", T3, "Bo", null, "bo@example.com", null, null, null, null));
        assertEquals(3, store.history().size());
    }

    @Test
    void sqlLookingValuesAreStoredVerbatim() throws SQLException {
        loadAndMerge(upsert(3, "INSERT", T1, "Robert'); DROP TABLE customer;--", "O'Brien", "bobby@example.com",
                "1 Main St; DELETE FROM customer_raw", "x", "y", "z"));
        assertEquals("Robert'); DROP TABLE customer;--", store.customers().getFirst().attributes().getFirst());
        assertEquals(1, store.count("SELECT COUNT(*) FROM customer_raw"));
    }

    @Test
    void theMergeLogRecordsEachFileOnce() throws SQLException {
        loadAndMerge(ada("INSERT", T1, "London"), ada("UPDATE", T2, "Paris"));
        loadAndMerge(ada("UPDATE", T3, "Rome"));
        assertEquals(2, store.count("SELECT COUNT(*) FROM customer_merge_log"));
        assertEquals(2, store.count("SELECT row_count FROM customer_merge_log WHERE source_file = 'file-1.csv'"));
    }

    // Per-attribute history and partial updates (the rules and examples of docs/design/merge.md), on small declarations of the wide
    // example's attributes, with their flags set here whatever wide.json says.

    private static final Declaration WIDE = Declaration.example("wide");
    /** docs/design/merge.md's example of untracked attributes: a change of email opens a version, of loyalty_points not. */
    private static final Declaration LOYALTY = RandomMerges.flagged(
            new Declaration(List.of(WIDE.attribute("email"), WIDE.attribute("loyalty_points"))), Set.of("loyalty_points"), false);
    /** Partial updates, every attribute tracked: email, city and the optional phone. */
    private static final Declaration PARTIAL = RandomMerges.flagged(
            new Declaration(List.of(WIDE.attribute("email"), WIDE.attribute("city"), WIDE.attribute("phone"))), Set.of(), true);
    private static final String PHONE = "+14155550100";

    /** An untracked-only change opens no version; the current version takes the value in place, unaudited. */
    @Test
    void anUntrackedOnlyChangeUpdatesTheCurrentVersionInPlace() throws SQLException {
        try (Declared store = new Declared(LOYALTY)) {
            store.merge(event(1, "INSERT", T1, "a@x", "10"));
            store.merge(event(1, "UPDATE", T2, "a@x", "20"));
            assertEquals(List.of("[t1,-) a@x 20"), store.history());
            assertEquals(List.of("a@x 20 updated t1"), store.customers(), "CUSTOMER is the current version, as it began");
            assertEquals(List.of("file-1.csv opened=1 closed=0 recut=0 removed=0 noop=0 in_place=0",
                    "file-2.csv opened=0 closed=0 recut=0 removed=0 noop=0 in_place=1"), store.receipts());
            assertEquals(List.of(), store.audit(), "the current version updated in place is not audited");

            store.merge(event(1, "UPDATE", T3, "a@x", "20"));
            assertEquals("file-3.csv opened=0 closed=0 recut=0 removed=0 noop=1 in_place=0", store.receipts().getLast(),
                    "equal to the event before in every attribute: a no-op");
        }
    }

    /**
     * docs/design/merge.md's example of untracked attributes: an email change closes the version, which keeps the points of its latest event; a late
     * change of points inside the closed version updates it in place and is audited as UPDATED.
     */
    @Test
    void aLateUntrackedChangeUpdatesAClosedVersionInPlaceAndIsAudited() throws SQLException {
        try (Declared store = new Declared(LOYALTY)) {
            store.merge(event(1, "INSERT", T1, "a@x", "10"));
            store.merge(event(1, "UPDATE", T2, "a@x", "20"));
            store.merge(event(1, "UPDATE", T3, "b@x", "20"));
            store.merge(event(1, "UPDATE", T4, "b@x", "35"));
            assertEquals(List.of("[t1,t3) a@x 20", "[t3,-) b@x 35"), store.history());
            assertEquals(List.of(0L, 1L, 0L, 1L), store.column("in_place_updates"));

            store.merge(event(1, "UPDATE", T2.plusSeconds(30), "a@x", "25"));
            assertEquals(List.of("[t1,t3) a@x 25", "[t3,-) b@x 35"), store.history(), "the version's latest event is now t2.5");
            assertEquals(List.of("UPDATED t1 [until t3 -> t3] content_changed=true by file-5.csv"), store.audit());
            assertEquals("file-5.csv opened=0 closed=0 recut=0 removed=0 noop=0 in_place=1", store.receipts().getLast());
            assertEquals(List.of("b@x 35 updated t3"), store.customers());
        }
    }

    /**
     * docs/design/merge.md's example of partial updates, one event further: a late partial UPDATE lands between two versions, and the later
     * ones inherit what it set (b@x) up to the next event that sets that attribute (c@x at t4).
     */
    @Test
    void aLatePartialUpdateIsInheritedByLaterVersionsUntilTheAttributeIsSetAgain() throws SQLException {
        try (Declared store = new Declared(PARTIAL)) {
            store.merge(event(1, "INSERT", T1, "a@x", "Paris", PHONE), event(1, "UPDATE", T3, null, "Lyon", null),
                    event(1, "UPDATE", T4, "c@x", null, null));
            assertEquals(List.of("[t1,t3) a@x Paris " + PHONE, "[t3,t4) a@x Lyon " + PHONE, "[t4,-) c@x Lyon " + PHONE), store.history());

            store.merge(event(1, "UPDATE", T2, "b@x", null, null));
            assertEquals(List.of("[t1,t2) a@x Paris " + PHONE, "[t2,t3) b@x Paris " + PHONE, "[t3,t4) b@x Lyon " + PHONE,
                    "[t4,-) c@x Lyon " + PHONE), store.history());
            assertEquals(List.of("RECUT t1 [until t3 -> t2] content_changed=false by file-2.csv",
                    "RECUT t3 [until t4 -> t4] content_changed=true by file-2.csv"), store.audit());
        }
    }

    /** With partial updates an empty value leaves the attribute as it was: an UPDATE cannot clear it; DELETE then INSERT does. */
    @Test
    void aPartialUpdateCannotClearAnAttributeButDeleteThenInsertDoes() throws SQLException {
        try (Declared store = new Declared(PARTIAL)) {
            store.merge(event(1, "INSERT", T1, "a@x", "Paris", PHONE));
            store.merge(event(1, "UPDATE", T2, "a@x", "Paris", null));
            assertEquals(List.of("[t1,-) a@x Paris " + PHONE), store.history(), "the empty phone is unchanged, not cleared");
            assertEquals("file-2.csv opened=0 closed=0 recut=0 removed=0 noop=1 in_place=0", store.receipts().getLast());

            store.merge(delete(PARTIAL, 1, T3), event(1, "INSERT", T4, "a@x", "Paris", null));
            assertEquals(List.of("[t1,t3) a@x Paris " + PHONE, "[t4,-) a@x Paris NULL"), store.history());
        }
    }

    /** A DELETE neither sets nor clears: an UPDATE after it takes the empty attributes from the event before the DELETE. */
    @Test
    void aPartialUpdateAfterADeleteTakesItsEmptyValuesFromBeforeTheDelete() throws SQLException {
        try (Declared store = new Declared(PARTIAL)) {
            store.merge(event(1, "INSERT", T1, "a@x", "Paris", PHONE), delete(PARTIAL, 1, T2));
            store.merge(event(1, "UPDATE", T3, null, "Lyon", null));
            assertEquals(List.of("[t1,t2) a@x Paris " + PHONE, "[t3,-) a@x Lyon " + PHONE), store.history());
        }
    }

    /** With partial updates an INSERT starts afresh: its empty attribute is NULL, not the previous event's value. */
    @Test
    void anInsertWithPartialUpdatesStartsAfresh() throws SQLException {
        try (Declared store = new Declared(PARTIAL)) {
            store.merge(event(1, "INSERT", T1, "a@x", "Paris", PHONE));
            store.merge(event(1, "INSERT", T2, "a@x", "Paris", null));
            assertEquals(List.of("[t1,t2) a@x Paris " + PHONE, "[t2,-) a@x Paris NULL"), store.history());
            assertEquals(List.of("a@x Paris NULL updated t2"), store.customers());
        }
    }

    /** An event of customer {@code id} with these values (null: empty) in declared order. */
    private static CustomerEvent event(final long id, final String op, final LocalDateTime at, final String... values) {
        return upsert(id, op, at, Arrays.asList(values));
    }

    /**
     * A store of another declaration, each merge one file, checked after every merge against the invariants and the
     * model: tables, receipt counts and UPDATED audit rows. Rows are read back as text, times as t1..t5 (t2.5 = t2+30s).
     */
    private static final class Declared implements AutoCloseable {
        private final CustomerStore store;
        private final ScdModel.Merges model;
        private int files;

        Declared(final Declaration declaration) throws SQLException {
            store = new CustomerStore(CustomerStore.IN_MEMORY, true, declaration);
            model = new ScdModel.Merges(declaration, null);
        }

        void merge(final CustomerEvent... events) throws SQLException {
            final String file = "file-" + (++files) + ".csv";
            store.load(file, List.of(events));
            store.merge();
            final ScdModel.Counts counts = model.merge(List.of(events));
            final ScdModel.State state = store.state();
            ScdInvariants.check(state);
            assertEquals(model.state(), state, "database agrees with the reference model");
            assertEquals(counts, store.receiptCounts(List.of(file)), "receipt counts agree with the reference model");
            assertEquals(model.updated(), store.updatedVersions(List.of(file)), "UPDATED audit rows agree with the reference model");
        }

        List<String> history() throws SQLException {
            return store.history().stream().map(v -> "[" + label(v.validFrom()) + "," + (v.validTo() == null ? "-" : label(v.validTo())) + ") "
                    + String.join(" ", v.attributes().stream().map(a -> a == null ? "NULL" : a).toList())).toList();
        }

        List<String> customers() throws SQLException {
            return store.customers().stream().map(c -> String.join(" ", c.attributes().stream().map(a -> a == null ? "NULL" : a).toList())
                    + (c.isDeleted() ? " deleted " + label(c.deletedAt()) : "") + " updated " + label(c.updatedAt())).toList();
        }

        List<String> receipts() throws SQLException {
            return store.rows("SELECT source_file || ' opened=' || versions_opened || ' closed=' || versions_closed"
                    + " || ' recut=' || versions_recut || ' removed=' || versions_removed || ' noop=' || noop_updates"
                    + " || ' in_place=' || in_place_updates FROM customer_merge_receipt ORDER BY source_file");
        }

        List<Long> column(final String receiptColumn) throws SQLException {
            return store.rows("SELECT " + receiptColumn + " FROM customer_merge_receipt ORDER BY source_file").stream().map(Long::valueOf).toList();
        }

        List<String> audit() throws SQLException {
            final List<String> rows = store.rows("SELECT change_kind || ' ' || STRFTIME(valid_from, '%H:%M:%S') || ' [until '"
                    + " || COALESCE(STRFTIME(previous_valid_to, '%H:%M:%S'), 'null') || ' -> '"
                    + " || COALESCE(STRFTIME(valid_to, '%H:%M:%S'), 'null') || '] content_changed=' || content_changed"
                    + " || ' by ' || caused_by_file FROM customer_history_recut ORDER BY merged_at, valid_from");
            return rows.stream().map(row -> {
                String labelled = row;
                for (final LocalDateTime time : List.of(T1, T2, T2.plusSeconds(30), T3, T4, T5)) {
                    labelled = labelled.replace(time.format(DateTimeFormatter.ofPattern("HH:mm:ss")), label(time));
                }
                return labelled;
            }).toList();
        }

        private static String label(final LocalDateTime time) {
            final long seconds = Duration.between(T1, time).toSeconds();
            return "t" + (seconds % 60 == 0 ? Long.toString(seconds / 60 + 1) : (seconds / 60 + 1) + "." + (seconds % 60 * 10 / 60));
        }

        @Override
        public void close() throws SQLException {
            store.close();
        }
    }
}

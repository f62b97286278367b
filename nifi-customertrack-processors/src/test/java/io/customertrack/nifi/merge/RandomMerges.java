package io.customertrack.nifi.merge;

import io.customertrack.nifi.customer.CustomerEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random event streams for the merge's property tests (few customers, few distinct times and values, so ties, no-op
 * updates, late events, deletes, re-inserts and erasures are common), how they are cut into files, and the run that
 * holds the lateness budget and erasures to {@link ScdModel.Merges} on any warehouse a {@link CustomerStore} reaches.
 */
public final class RandomMerges {

    static final LocalDateTime ORIGIN = LocalDateTime.parse("2026-01-01T00:00:00");

    private RandomMerges() {
    }

    public static Arbitrary<List<CustomerEvent>> events() {
        return event().list().ofMinSize(1).ofMaxSize(30);
    }

    /** Events with an ERASE request about one time in thirteen. */
    public static Arbitrary<List<CustomerEvent>> eventsWithErasures() {
        final Arbitrary<CustomerEvent> erasure = Combinators.combine(Arbitraries.longs().between(1, 4), Arbitraries.integers().between(0, 12))
                .as((id, minute) -> CustomerEvent.erase(id, ORIGIN.plusMinutes(minute).toInstant(ZoneOffset.UTC), Events.ATTRIBUTES));
        return Arbitraries.frequencyOf(Tuple.of(12, event()), Tuple.of(1, erasure)).list().ofMinSize(1).ofMaxSize(30);
    }

    private static Arbitrary<CustomerEvent> event() {
        final Arbitrary<Long> ids = Arbitraries.longs().between(1, 4);
        final Arbitrary<Integer> minutes = Arbitraries.integers().between(0, 12);
        // Text outside the Basic Multilingual Plane too: the row hash's LENGTH counts characters, not UTF-16 units.
        final Arbitrary<String> cities = Arbitraries.of("London", "Paris", "Rome", "Zürich 🏔", "𝔊𝔬𝔱𝔥𝔞𝔪", "東京");
        final Arbitrary<String> emails = Arbitraries.of("a@example.com", "b@example.com").injectNull(0.2);
        final Arbitrary<Integer> kind = Arbitraries.integers().between(0, 9); // 0-1 delete, 2-4 insert, 5-9 update
        return Combinators.combine(ids, minutes, cities, emails, kind).as((id, minute, city, email, k) -> {
            final LocalDateTime at = ORIGIN.plusMinutes(minute);
            if (k < 2) {
                return Events.delete(id, at);
            }
            return Events.upsert(id, k < 5 ? "INSERT" : "UPDATE", at, "Name" + id, "Family", email, "1 Street", city, "State", "Country");
        });
    }

    /** The events dealt at random into files, some files loaded again under another name, each shuffled. */
    public static List<List<CustomerEvent>> files(final List<CustomerEvent> events, final int fileCount, final int replays,
                                                  final Random random) {
        final List<List<CustomerEvent>> files = new ArrayList<>();
        for (int i = 0; i < fileCount; i++) {
            files.add(new ArrayList<>());
        }
        for (final CustomerEvent event : events) {
            files.get(random.nextInt(fileCount)).add(event);
        }
        for (int i = 0; i < replays; i++) {
            files.add(new ArrayList<>(files.get(random.nextInt(fileCount)))); // same rows again, another file name
        }
        files.forEach(file -> Collections.shuffle(file, random));
        Collections.shuffle(files, random);
        return files;
    }

    /**
     * sql/05's invariant queries, the declared keys' uniqueness among them (the property tests' tables do not enforce
     * keys, as Snowflake's do not): each returns no rows.
     */
    public static void checkMonitoringInvariants(final CustomerStore store) throws SQLException {
        for (final String invariant : SnowflakeDdl.invariantQueries()) {
            assertEquals(0, store.count("SELECT COUNT(*) FROM (" + invariant + ")"), invariant);
        }
    }

    /**
     * Loads the files into an empty store with this lateness budget and merges at random points; one merge in three runs
     * twice over the same stream rows, as a merge that waited for a concurrent one would. After every merge the
     * tables equal the model of the merges so far (which events the budget quarantines depends on what was merged
     * before) and the sql/05 invariants hold; at the end the quarantine holds exactly what the model set aside, no
     * personal value of an erased customer is left in any table, the other customers are as they would be without any
     * erasure, and the receipts add up to what the tables hold.
     */
    public static void checkBudgetAndErasures(final CustomerStore store, final List<List<CustomerEvent>> files, final int budgetSeconds,
                                              final Random random) throws SQLException {
        final ScdModel.Merges model = new ScdModel.Merges((long) budgetSeconds);
        final ScdModel.Merges withoutErasures = new ScdModel.Merges((long) budgetSeconds);
        store.latenessBudget((long) budgetSeconds);
        final List<CustomerEvent> pending = new ArrayList<>();
        final List<String> pendingFiles = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            store.load("file-" + i + ".csv", files.get(i));
            pending.addAll(files.get(i));
            pendingFiles.add("file-" + i + ".csv");
            if (random.nextInt(3) > 0 || i == files.size() - 1) {
                if (random.nextInt(3) == 0) {
                    store.mergeTwiceOverTheSameStreamRows(pendingFiles);
                } else {
                    store.merge();
                }
                pendingFiles.clear();
                model.merge(pending);
                withoutErasures.merge(pending.stream().filter(event -> event.op() != CustomerEvent.Operation.ERASE).toList());
                pending.clear();
                final ScdModel.State state = store.state();
                ScdInvariants.check(state);
                assertEquals(model.state(), state, "after merging file-" + i);
                checkMonitoringInvariants(store);
            }
        }
        final List<ScdModel.Quarantined> expectedQuarantine = new ArrayList<>(model.quarantined());
        expectedQuarantine.sort(CustomerStore.QUARANTINE_ORDER);
        assertEquals(expectedQuarantine, store.quarantined(), "quarantined: exactly the events the model set aside");

        for (final long erased : model.erased()) {
            for (final String table : List.of("customer_raw", "customer_history", "customer", "customer_merge_plan")) {
                assertEquals(0, store.count("SELECT COUNT(*) FROM " + table + " WHERE first_name = 'Name" + erased + "'"
                        + " OR (customer_id = " + erased + " AND COALESCE(first_name, last_name, email, street, city, state, country) IS NOT NULL)"),
                        "a personal value of erased customer " + erased + " in " + table);
            }
            assertEquals(1, store.count("SELECT COUNT(*) FROM customer_erasure WHERE customer_id = " + erased), "one receipt per erasure");
        }
        assertEquals(model.erased().size(), store.count("SELECT COUNT(*) FROM customer_erasure"));
        final ScdModel.State others = withoutErasures.state();
        assertEquals(new ScdModel.State(
                others.history().stream().filter(version -> !model.erased().contains(version.customerId())).toList(),
                others.customers().stream().filter(current -> !model.erased().contains(current.customerId())).toList()),
                store.state(), "every customer not erased is as it would be without any erasure");

        // The receipts add up: every version written was opened, every one deleted was removed or erased.
        assertEquals(store.count("SELECT COUNT(*) FROM customer_raw"), store.count("SELECT SUM(rows_loaded) FROM customer_merge_receipt"));
        assertEquals(store.count("SELECT COUNT(*) FROM customer_history"),
                store.count("SELECT SUM(versions_opened) - SUM(versions_removed) FROM customer_merge_receipt")
                        - store.count("SELECT COALESCE(SUM(history_rows), 0) FROM customer_erasure"));
        assertEquals(store.count("SELECT COUNT(*) FROM customer_merge_quarantine"),
                store.count("SELECT SUM(events_quarantined) FROM customer_merge_receipt"));
        assertEquals(store.count("SELECT COUNT(*) FROM customer_history_recut"),
                store.count("SELECT SUM(versions_recut) + SUM(versions_removed) FROM customer_merge_receipt"));
        assertEquals(files.stream().filter(file -> !file.isEmpty()).count(), store.count("SELECT COUNT(*) FROM customer_merge_receipt"));
    }
}

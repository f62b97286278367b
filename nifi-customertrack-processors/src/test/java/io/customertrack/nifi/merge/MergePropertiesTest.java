package io.customertrack.nifi.merge;

import io.customertrack.nifi.customer.CustomerEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random event streams (few customers and few distinct times and values, so ties, no-op updates, late events,
 * deletes and re-inserts are common) are cut into files, shuffled, partly replayed and merged at random points
 * by the real merge script on DuckDB. After every merge the SCD invariants hold; at the end the tables equal the
 * plain-Java model of all events, and one more merge changes nothing.
 */
class MergePropertiesTest {

    private static final LocalDateTime ORIGIN = LocalDateTime.parse("2026-01-01T00:00:00");

    @Property(tries = 150)
    void anyArrivalOrderBatchingAndReplayConvergesToTheModel(
            @ForAll("events") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 3) final int replays,
            @ForAll final Random random) throws SQLException {

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

        try (CustomerStore store = new CustomerStore()) {
            for (int i = 0; i < files.size(); i++) {
                store.load("file-" + i + ".csv", files.get(i));
                if (random.nextInt(3) > 0) {
                    store.merge();
                    ScdInvariants.check(store.state());
                }
            }
            store.merge();
            final ScdModel.State state = store.state();
            ScdInvariants.check(state);
            assertEquals(ScdModel.expected(events), state);
            final Map<Long, LocalDateTime> newestEvents = new TreeMap<>();
            events.forEach(event -> newestEvents.merge(event.customerId(), Events.utc(event), (a, b) -> a.isAfter(b) ? a : b));
            assertEquals(newestEvents, store.watermarks(), "the watermark is each customer's newest event");
            for (final String invariant : SnowflakeDdl.invariantQueries()) {
                assertEquals(0, store.count("SELECT COUNT(*) FROM (" + invariant + ")"), invariant);
            }
            // CUSTOMER_AS_OF at every event time, just before and after it, and before the first and after the last.
            final List<ScdModel.Version> expectedHistory = ScdModel.expected(events).history();
            for (int minute = -1; minute <= 13; minute++) {
                for (final long offsetMicros : new long[]{-1, 0, 1}) {
                    final LocalDateTime asOf = ORIGIN.plusMinutes(minute).plusNanos(offsetMicros * 1000);
                    assertEquals(ScdModel.asOf(expectedHistory, asOf), store.customersAsOf(asOf), "CUSTOMER_AS_OF(" + asOf + ")");
                }
            }
            assertArrayEquals(new long[]{0, 0, 0, 0, 0}, store.merge(), "a merge with nothing pending changes nothing");
            final long nonEmptyFiles = files.stream().filter(file -> !file.isEmpty()).count();
            assertEquals(nonEmptyFiles, store.count("SELECT COUNT(*) FROM customer_merge_log"), "every loaded file logged once");
        }
    }

    @Provide
    Arbitrary<List<CustomerEvent>> events() {
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
        }).list().ofMinSize(1).ofMaxSize(30);
    }
}

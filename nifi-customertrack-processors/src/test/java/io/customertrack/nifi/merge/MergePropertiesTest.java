package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random event streams (few customers and few distinct times and values, so ties, no-op updates, late events,
 * deletes and re-inserts are common) are cut into files, shuffled, partly replayed and merged at random points
 * by the real merge script on DuckDB. After every merge the SCD invariants hold; at the end the tables equal the
 * plain-Java model of all events, and one more merge changes nothing. The tables enforce no key, as on Snowflake:
 * sql/05's duplicate-key queries check every declared key after every merge. Each property runs for the default
 * declaration and, with fewer tries, for the wide example's attributes (every attribute type, optional and non-personal
 * attributes); the untracked/partial properties draw which attributes are untracked and whether updates are partial.
 */
class MergePropertiesTest {

    private static final LocalDateTime ORIGIN = RandomMerges.ORIGIN;
    /**
     * The wide example's attributes, every one tracked, full updates (whatever the example declares): a version per change
     * of any type. The untracked/partial properties draw their own flags on the same attributes.
     */
    private static final Declaration WIDE = RandomMerges.flagged(Declaration.example("wide"), Set.of(), false);
    /** The default plus a phone a migration appended: hashed only when set. */
    private static final Declaration WITH_PHONE = Declaration.example("customer-with-phone");

    @Property(tries = 150)
    void anyArrivalOrderBatchingAndReplayConvergesToTheModel(
            @ForAll("events") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 3) final int replays,
            @ForAll final Random random) throws SQLException {
        convergesToTheModel(Declaration.defaultDeclaration(), events, RandomMerges.files(events, fileCount, replays, random), random);
    }

    @Property(tries = 40)
    void anyArrivalOrderBatchingAndReplayConvergesToTheModelWithAnAppendedAttribute(
            @ForAll("eventsWithPhone") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 3) final int replays,
            @ForAll final Random random) throws SQLException {
        convergesToTheModel(WITH_PHONE, events, RandomMerges.files(events, fileCount, replays, random), random);
    }

    @Property(tries = 50)
    void anyArrivalOrderBatchingAndReplayConvergesToTheModelForTheWideDeclaration(
            @ForAll("wideEvents") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 3) final int replays,
            @ForAll final Random random) throws SQLException {
        convergesToTheModel(WIDE, events, RandomMerges.files(events, fileCount, replays, random), random);
    }

    private static void convergesToTheModel(final Declaration declaration, final List<CustomerEvent> events,
                                            final List<List<CustomerEvent>> files, final Random random) throws SQLException {
        try (CustomerStore store = new CustomerStore(CustomerStore.IN_MEMORY, false, declaration)) {
            for (int i = 0; i < files.size(); i++) {
                store.load("file-" + i + ".csv", files.get(i));
                if (random.nextInt(3) > 0) {
                    store.merge();
                    ScdInvariants.check(store.state());
                    RandomMerges.checkMonitoringInvariants(store);
                }
            }
            store.merge();
            final ScdModel.State state = store.state();
            ScdInvariants.check(state);
            assertEquals(ScdModel.expected(declaration, events), state);
            final Map<Long, LocalDateTime> newestEvents = new TreeMap<>();
            events.forEach(event -> newestEvents.merge(event.customerId(), Events.utc(event), (a, b) -> a.isAfter(b) ? a : b));
            assertEquals(newestEvents, store.watermarks(), "the watermark is each customer's newest event");
            RandomMerges.checkMonitoringInvariants(store);
            // CUSTOMER_AS_OF at every event time, just before and after it, and before the first and after the last.
            final List<ScdModel.Version> expectedHistory = ScdModel.expected(declaration, events).history();
            for (int minute = -1; minute <= 13; minute++) {
                for (final long offsetMicros : new long[]{-1, 0, 1}) {
                    final LocalDateTime asOf = ORIGIN.plusMinutes(minute).plusNanos(offsetMicros * 1000);
                    assertEquals(ScdModel.asOf(expectedHistory, asOf), store.customersAsOf(asOf), "CUSTOMER_AS_OF(" + asOf + ")");
                }
            }
            assertEquals(CustomerStore.counts(), store.merge(), "a merge with nothing pending changes nothing");
            final long nonEmptyFiles = files.stream().filter(file -> !file.isEmpty()).count();
            assertEquals(nonEmptyFiles, store.count("SELECT COUNT(*) FROM customer_merge_log"), "every loaded file logged once");
        }
    }

    /** The same with a lateness budget of up to 7 minutes and erasure requests: {@link RandomMerges#checkBudgetAndErasures}. */
    @Property(tries = 150)
    void theLatenessBudgetAndErasuresHoldAfterEveryMerge(
            @ForAll("eventsWithErasures") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 2) final int replays,
            @ForAll @IntRange(min = 0, max = 420) final int budgetSeconds,
            @ForAll final Random random) throws SQLException {

        try (CustomerStore store = new CustomerStore(CustomerStore.IN_MEMORY, false)) {
            RandomMerges.checkBudgetAndErasures(store, RandomMerges.files(events, fileCount, replays, random), budgetSeconds, random);
        }
    }

    @Property(tries = 50)
    void theLatenessBudgetAndErasuresHoldAfterEveryMergeForTheWideDeclaration(
            @ForAll("wideEventsWithErasures") final List<CustomerEvent> events,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 2) final int replays,
            @ForAll @IntRange(min = 0, max = 420) final int budgetSeconds,
            @ForAll final Random random) throws SQLException {

        try (CustomerStore store = new CustomerStore(CustomerStore.IN_MEMORY, false, WIDE)) {
            RandomMerges.checkBudgetAndErasures(store, RandomMerges.files(events, fileCount, replays, random), budgetSeconds, random);
        }
    }

    /**
     * The same for the wide example's attributes with a random subset untracked and partial updates on or off: after
     * every merge CUSTOMER_HISTORY and CUSTOMER equal the model's, the receipts of the merge's files add up to the
     * no-op and in-place updates of its new events, and the audit's UPDATED rows name exactly the closed versions whose
     * untracked values it changed; at the end CUSTOMER_AS_OF shows the versions as CUSTOMER_HISTORY holds them.
     */
    @Property(tries = 40, edgeCases = EdgeCasesMode.NONE)
    void untrackedAttributesAndPartialUpdatesHoldAfterEveryMerge(
            @ForAll("flaggedWideScenarios") final RandomMerges.Flagged scenario,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 2) final int replays,
            @ForAll @IntRange(min = 0, max = 1200) final int budgetSeconds,
            @ForAll final Random random) throws SQLException {
        holdAfterEveryMerge(scenario, fileCount, replays, budgetSeconds, random);
    }

    /**
     * The default declaration's seven text attributes with a random subset untracked and partial updates on or off: text
     * only, so ties and equal events are common, and the positional part of the tracked hash may be empty.
     */
    @Property(tries = 40, edgeCases = EdgeCasesMode.NONE)
    void untrackedAttributesAndPartialUpdatesHoldAfterEveryMergeForTheDefaultAttributes(
            @ForAll("flaggedDefaultScenarios") final RandomMerges.Flagged scenario,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 2) final int replays,
            @ForAll @IntRange(min = 0, max = 1200) final int budgetSeconds,
            @ForAll final Random random) throws SQLException {
        holdAfterEveryMerge(scenario, fileCount, replays, budgetSeconds, random);
    }

    /** With an appended attribute (hashed only when set) tracked or not: the default plus a phone. */
    @Property(tries = 20, edgeCases = EdgeCasesMode.NONE)
    void untrackedAttributesAndPartialUpdatesHoldAfterEveryMergeWithAnAppendedAttribute(
            @ForAll("flaggedWithPhoneScenarios") final RandomMerges.Flagged scenario,
            @ForAll @IntRange(min = 1, max = 6) final int fileCount,
            @ForAll @IntRange(min = 0, max = 2) final int replays,
            @ForAll @IntRange(min = 0, max = 1200) final int budgetSeconds,
            @ForAll final Random random) throws SQLException {
        holdAfterEveryMerge(scenario, fileCount, replays, budgetSeconds, random);
    }

    private static void holdAfterEveryMerge(final RandomMerges.Flagged scenario, final int fileCount, final int replays,
                                            final int budgetSeconds, final Random random) throws SQLException {
        try (CustomerStore store = new CustomerStore(CustomerStore.IN_MEMORY, false, scenario.declaration())) {
            RandomMerges.checkBudgetAndErasures(store, RandomMerges.filesWithLateOnes(scenario.events(), fileCount, replays, random),
                    budgetSeconds, random)
                    .collect();
            customerAsOfShowsEachVersionAsItsHistoryRowHasIt(store);
        }
    }

    /**
     * CUSTOMER_AS_OF at every event time, just before and after it, and before the first and after the last: each
     * customer's version as CUSTOMER_HISTORY holds it (which the model checked), untracked values as of its latest event.
     */
    private static void customerAsOfShowsEachVersionAsItsHistoryRowHasIt(final CustomerStore store) throws SQLException {
        final List<ScdModel.Version> history = store.history();
        for (int minute = -1; minute <= 13; minute++) {
            for (final long offsetMicros : new long[]{-1, 0, 1}) {
                final LocalDateTime asOf = ORIGIN.plusMinutes(minute).plusNanos(offsetMicros * 1000);
                assertEquals(ScdModel.asOf(history, asOf), store.customersAsOf(asOf), "CUSTOMER_AS_OF(" + asOf + ")");
            }
        }
    }

    @Provide
    Arbitrary<RandomMerges.Flagged> flaggedWideScenarios() {
        return RandomMerges.flaggedScenarios(WIDE);
    }

    @Provide
    Arbitrary<RandomMerges.Flagged> flaggedDefaultScenarios() {
        return RandomMerges.flaggedScenarios(Declaration.defaultDeclaration());
    }

    @Provide
    Arbitrary<RandomMerges.Flagged> flaggedWithPhoneScenarios() {
        return RandomMerges.flaggedScenarios(WITH_PHONE);
    }

    @Provide
    Arbitrary<List<CustomerEvent>> eventsWithErasures() {
        return RandomMerges.eventsWithErasures();
    }

    @Provide
    Arbitrary<List<CustomerEvent>> events() {
        return RandomMerges.events();
    }

    @Provide
    Arbitrary<List<CustomerEvent>> wideEventsWithErasures() {
        return RandomMerges.eventsWithErasures(WIDE);
    }

    @Provide
    Arbitrary<List<CustomerEvent>> eventsWithPhone() {
        return RandomMerges.events(WITH_PHONE);
    }

    @Provide
    Arbitrary<List<CustomerEvent>> wideEvents() {
        return RandomMerges.events(WIDE);
    }
}

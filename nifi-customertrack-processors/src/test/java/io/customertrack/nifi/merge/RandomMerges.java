package io.customertrack.nifi.merge;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

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
        return events(Declaration.defaultDeclaration());
    }

    /** Events of {@code declaration}'s attributes. */
    public static Arbitrary<List<CustomerEvent>> events(final Declaration declaration) {
        return event(declaration).list().ofMinSize(1).ofMaxSize(30);
    }

    /** Events with an ERASE request about one time in thirteen. */
    public static Arbitrary<List<CustomerEvent>> eventsWithErasures() {
        return eventsWithErasures(Declaration.defaultDeclaration());
    }

    /** Events of {@code declaration}'s attributes with an ERASE request about one time in thirteen. */
    public static Arbitrary<List<CustomerEvent>> eventsWithErasures(final Declaration declaration) {
        final int attributes = declaration.attributes().size();
        final Arbitrary<CustomerEvent> erasure = Combinators.combine(Arbitraries.longs().between(1, 4), Arbitraries.integers().between(0, 12))
                .as((id, minute) -> CustomerEvent.erase(id, ORIGIN.plusMinutes(minute).toInstant(ZoneOffset.UTC), attributes));
        return Arbitraries.frequencyOf(Tuple.of(12, event(declaration)), Tuple.of(1, erasure)).list().ofMinSize(1).ofMaxSize(30);
    }

    private static Arbitrary<CustomerEvent> event(final Declaration declaration) {
        return declaration.equals(Declaration.defaultDeclaration()) ? event() : declaredEvent(declaration);
    }

    /**
     * An event of any declaration. Each attribute has two or three values of its type (NULL among them if it is
     * optional); an event takes one variant of all of them, and sometimes another value for a single attribute. So equal
     * events (no-op updates, ties) are as common as with the default declaration, a change may be the smallest of its type,
     * and changes of several types at once occur too. The first attribute, if text, names the customer by id, as in
     * {@link #event()}.
     */
    private static Arbitrary<CustomerEvent> declaredEvent(final Declaration declaration) {
        final List<Attribute> attributes = declaration.attributes();
        final List<List<String>> choices = IntStream.range(0, attributes.size()).mapToObj(i -> values(attributes.get(i), i == 0)).toList();
        final Arbitrary<Long> ids = Arbitraries.longs().between(1, 4);
        final Arbitrary<Integer> minutes = Arbitraries.integers().between(0, 12);
        final Arbitrary<Integer> variants = Arbitraries.integers().between(0, 2);
        final Arbitrary<Integer> tweaked = Arbitraries.integers().between(-attributes.size(), attributes.size() - 1); // < 0: none
        final Arbitrary<Integer> kind = Arbitraries.integers().between(0, 9); // 0-1 delete, 2-4 insert, 5-9 update
        return Combinators.combine(ids, minutes, variants, tweaked, kind).as((id, minute, variant, tweak, k) -> {
            final LocalDateTime at = ORIGIN.plusMinutes(minute);
            if (k < 2) {
                return Events.delete(declaration, id, at);
            }
            final String[] values = new String[attributes.size()];
            for (int i = 0; i < values.length; i++) {
                final List<String> options = choices.get(i);
                final String value = options.get((variant + (i == tweak ? 1 : 0)) % options.size());
                values[i] = value != null && value.startsWith("Name") ? value.replace("Name", "Name" + id) : value;
            }
            return Events.upsert(id, k < 5 ? "INSERT" : "UPDATE", at, Arrays.asList(values));
        });
    }

    /**
     * {@code base} with the attributes named in {@code untracked} declared {@code "trackHistory": false} (the others true)
     * and {@code partialUpdates} as given; everything else as {@code base} has it.
     */
    public static Declaration flagged(final Declaration base, final Set<String> untracked, final boolean partialUpdates) {
        final List<Attribute> attributes = base.attributes().stream().map(a -> new Attribute(a.name(), a.type(), a.required(),
                a.personal(), a.rules(), a.generate(), a.since(), !untracked.contains(a.name()))).toList();
        return new Declaration(base.version(), attributes, base.previousShapeAcceptedUntil(), partialUpdates);
    }

    /**
     * {@code base} with a random subset of its attributes untracked, each as likely as not (none and all included), and
     * partial updates on or off.
     */
    public static Arbitrary<Declaration> flaggedDeclarations(final Declaration base) {
        final List<String> names = base.names();
        return Combinators.combine(Arbitraries.of(true, false).list().ofSize(names.size()), Arbitraries.of(true, false))
                .as((untracked, partial) -> flagged(base, IntStream.range(0, names.size()).filter(untracked::get)
                        .mapToObj(names::get).collect(Collectors.toSet()), partial));
    }

    /**
     * A declaration drawn by {@link #flaggedDeclarations} and events of it by {@link #flaggedEventsWithErasures}.
     */
    public record Flagged(Declaration declaration, List<CustomerEvent> events) {
        @Override
        public String toString() {
            return "untracked " + declaration.untrackedAttributes().stream().map(Attribute::name).toList() + ", partialUpdates "
                    + declaration.partialUpdates() + ", events " + events;
        }
    }

    public static Arbitrary<Flagged> flaggedScenarios(final Declaration base) {
        return flaggedDeclarations(base).flatMap(declaration -> flaggedEventsWithErasures(declaration)
                .map(events -> new Flagged(declaration, events)));
    }

    /**
     * Six to thirty events of {@code declaration} by {@link #flaggedEvent} (any length as likely: longer streams have
     * more late changes), an ERASE request about one time in twenty-five (three customers: more would erase most).
     */
    public static Arbitrary<List<CustomerEvent>> flaggedEventsWithErasures(final Declaration declaration) {
        final int attributes = declaration.attributes().size();
        final Arbitrary<CustomerEvent> erasure = Combinators.combine(Arbitraries.longs().between(1, 4), Arbitraries.integers().between(0, 12))
                .as((id, minute) -> CustomerEvent.erase(id, ORIGIN.plusMinutes(minute).toInstant(ZoneOffset.UTC), attributes));
        return Arbitraries.frequencyOf(Tuple.of(24, flaggedEvent(declaration)), Tuple.of(1, erasure)).list().ofMinSize(6).ofMaxSize(30)
                .withSizeDistribution(RandomDistribution.uniform());
    }

    /**
     * An event of a declaration with untracked attributes or partial updates, of three customers. Tracked attributes
     * mostly take their first variant, untracked ones any of two or three values, and sometimes one attribute (often an
     * untracked one) takes another value: so an UPDATE that changes untracked values only is common, as are no-op
     * updates and ties. With partial updates an
     * UPDATE leaves attributes empty (NULL), required ones too: none, about a third, or most of them; an INSERT is full.
     */
    public static Arbitrary<CustomerEvent> flaggedEvent(final Declaration declaration) {
        // Uniform: with a property's few tries jqwik's default distribution would favour the low end (deletes, ties at minute 0).
        final List<Attribute> attributes = declaration.attributes();
        final List<List<String>> choices = IntStream.range(0, attributes.size()).mapToObj(i -> values(attributes.get(i), i == 0)).toList();
        final List<Integer> untracked = IntStream.range(0, attributes.size()).filter(i -> !attributes.get(i).trackHistory()).boxed().toList();
        final Arbitrary<Long> ids = Arbitraries.longs().between(1, 3).withDistribution(RandomDistribution.uniform());
        final Arbitrary<Integer> minutes = Arbitraries.integers().between(0, 12).withDistribution(RandomDistribution.uniform());
        final Arbitrary<Integer> trackedVariants = Arbitraries.frequency(Tuple.of(5, 0), Tuple.of(1, 1));
        final Arbitrary<Integer> untrackedVariants = Arbitraries.integers().between(0, 2).withDistribution(RandomDistribution.uniform());
        // < 0: none; else another value for one attribute, an untracked one if any about half the time.
        final Arbitrary<Integer> tweaked = Arbitraries.integers().between(-attributes.size(), 2 * attributes.size() - 1).withDistribution(RandomDistribution.uniform())
                .map(i -> i < attributes.size() ? i : untracked.isEmpty() ? i - attributes.size() : untracked.get(i % untracked.size()));
        final Arbitrary<Integer> kind = Arbitraries.integers().between(0, 9).withDistribution(RandomDistribution.uniform()); // 0 delete, 1-2 insert, 3-9 update
        final Arbitrary<Long> emptySeeds = Arbitraries.longs().withDistribution(RandomDistribution.uniform());
        return Combinators.combine(ids, minutes, trackedVariants, untrackedVariants, tweaked, kind, emptySeeds)
                .as((id, minute, trackedVariant, untrackedVariant, tweak, k, emptySeed) -> {
                    final LocalDateTime at = ORIGIN.plusMinutes(minute);
                    if (k < 1) {
                        return Events.delete(declaration, id, at);
                    }
                    final boolean update = k >= 3;
                    final Random empties = new Random(emptySeed);
                    final int emptyPercent = !update || !declaration.partialUpdates() ? 0 : new int[] {0, 30, 80}[empties.nextInt(3)];
                    final String[] values = new String[attributes.size()];
                    for (int i = 0; i < values.length; i++) {
                        final List<String> options = choices.get(i);
                        final int variant = attributes.get(i).trackHistory() ? trackedVariant : untrackedVariant;
                        final String value = options.get((variant + (i == tweak ? 1 : 0)) % options.size());
                        values[i] = empties.nextInt(100) < emptyPercent ? null
                                : value != null && value.startsWith("Name") ? value.replace("Name", "Name" + id) : value;
                    }
                    return Events.upsert(id, update ? "UPDATE" : "INSERT", at, Arrays.asList(values));
                });
    }

    /**
     * A few canonical values of the attribute's type that differ by the smallest step the row hash must see (a
     * character, a digit of the last place, a day, a microsecond), plus NULL if the attribute is optional.
     */
    private static List<String> values(final Attribute attribute, final boolean first) {
        final List<String> values = new ArrayList<>(switch (attribute.type()) {
            // Outside the Basic Multilingual Plane too: LENGTH counts characters. Kept within any length.
            case AttributeType.Varchar varchar -> first ? List.of("Name", "Name🏔")
                    : List.of("a", varchar.length() > 1 ? "é🏔" : "b", varchar.length() > 1 ? "ab" : "c");
            case AttributeType.Number number -> numbers(number);
            case AttributeType.Boolean ignored -> List.of("true", "false");
            case AttributeType.Date ignored -> List.of("1990-05-17", "1990-05-18", "1969-12-31");
            case AttributeType.TimestampNtz ignored -> List.of("2026-01-01T08:00:00.000000Z", "2026-01-01T08:00:00.000001Z",
                    "1969-12-31T23:59:59.999999Z");
        });
        if (!attribute.required()) {
            values.add(1, null);
        }
        return values;
    }

    /** 0, a value in the last place of the scale, and the largest value of the type (at most 18 digits: fakesnow holds 64 bits). */
    private static List<String> numbers(final AttributeType.Number number) {
        final int integerDigits = Math.min(number.precision() - number.scale(), 18 - number.scale());
        final String last = number.scale() == 0 ? "1" : "0." + "0".repeat(number.scale() - 1) + "1";
        final String largest = (integerDigits > 0 ? "9".repeat(integerDigits) : "0") + (number.scale() > 0 ? "." + "9".repeat(number.scale()) : "");
        return List.of("0", number.scale() == 0 && integerDigits > 0 ? "-" + last : last, largest);
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
     * As {@link #files}, then about one event in five taken out of its file into one more, loaded last: late events
     * that land inside versions merged before (a late change of untracked values among them), whatever the budget allows.
     */
    public static List<List<CustomerEvent>> filesWithLateOnes(final List<CustomerEvent> events, final int fileCount, final int replays,
                                                          final Random random) {
        final List<List<CustomerEvent>> files = files(events, fileCount, replays, random);
        final List<CustomerEvent> late = new ArrayList<>();
        for (final List<CustomerEvent> file : files) {
            for (final Iterator<CustomerEvent> it = file.iterator(); it.hasNext();) {
                final CustomerEvent event = it.next();
                if (random.nextInt(5) == 0) {
                    late.add(event);
                    it.remove();
                }
            }
        }
        files.add(late);
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

    /** customer_raw as the files loaded it (ordered by file name, then row), with every erased customer's personal values NULL. */
    private static List<CustomerEvent> rawAfterErasure(final Declaration declaration, final List<List<CustomerEvent>> files,
                                                       final ScdModel.Merges model) {
        final List<Attribute> attributes = declaration.attributes();
        return IntStream.range(0, files.size()).boxed().sorted(Comparator.comparing(i -> "file-" + i + ".csv"))
                .flatMap(i -> files.get(i).stream())
                .map(event -> !model.erased().contains(event.customerId()) ? event : new CustomerEvent(event.customerId(), event.op(),
                        event.updatedAt(), IntStream.range(0, attributes.size())
                        .mapToObj(i -> attributes.get(i).personal() ? null : event.values().get(i)).toList()))
                .toList();
    }

    /**
     * Loads the files into an empty store with this lateness budget and merges at random points; one merge in three runs
     * twice over the same stream rows, as a merge that waited for a concurrent one would. After every merge the
     * tables equal the model of the merges so far (which events the budget quarantines depends on what was merged
     * before) and the sql/05 invariants hold; at the end the quarantine holds exactly what the model set aside, no
     * personal value of an erased customer is left in any table, the other customers are as they would be without any
     * erasure, and the receipts add up to what the tables hold. Returns what the checked merges did, for statistics.
     */
    public static Checked checkBudgetAndErasures(final CustomerStore store, final List<List<CustomerEvent>> files, final int budgetSeconds,
                                                 final Random random) throws SQLException {
        final Declaration declaration = store.declaration();
        final ScdModel.Merges model = new ScdModel.Merges(declaration, (long) budgetSeconds);
        final ScdModel.Merges withoutErasures = new ScdModel.Merges(declaration, (long) budgetSeconds);
        store.latenessBudget((long) budgetSeconds);
        final List<CustomerEvent> pending = new ArrayList<>();
        final List<String> pendingFiles = new ArrayList<>();
        long noop = 0;
        long inPlace = 0;
        long updated = 0;
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
                final ScdModel.Counts counts = model.merge(pending);
                withoutErasures.merge(pending.stream().filter(event -> event.op() != CustomerEvent.Operation.ERASE).toList());
                pending.clear();
                final ScdModel.State state = store.state();
                ScdInvariants.check(state);
                assertEquals(model.state(), state, "after merging file-" + i);
                assertEquals(counts, store.receiptCounts(pendingFiles),
                        "the receipts of this merge's files: its new events' no-op and in-place updates, after merging file-" + i);
                noop += counts.noopUpdates();
                inPlace += counts.inPlaceUpdates();
                updated += model.updated().size();
                assertEquals(model.updated(), store.updatedVersions(pendingFiles),
                        "the audit's UPDATED rows of this merge: closed versions whose untracked values it changed, after merging file-" + i);
                pendingFiles.clear();
                checkMonitoringInvariants(store);
            }
        }
        final List<ScdModel.Quarantined> expectedQuarantine = new ArrayList<>(model.quarantined());
        expectedQuarantine.sort(CustomerStore.QUARANTINE_ORDER);
        assertEquals(expectedQuarantine, store.quarantined(), "quarantined: exactly the events the model set aside");

        final List<String> personal = declaration.attributes().stream().filter(Attribute::personal).map(Attribute::name).toList();
        final String first = declaration.attributes().getFirst().name();
        for (final long erased : model.erased()) {
            for (final String table : List.of("customer_raw", "customer_history", "customer", "customer_merge_plan")) {
                assertEquals(0, store.count("SELECT COUNT(*) FROM " + table + " WHERE CAST(" + first + " AS VARCHAR) = 'Name" + erased + "'"
                        // OR, not COALESCE: Snowflake's COALESCE needs two arguments, a declaration may have one personal attribute.
                        + (personal.isEmpty() ? "" : " OR (customer_id = " + erased + " AND (" + String.join(" OR ",
                                personal.stream().map(name -> name + " IS NOT NULL").toList()) + "))")),
                        "a personal value of erased customer " + erased + " in " + table);
            }
            assertEquals(1, store.count("SELECT COUNT(*) FROM customer_erasure WHERE customer_id = " + erased), "one receipt per erasure");
        }
        assertEquals(model.erased().size(), store.count("SELECT COUNT(*) FROM customer_erasure"));
        assertEquals(rawAfterErasure(declaration, files, model), store.rawEvents(),
                "customer_raw: every event as loaded, an erased customer's personal values cleared and the others kept");
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
        assertEquals(store.count("SELECT COUNT(*) FROM customer_history_recut WHERE change_kind <> 'UPDATED'"),
                store.count("SELECT SUM(versions_recut) + SUM(versions_removed) FROM customer_merge_receipt"),
                "every RECUT or REMOVED audit row is counted on a receipt (an UPDATED one as the late event's in-place update)");
        assertEquals(files.stream().filter(file -> !file.isEmpty()).count(), store.count("SELECT COUNT(*) FROM customer_merge_receipt"));
        return new Checked(noop, inPlace, updated);
    }

    /** What the merges {@link #checkBudgetAndErasures} checked did: no-op and in-place updates, UPDATED audit rows. */
    public record Checked(long noopUpdates, long inPlaceUpdates, long updatedVersions) {

        /**
         * Counts the tries that had in-place updates and UPDATED audit rows, and fails the property if too few had them
         * (the events would no longer exercise the rules).
         */
        public void collect() {
            Statistics.label("in-place updates").collect(inPlaceUpdates > 0);
            Statistics.label("late in-place updates of closed versions (UPDATED)").collect(updatedVersions > 0);
        }
    }
}

package io.customertrack.nifi.customer;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent.Operation;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Produces customer change events of a declaration. Each attribute's values come from a pool prepared once per
 * configuration (datafaker resolves every value through its YAML expressions, a few microseconds each, so events
 * combine pool entries instead), or are made of other attributes' values. A customer's base profile is a pure function
 * of the seed and its id, so updates keep a customer's values without the generator storing any profile.
 *
 * <p>A declaration with untracked attributes or partial updates needs more: an UPDATE that changes only untracked
 * attributes, or carries only what changed, is defined against the customer's current values. For such a declaration
 * the generator keeps, in memory, the full current values of the customers of the window whose values an UPDATE moved
 * away from their base profile (what the merge resolves them to), and draws every UPDATE from them. A declaration with
 * neither draws exactly what it drew before, from the base profile, with no memory.
 */
public final class FakeCustomerGenerator {

    /** Kinds of deliberately broken records, so the invalid path of the pipeline always has something to do. */
    enum InvalidKind {
        /** An attribute with the email rule, its '@' replaced by a space. */
        BAD_EMAIL,
        /** A required attribute, blank. */
        BLANK,
        UNKNOWN_OP,
        UNPARSEABLE_TIME,
        FUTURE_TIME,
        NEGATIVE_ID,
        /** A VARCHAR attribute, one character longer than it may be. */
        TOO_LONG,
        /** An attribute with the noControlCharacters rule, a BEL inside its value. */
        CONTROL_CHARACTER,
        /** An attribute with a pattern, a value that does not match it. */
        PATTERN_MISMATCH,
        /** An attribute with a oneOf rule, a value of its type outside the list. */
        NOT_ONE_OF,
        /** A NUMBER attribute with a min or max, a value just beyond it. */
        OUT_OF_RANGE
    }

    private final long seed;
    private final CustomerSchema customerSchema;
    private final ValueSupply[] supplies;
    /**
     * An odd multiplier per attribute: the profile hash times it is the attribute's own hash (its high bits pick the
     * value), an independent pick for each attribute at the cost of one multiplication.
     */
    private final long[] salts;
    /** The attributes in the order they are filled: each made of others' values after those. */
    private final int[] fillOrder;
    /** Each attribute's changesWith group (numbered in order of first mention), or -1. */
    private final int[] groupOf;
    private final int groupCount;
    private final List<Breakage> breakages;
    /** Whether an UPDATE's empty attribute means unchanged (the declaration's partialUpdates). */
    private final boolean partialUpdates;
    /** Per attribute, whether its history is tracked. */
    private final boolean[] tracked;
    /** The untracked attributes' indexes, in fill order. */
    private final int[] untrackedFillOrder;
    /** Whether some changesWith group holds a tracked attribute, so an UPDATE can change a tracked value. */
    private final boolean aGroupHoldsATrackedAttribute;
    /**
     * The current values of the customers whose latest UPDATE moved them away from their base profile, by id; only for
     * a declaration with untracked attributes or partial updates (null otherwise). Bounded by the window: ids that
     * leave it are forgotten.
     */
    private final Map<Long, String[]> currentValues;

    /**
     * One way to break a record that the declaration can express: the field and the value it gets (null: made from the
     * record's own value, an address without its '@' or the negated id).
     */
    record Breakage(InvalidKind kind, String field, Object value) {
    }

    /** A generator of the default declaration. */
    public FakeCustomerGenerator(final Locale locale, final long seed) {
        this(CompiledDeclaration.defaultDeclaration(), locale, seed);
    }

    /**
     * Prepares the value pools of every attribute.
     *
     * @throws io.customertrack.declaration.DeclarationException naming the attribute when its source yields no value
     *                                                           its checks accept
     */
    public FakeCustomerGenerator(final CompiledDeclaration declaration, final Locale locale, final long seed) {
        this.seed = seed;
        this.customerSchema = declaration.schema();
        this.supplies = ValueSupplies.build(declaration, locale, seed);
        this.salts = new long[supplies.length];
        for (int i = 0; i < salts.length; i++) {
            salts[i] = mix(seed + i) | 1;
        }
        this.fillOrder = fillOrder(supplies);
        this.groupOf = groupOf(declaration.declaration());
        this.groupCount = groupNames(declaration.declaration()).length;
        this.breakages = Breakages.of(declaration);
        final List<Attribute> attributes = declaration.declaration().attributes();
        this.partialUpdates = declaration.declaration().partialUpdates();
        this.tracked = new boolean[attributes.size()];
        for (int i = 0; i < tracked.length; i++) {
            tracked[i] = attributes.get(i).trackHistory();
        }
        this.untrackedFillOrder = Arrays.stream(fillOrder).filter(attribute -> !tracked[attribute]).toArray();
        this.aGroupHoldsATrackedAttribute = IntStream.range(0, tracked.length).anyMatch(i -> tracked[i] && groupOf[i] >= 0);
        this.currentValues = declaration.declaration().valuesSpanEvents() ? new HashMap<>() : null;
    }

    /** The ways this generator breaks records, one of which each invalid event takes. */
    List<Breakage> breakages() {
        return breakages;
    }

    /** Receives each generated event as a record of the schema given to {@link #generate}. */
    @FunctionalInterface
    public interface EventSink {
        void accept(Record event) throws Exception;
    }

    /**
     * The share of each kind of event, in percent of all events (the rest are inserts); together at most 100. Two shares
     * are of the UPDATEs (on time and late) instead, each 0 to 100.
     *
     * @param late            UPDATEs of a live customer timed up to {@code maxLateness} before the events around them,
     *                        as a producer's delayed delivery sends them
     * @param replay          exact repeats of an earlier event of the same batch, as an at-least-once producer sends them
     * @param erase           ERASE requests for a known customer, whose id is never used again
     * @param untrackedChange of the UPDATEs, those that change only untracked attributes (the others change at least one
     *                        tracked attribute); only where the declaration has untracked attributes
     * @param partialUpdate   of the UPDATEs, those sent partially: only the attributes that changed carry a value; only
     *                        where the declaration has partial updates
     */
    public record Mix(int update, int delete, int invalid, int late, Duration maxLateness, int replay, int erase,
                      int untrackedChange, int partialUpdate) {
        public Mix {
            if (update + delete + invalid + late + replay + erase > 100) {
                throw new IllegalArgumentException("percentages add up to more than 100: " + this);
            }
            if (untrackedChange < 0 || untrackedChange > 100 || partialUpdate < 0 || partialUpdate > 100) {
                throw new IllegalArgumentException("shares of the UPDATEs must be 0 to 100: " + this);
            }
        }

        /** A mix without untracked-only changes or partial updates. */
        public Mix(final int update, final int delete, final int invalid, final int late, final Duration maxLateness, final int replay,
                   final int erase) {
            this(update, delete, invalid, late, maxLateness, replay, erase, 0, 0);
        }
    }

    /**
     * Generates {@code count} events into {@code sink}, updating {@code ids} as customers are created, deleted and erased.
     * Updates, deletes, late updates and erasures need an existing customer and become inserts until one exists, or
     * when the customer picked is erased (its id is retired); a replay needs an earlier event of this batch and is an
     * insert before there is one (a replay of an erased customer's earlier event is sent all the same, as a producer would).
     */
    public void generate(final int count, final Mix mix, final CustomerIdSpace ids, final SplittableRandom random,
                         final long wallClockMicros, final RecordSchema schema, final EventSink sink) throws Exception {
        final long maxLatenessMicros = Math.max(1, mix.maxLateness().toNanos() / 1000);
        // One roll of 0-99 per event picks its kind: below each bound, the kind of that bound.
        final int invalidBelow = mix.invalid();
        final int replayBelow = invalidBelow + mix.replay();
        final int lateBelow = replayBelow + mix.late();
        final int updateBelow = lateBelow + mix.update();
        final int deleteBelow = updateBelow + mix.delete();
        final int eraseBelow = deleteBelow + mix.erase();
        final List<Record> batch = mix.replay() > 0 ? new ArrayList<>() : List.of();
        for (int i = 0; i < count; i++) {
            final Instant eventTime = Instant.EPOCH.plus(ids.tick(wallClockMicros), ChronoUnit.MICROS);
            final int roll = random.nextInt(100);
            if (roll < invalidBelow) {
                sink.accept(invalidEvent(ids, random, eventTime, schema));
                continue;
            }
            if (roll < replayBelow && !batch.isEmpty()) {
                sink.accept(batch.get(random.nextInt(batch.size())));
                continue;
            }
            // Every kind but an insert is about a known customer (-1: none yet, or this roll is an insert).
            final long id = roll >= replayBelow && roll < eraseBelow && ids.hasKnownIds() ? ids.pickKnownId(random) : -1;
            final CustomerEvent event;
            if (id < 0 || ids.isErased(id)) {
                event = profile(ids.issue(), Operation.INSERT, eventTime);
            } else if (roll < lateBelow) {
                final Instant lateTime = eventTime.minus(1 + random.nextLong(maxLatenessMicros), ChronoUnit.MICROS);
                // Late news of a customer deleted since would be news of nobody: a new customer instead.
                event = ids.isDeleted(id) ? profile(ids.issue(), Operation.INSERT, eventTime) : update(id, mix, random, lateTime, true);
            } else if (roll >= deleteBelow) {
                ids.markErased(id);
                forget(id);
                event = CustomerEvent.erase(id, eventTime, supplies.length);
            } else {
                if (ids.isDeleted(id)) {
                    // A deleted customer who comes back registers again: a later INSERT opens a new version.
                    ids.markDeleted(id, false);
                    event = profile(id, Operation.INSERT, eventTime);
                } else if (roll < updateBelow) {
                    event = update(id, mix, random, eventTime, false);
                } else {
                    ids.markDeleted(id, true);
                    // A customer who comes back registers again with the base profile.
                    forget(id);
                    event = CustomerEvent.delete(id, eventTime, supplies.length);
                }
            }
            final Record record = customerSchema.toRecord(event, schema);
            if (mix.replay() > 0) {
                batch.add(record);
            }
            sink.accept(record);
        }
        if (currentValues != null) {
            final long lowest = ids.lowestKnownId();
            currentValues.keySet().removeIf(id -> id < lowest);
        }
    }

    /** The base profile of a customer: the same for the same seed and id, whenever it is generated. */
    CustomerEvent profile(final long id, final Operation op, final Instant eventTime) {
        return CustomerEvent.of(id, op, eventTime, profileValues(id));
    }

    private String[] profileValues(final long id) {
        final long hash = mix(seed ^ mix(id));
        final String[] values = new String[supplies.length];
        for (final int attribute : fillOrder) {
            values[attribute] = supplies[attribute].profile(hash * salts[attribute], values);
        }
        return values;
    }

    /**
     * An UPDATE of a known customer. Without untracked attributes and partial updates: the profile with a uniformly
     * random non-empty set of the changesWith groups drawn anew. Otherwise from the customer's current values, see
     * {@link #updateFromCurrentValues}; a late one is not remembered (the customer's latest values are those of a later event).
     */
    private CustomerEvent update(final long id, final Mix mix, final SplittableRandom random, final Instant eventTime, final boolean late) {
        if (currentValues == null) {
            final String[] values = profileValues(id);
            redrawGroups(random, values);
            return CustomerEvent.of(id, Operation.UPDATE, eventTime, values);
        }
        return updateFromCurrentValues(id, mix, random, eventTime, late);
    }

    /**
     * An UPDATE drawn from the customer's current values. Of the UPDATEs, {@code untrackedChange} percent draw only the
     * untracked attributes anew, the others changesWith groups (as without untracked attributes), each until some value
     * of the kind it is to change differs (a bounded number of draws: a pool may hold one value only). With partial
     * updates an attribute drawn empty keeps its value (an UPDATE cannot clear it), and {@code partialUpdate} percent
     * carry only the attributes that changed. The customer's values afterwards are the full, resolved ones.
     */
    private CustomerEvent updateFromCurrentValues(final long id, final Mix mix, final SplittableRandom random, final Instant eventTime,
                                        final boolean late) {
        final String[] known = currentValues.containsKey(id) ? currentValues.get(id) : profileValues(id);
        final boolean untrackedOnly = untrackedFillOrder.length > 0 && random.nextInt(100) < mix.untrackedChange();
        final String[] values = new String[known.length];
        final int draws = untrackedOnly || aGroupHoldsATrackedAttribute ? MAX_DRAWS : 1;
        for (int draw = 0; draw < draws; draw++) {
            System.arraycopy(known, 0, values, 0, known.length);
            if (untrackedOnly) {
                for (final int attribute : untrackedFillOrder) {
                    values[attribute] = supplies[attribute].fresh(random, values);
                }
            } else {
                redrawGroups(random, values);
            }
            if (partialUpdates) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = values[i] == null ? known[i] : values[i];
                }
            }
            if (changesAny(known, values, !untrackedOnly)) {
                break;
            }
        }
        if (!late) {
            // Kept as the event's values are: neither array is changed once made.
            currentValues.put(id, values);
        }
        if (!partialUpdates || random.nextInt(100) >= mix.partialUpdate()) {
            return CustomerEvent.of(id, Operation.UPDATE, eventTime, values);
        }
        final String[] changed = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            changed[i] = Objects.equals(values[i], known[i]) ? null : values[i];
        }
        return CustomerEvent.of(id, Operation.UPDATE, eventTime, changed);
    }

    /** Whether some tracked (or, with {@code trackedOnes} false, untracked) attribute's value differs. */
    private boolean changesAny(final String[] known, final String[] values, final boolean trackedOnes) {
        for (int i = 0; i < values.length; i++) {
            if (tracked[i] == trackedOnes && !Objects.equals(known[i], values[i])) {
                return true;
            }
        }
        return false;
    }

    /** Draws a uniformly random non-empty set of the changesWith groups anew into {@code values}. */
    private void redrawGroups(final SplittableRandom random, final String[] values) {
        if (groupCount == 0) {
            return;
        }
        final boolean[] changed = changedGroups(random);
        for (final int attribute : fillOrder) {
            final int group = groupOf[attribute];
            if (group >= 0 && changed[group]) {
                values[attribute] = supplies[attribute].fresh(random, values);
            }
        }
    }

    /** The customer is back at its base profile (registers again) or gone for good. */
    private void forget(final long id) {
        if (currentValues != null) {
            currentValues.remove(id);
        }
    }

    private Record invalidEvent(final CustomerIdSpace ids, final SplittableRandom random, final Instant eventTime,
                                final RecordSchema schema) {
        // Invalid events never change the id space: the validator rejects them, so no customer is created or deleted.
        final long id = ids.hasKnownIds() ? ids.pickKnownId(random) : ids.peekNextId();
        final Breakage breakage = breakages.get(random.nextInt(breakages.size()));
        // A partial UPDATE may leave a required attribute empty (CustomerRecordValidator's rule): blank, it is broken only in an INSERT.
        final Operation op = partialUpdates && breakage.kind() == InvalidKind.BLANK ? Operation.INSERT : Operation.UPDATE;
        final Record record = customerSchema.toRecord(profile(id, op, eventTime), schema);
        final Object value = breakage.value() != null ? breakage.value() : switch (breakage.kind()) {
            case BAD_EMAIL -> {
                final Object address = record.getValue(breakage.field());
                yield address == null ? "someone at example.com" : address.toString().replace('@', ' ');
            }
            case NEGATIVE_ID -> -id;
            default -> throw new IllegalStateException("no value for " + breakage);
        };
        record.setValue(breakage.field(), value);
        return record;
    }

    /**
     * How often an UPDATE is drawn again when it changed nothing of the kind it is to change: a redrawn state may be the
     * same state (a BOOLEAN, a tier of four), and an untracked-only change that changed nothing would be no change.
     */
    private static final int MAX_DRAWS = 16;

    /** Attribute indexes, those made of other attributes' values last. */
    private static int[] fillOrder(final ValueSupply[] supplies) {
        final int[] order = new int[supplies.length];
        int next = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < supplies.length; i++) {
                if (supplies[i].derived() == (pass == 1)) {
                    order[next++] = i;
                }
            }
        }
        return order;
    }

    private static String[] groupNames(final Declaration declaration) {
        final Set<String> names = new LinkedHashSet<>();
        for (final Attribute attribute : declaration.attributes()) {
            if (attribute.generate() != null && attribute.generate().changesWith() != null) {
                names.add(attribute.generate().changesWith());
            }
        }
        return names.toArray(String[]::new);
    }

    private static int[] groupOf(final Declaration declaration) {
        final List<String> names = List.of(groupNames(declaration));
        final int[] groupOf = new int[declaration.attributes().size()];
        for (int i = 0; i < groupOf.length; i++) {
            final Attribute attribute = declaration.attributes().get(i);
            groupOf[i] = attribute.generate() == null || attribute.generate().changesWith() == null ? -1
                    : names.indexOf(attribute.generate().changesWith());
        }
        return groupOf;
    }

    /** A uniformly random non-empty subset of the groups: a random non-zero bit mask, or coin flips redrawn when none lands. */
    private boolean[] changedGroups(final SplittableRandom random) {
        final boolean[] changed = new boolean[groupCount];
        if (groupCount < 31) {
            final int mask = 1 + random.nextInt((1 << groupCount) - 1);
            for (int g = 0; g < changed.length; g++) {
                changed[g] = (mask >>> g & 1) != 0;
            }
            return changed;
        }
        boolean any;
        do {
            any = false;
            for (int g = 0; g < changed.length; g++) {
                changed[g] = random.nextBoolean();
                any |= changed[g];
            }
        } while (!any);
        return changed;
    }

    /** SplitMix64 finaliser: spreads consecutive ids over the pools. */
    static long mix(final long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

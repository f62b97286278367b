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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Produces customer change events of a declaration. Each attribute's values come from a pool prepared once per
 * configuration (datafaker resolves every value through its YAML expressions, a few microseconds each, so events
 * combine pool entries instead), or are made of other attributes' values. A customer's base profile is a pure function
 * of the seed and its id, so updates keep a customer's values without the generator storing any profile.
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
     * The share of each kind of event, in percent of all events (the rest are inserts); together at most 100.
     *
     * @param late   UPDATEs of a live customer timed up to {@code maxLateness} before the events around them, as a
     *               producer's delayed delivery sends them
     * @param replay exact repeats of an earlier event of the same batch, as an at-least-once producer sends them
     * @param erase  ERASE requests for a known customer, whose id is never used again
     */
    public record Mix(int update, int delete, int invalid, int late, Duration maxLateness, int replay, int erase) {
        public Mix {
            if (update + delete + invalid + late + replay + erase > 100) {
                throw new IllegalArgumentException("percentages add up to more than 100: " + this);
            }
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
                event = ids.isDeleted(id) ? profile(ids.issue(), Operation.INSERT, eventTime) : update(id, random, lateTime);
            } else if (roll >= deleteBelow) {
                ids.markErased(id);
                event = CustomerEvent.erase(id, eventTime, supplies.length);
            } else {
                if (ids.isDeleted(id)) {
                    // A deleted customer who comes back registers again: a later INSERT opens a new version.
                    ids.markDeleted(id, false);
                    event = profile(id, Operation.INSERT, eventTime);
                } else if (roll < updateBelow) {
                    event = update(id, random, eventTime);
                } else {
                    ids.markDeleted(id, true);
                    event = CustomerEvent.delete(id, eventTime, supplies.length);
                }
            }
            final Record record = customerSchema.toRecord(event, schema);
            if (mix.replay() > 0) {
                batch.add(record);
            }
            sink.accept(record);
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

    /** The profile with a uniformly random non-empty set of the changesWith groups drawn anew. */
    private CustomerEvent update(final long id, final SplittableRandom random, final Instant eventTime) {
        final String[] values = profileValues(id);
        if (groupCount > 0) {
            final boolean[] changed = changedGroups(random);
            for (final int attribute : fillOrder) {
                final int group = groupOf[attribute];
                if (group >= 0 && changed[group]) {
                    values[attribute] = supplies[attribute].fresh(random, values);
                }
            }
        }
        return CustomerEvent.of(id, Operation.UPDATE, eventTime, values);
    }

    private Record invalidEvent(final CustomerIdSpace ids, final SplittableRandom random, final Instant eventTime,
                                final RecordSchema schema) {
        // Invalid events never change the id space: the validator rejects them, so no customer is created or deleted.
        final long id = ids.hasKnownIds() ? ids.pickKnownId(random) : ids.peekNextId();
        final Record record = customerSchema.toRecord(profile(id, Operation.UPDATE, eventTime), schema);
        final Breakage breakage = breakages.get(random.nextInt(breakages.size()));
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

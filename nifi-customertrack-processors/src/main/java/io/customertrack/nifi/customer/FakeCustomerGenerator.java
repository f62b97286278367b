package io.customertrack.nifi.customer;

import io.customertrack.nifi.customer.CustomerEvent.Operation;
import net.datafaker.Faker;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Produces customer change events. Datafaker fills pools of realistic values once per configuration; events then
 * combine pool entries, which is what makes generation fast (datafaker resolves every value through its YAML
 * expressions, a few microseconds each). A customer's base profile is a pure function of the seed and its id, so
 * updates keep a customer's name without the generator storing any profile.
 */
public final class FakeCustomerGenerator {

    /** Kinds of deliberately broken records, so the invalid path of the pipeline always has something to do. */
    enum InvalidKind { BAD_EMAIL, BLANK_FIRST_NAME, UNKNOWN_OP, UNPARSEABLE_TIME, FUTURE_TIME, NEGATIVE_ID, TOO_LONG, CONTROL_CHARACTER }

    private static final int POOL_SIZE = 1024;
    private static final int DOMAIN_POOL_SIZE = 64;
    private static final Instant FUTURE_EVENT_TIME = Instant.parse("3000-01-01T00:00:00Z");

    private final long seed;
    private final String[] firstNames;
    private final String[] lastNames;
    private final String[] streets;
    private final String[] cities;
    private final String[] states;
    private final String[] countries;
    private final String[] domains;

    public FakeCustomerGenerator(final Locale locale, final long seed) {
        this.seed = seed;
        final Faker faker = new Faker(locale, new Random(seed));
        firstNames = pool(POOL_SIZE, () -> faker.name().firstName());
        lastNames = pool(POOL_SIZE, () -> faker.name().lastName());
        streets = pool(POOL_SIZE, () -> faker.address().streetAddress());
        cities = pool(POOL_SIZE, () -> faker.address().city());
        states = pool(POOL_SIZE, () -> faker.address().state());
        final String localeCountry = locale.getDisplayCountry(Locale.ENGLISH);
        countries = localeCountry.isEmpty() ? pool(POOL_SIZE, () -> faker.address().country()) : new String[]{localeCountry};
        domains = pool(DOMAIN_POOL_SIZE, () -> faker.internet().domainName());
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
                event = CustomerEvent.erase(id, eventTime);
            } else {
                if (ids.isDeleted(id)) {
                    // A deleted customer who comes back registers again: a later INSERT opens a new version.
                    ids.markDeleted(id, false);
                    event = profile(id, Operation.INSERT, eventTime);
                } else if (roll < updateBelow) {
                    event = update(id, random, eventTime);
                } else {
                    ids.markDeleted(id, true);
                    event = CustomerEvent.delete(id, eventTime);
                }
            }
            final Record record = event.toRecord(schema);
            if (mix.replay() > 0) {
                batch.add(record);
            }
            sink.accept(record);
        }
    }

    /** The base profile of a customer: the same for the same seed and id, whenever it is generated. */
    CustomerEvent profile(final long id, final Operation op, final Instant eventTime) {
        final long hash = mix(seed ^ mix(id));
        final String first = firstNames[index(hash, 0, firstNames.length)];
        final String last = lastNames[index(hash, 10, lastNames.length)];
        return new CustomerEvent(id, first, last,
                email(first, last, (int) ((hash >>> 20) & 0x3FF), domains[index(hash, 30, domains.length)]),
                streets[index(hash, 36, streets.length)],
                cities[index(hash, 46, cities.length)],
                states[index(hash, 54, states.length)],
                countries[(int) Math.floorMod(hash, (long) countries.length)],
                op, eventTime);
    }

    private CustomerEvent update(final long id, final SplittableRandom random, final Instant eventTime) {
        final CustomerEvent base = profile(id, Operation.UPDATE, eventTime);
        final int change = random.nextInt(3);
        final String email = change == 1 ? base.email()
                : email(base.firstName(), base.lastName(), random.nextInt(10_000), domains[random.nextInt(domains.length)]);
        if (change == 0) {
            return new CustomerEvent(id, base.firstName(), base.lastName(), email, base.street(), base.city(), base.state(),
                    base.country(), Operation.UPDATE, eventTime);
        }
        // Moved house (and with change 2 a new address too).
        return new CustomerEvent(id, base.firstName(), base.lastName(), email, streets[random.nextInt(streets.length)],
                cities[random.nextInt(cities.length)], states[random.nextInt(states.length)], base.country(),
                Operation.UPDATE, eventTime);
    }

    private Record invalidEvent(final CustomerIdSpace ids, final SplittableRandom random, final Instant eventTime,
                                final RecordSchema schema) {
        // Invalid events never change the id space: the validator rejects them, so no customer is created or deleted.
        final long id = ids.hasKnownIds() ? ids.pickKnownId(random) : ids.peekNextId();
        final CustomerEvent base = profile(id, Operation.UPDATE, eventTime);
        final Record record = base.toRecord(schema);
        final InvalidKind kind = InvalidKind.values()[random.nextInt(InvalidKind.values().length)];
        switch (kind) {
            case BAD_EMAIL -> record.setValue(CustomerField.EMAIL.columnName(), base.email().replace('@', ' '));
            case BLANK_FIRST_NAME -> record.setValue(CustomerField.FIRST_NAME.columnName(), " ");
            case UNKNOWN_OP -> record.setValue(CustomerField.OP.columnName(), "UPSERT");
            case UNPARSEABLE_TIME -> record.setValue(CustomerField.UPDATED_AT.columnName(), "yesterday at noon");
            case FUTURE_TIME -> record.setValue(CustomerField.UPDATED_AT.columnName(), EventTimes.format(FUTURE_EVENT_TIME));
            case NEGATIVE_ID -> record.setValue(CustomerField.CUSTOMER_ID.columnName(), -id);
            case TOO_LONG -> record.setValue(CustomerField.LAST_NAME.columnName(), "X".repeat(CustomerField.LAST_NAME.maxLength() + 1));
            // Inside the value: readers trim the ends.
            case CONTROL_CHARACTER -> record.setValue(CustomerField.CITY.columnName(), "Spring\u0007field");
        }
        return record;
    }

    private static String email(final String first, final String last, final int number, final String domain) {
        return asciiLocalPart(first) + '.' + asciiLocalPart(last) + number + '@' + domain;
    }

    /** Names in many locales carry accents or spaces; e-mail local parts here are plain lower-case ASCII. */
    private static String asciiLocalPart(final String name) {
        final String decomposed = Normalizer.normalize(name, Normalizer.Form.NFD);
        final StringBuilder ascii = new StringBuilder(decomposed.length());
        for (int i = 0; i < decomposed.length(); i++) {
            final char c = Character.toLowerCase(decomposed.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                ascii.append(c);
            }
        }
        return ascii.isEmpty() ? "customer" : ascii.toString();
    }

    private static String[] pool(final int size, final Supplier<String> faker) {
        final String[] values = new String[size];
        for (int i = 0; i < size; i++) {
            values[i] = faker.get();
        }
        return values;
    }

    private static int index(final long hash, final int shift, final int length) {
        return (int) Math.floorMod(hash >>> shift, (long) length);
    }

    /** SplitMix64 finaliser: spreads consecutive ids over the pools. */
    static long mix(final long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package io.customertrack.nifi.customer;

import net.datafaker.Faker;

import java.text.Normalizer;
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
    private static final long FUTURE_EVENT_MICROS = 32503680000_000000L; // 3000-01-01T00:00:00Z

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

    /** Receives each generated event; values are in {@link CustomerField} order (customer_id as a Long). */
    @FunctionalInterface
    public interface EventSink {
        void accept(Object[] values) throws Exception;
    }

    /**
     * Generates {@code count} events into {@code sink}, updating {@code ids} as customers are created and deleted.
     * Percentages are of all records; updates and deletes need an existing customer and become inserts until one exists.
     */
    public void generate(final int count, final int updatePercent, final int deletePercent, final int invalidPercent,
                         final CustomerIdSpace ids, final SplittableRandom random, final long wallClockMicros,
                         final EventSink sink) throws Exception {
        for (int i = 0; i < count; i++) {
            final long eventMicros = ids.tick(wallClockMicros);
            final int roll = random.nextInt(100);
            final Object[] values;
            if (roll < invalidPercent) {
                values = invalidEvent(ids, random, eventMicros);
            } else if (roll < invalidPercent + updatePercent + deletePercent && ids.hasKnownIds()) {
                final long id = ids.pickKnownId(random);
                if (ids.isDeleted(id)) {
                    // A deleted customer who comes back registers again: a later INSERT opens a new version.
                    ids.markDeleted(id, false);
                    values = profile(id, "INSERT", eventMicros);
                } else if (roll < invalidPercent + updatePercent) {
                    values = update(id, random, eventMicros);
                } else {
                    ids.markDeleted(id, true);
                    values = delete(id, eventMicros);
                }
            } else {
                values = profile(ids.issue(), "INSERT", eventMicros);
            }
            sink.accept(values);
        }
    }

    /** The base profile of a customer: the same for the same seed and id, whenever it is generated. */
    Object[] profile(final long id, final String op, final long eventMicros) {
        final long hash = mix(seed ^ mix(id));
        final String first = firstNames[index(hash, 0, firstNames.length)];
        final String last = lastNames[index(hash, 10, lastNames.length)];
        return new Object[]{
                id, first, last,
                email(first, last, (int) ((hash >>> 20) & 0x3FF), domains[index(hash, 30, domains.length)]),
                streets[index(hash, 36, streets.length)],
                cities[index(hash, 46, cities.length)],
                states[index(hash, 54, states.length)],
                countries[(int) Math.floorMod(hash, (long) countries.length)],
                op, EventTimes.formatMicros(eventMicros)};
    }

    private Object[] update(final long id, final SplittableRandom random, final long eventMicros) {
        final Object[] values = profile(id, "UPDATE", eventMicros);
        final int change = random.nextInt(3);
        if (change != 1) { // new email address
            values[CustomerField.EMAIL.ordinal()] = email((String) values[1], (String) values[2], random.nextInt(10_000),
                    domains[random.nextInt(domains.length)]);
        }
        if (change != 0) { // moved house
            values[CustomerField.STREET.ordinal()] = streets[random.nextInt(streets.length)];
            values[CustomerField.CITY.ordinal()] = cities[random.nextInt(cities.length)];
            values[CustomerField.STATE.ordinal()] = states[random.nextInt(states.length)];
        }
        return values;
    }

    private static Object[] delete(final long id, final long eventMicros) {
        final Object[] values = new Object[CustomerField.values().length];
        values[CustomerField.CUSTOMER_ID.ordinal()] = id;
        values[CustomerField.OP.ordinal()] = "DELETE";
        values[CustomerField.UPDATED_AT.ordinal()] = EventTimes.formatMicros(eventMicros);
        return values;
    }

    private Object[] invalidEvent(final CustomerIdSpace ids, final SplittableRandom random, final long eventMicros) {
        // Invalid events never change the id space: the validator rejects them, so no customer is created or deleted.
        final long id = ids.hasKnownIds() ? ids.pickKnownId(random) : ids.peekNextId();
        final Object[] values = profile(id, "UPDATE", eventMicros);
        final InvalidKind kind = InvalidKind.values()[random.nextInt(InvalidKind.values().length)];
        switch (kind) {
            case BAD_EMAIL -> values[CustomerField.EMAIL.ordinal()] = ((String) values[CustomerField.EMAIL.ordinal()]).replace('@', ' ');
            case BLANK_FIRST_NAME -> values[CustomerField.FIRST_NAME.ordinal()] = " ";
            case UNKNOWN_OP -> values[CustomerField.OP.ordinal()] = "UPSERT";
            case UNPARSEABLE_TIME -> values[CustomerField.UPDATED_AT.ordinal()] = "yesterday at noon";
            case FUTURE_TIME -> values[CustomerField.UPDATED_AT.ordinal()] = EventTimes.formatMicros(FUTURE_EVENT_MICROS);
            case NEGATIVE_ID -> values[CustomerField.CUSTOMER_ID.ordinal()] = -id;
            case TOO_LONG -> values[CustomerField.LAST_NAME.ordinal()] = "X".repeat(CustomerField.LAST_NAME.maxLength() + 1);
            case CONTROL_CHARACTER -> values[CustomerField.CITY.ordinal()] = "Spring\u0007field"; // inside the value: readers trim the ends
        }
        return values;
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

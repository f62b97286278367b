package io.customertrack.nifi.customer;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.declaration.Rules;
import io.customertrack.declaration.ValueSource;
import io.customertrack.declaration.check.AttributeCheck;
import io.customertrack.declaration.check.EventTimes;
import io.customertrack.declaration.check.Violation;
import net.datafaker.Faker;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Prepares the generator's {@link ValueSupply} of every attribute from its {@code generate} source, once per
 * configuration. Every pool value passes the attribute's compiled checks, the validator's own, before it is used:
 * values the checks reject are dropped, and an attribute left without any value makes the configuration unusable.
 */
final class ValueSupplies {

    static final int POOL_SIZE = 1024;
    private static final int DOMAIN_POOL_SIZE = 64;

    private final CompiledDeclaration declaration;
    private final Locale locale;
    private final Faker faker;
    private final Random random;

    private ValueSupplies(final CompiledDeclaration declaration, final Locale locale, final long seed) {
        this.declaration = declaration;
        this.locale = locale;
        this.random = new Random(seed);
        this.faker = new Faker(locale, random);
    }

    /**
     * The supplies of every attribute, in declared order; the same for the same declaration, locale and seed.
     *
     * @throws DeclarationException naming the attribute when its source yields no value its checks accept
     */
    static ValueSupply[] build(final CompiledDeclaration declaration, final Locale locale, final long seed) {
        return new ValueSupplies(declaration, locale, seed).build();
    }

    private ValueSupply[] build() {
        final Declaration declared = declaration.declaration();
        final ValueSupply[] supplies = new ValueSupply[declaration.size()];
        for (int i = 0; i < supplies.length; i++) {
            supplies[i] = supply(declared.attributes().get(i), declaration.attribute(i));
        }
        return supplies;
    }

    private ValueSupply supply(final Attribute attribute, final AttributeCheck check) {
        final ValueSource source = attribute.generate() != null ? attribute.generate() : byType(attribute);
        final String where = "attribute '" + attribute.name() + "' generate";
        if (source.emailFrom() != null) {
            final Declaration declared = declaration.declaration();
            final int[] sources = source.emailFrom().stream().mapToInt(name -> declared.names().indexOf(name)).toArray();
            // The longest fallback address (below) must pass with every domain kept, so no event is ever without one.
            final String[] domains = accepted(where + " (domains)", pool(DOMAIN_POOL_SIZE, () -> faker.internet().domainName()),
                    domain -> check.check(ValueSupply.EmailFrom.fallback(ValueSupply.EmailFrom.CHECKED_NUMBER, domain), false, false, new ArrayList<>(1)) != null
                            ? domain : null);
            return new ValueSupply.EmailFrom(sources, domains, check);
        }
        final List<String> values;
        if (source.faker() != null) {
            // A provider method alone ("Address.city") reads better in a declaration, and inline in a NiFi property a
            // datafaker "#{...}" would be taken for a parameter reference.
            final String expression = source.faker().contains("#{") ? source.faker() : "#{" + source.faker() + "}";
            values = pool(POOL_SIZE, () -> faker.expression(expression));
        } else if (source.values() != null) {
            values = source.values();
        } else if (source.localeCountry()) {
            final String country = locale.getDisplayCountry(Locale.ENGLISH);
            values = country.isEmpty() ? pool(POOL_SIZE, () -> faker.address().country()) : List.of(country);
        } else {
            for (final String bound : source.between()) {
                final List<Violation> violations = new ArrayList<>(1);
                if (check.check(bound, false, false, violations) == null) {
                    throw new DeclarationException(where + ": between bound '" + bound + "' could never be accepted: it "
                            + violations.getFirst().message());
                }
            }
            values = between(attribute.type(), source.between(), where);
        }
        final String[] pool = accepted(where, values, value -> check.check(value, false, false, new ArrayList<>(1)));
        return new ValueSupply.Pool(pool, source.emptyPercent());
    }

    /** The values that {@code accept} maps to their accepted form; refuses the configuration when none is left. */
    private static String[] accepted(final String where, final List<String> values, final UnaryOperator<String> accept) {
        final List<String> accepted = new ArrayList<>(values.size());
        String rejected = null;
        for (final String value : values) {
            final String form = value == null ? null : accept.apply(value);
            if (form != null) {
                accepted.add(form);
            } else if (rejected == null) {
                rejected = value;
            }
        }
        if (accepted.isEmpty()) {
            throw new DeclarationException(where + ": none of its " + values.size() + " values passes the attribute's own checks"
                    + " (for example '" + rejected + "')");
        }
        return accepted.toArray(String[]::new);
    }

    /** A source for an attribute without one, from its type (and its oneOf values, when it has them). */
    private static ValueSource byType(final Attribute attribute) {
        final Rules rules = attribute.rules();
        final int emptyPercent = attribute.required() ? 0 : 10;
        if (rules.oneOf() != null) {
            return new ValueSource(null, rules.oneOf(), null, null, false, null, emptyPercent);
        }
        return switch (attribute.type()) {
            case AttributeType.Varchar ignored -> new ValueSource("#{Lorem.word}", null, null, null, false, null, emptyPercent);
            case AttributeType.Number number -> new ValueSource(null, null, numberRange(number, rules), null, false, null, emptyPercent);
            case AttributeType.Boolean ignored -> new ValueSource(null, List.of("true", "false"), null, null, false, null, emptyPercent);
            case AttributeType.Date ignored -> new ValueSource(null, null, List.of("1950-01-01", "2025-12-31"), null, false, null, emptyPercent);
            case AttributeType.TimestampNtz ignored ->
                    new ValueSource(null, null, List.of("2015-01-01T00:00:00Z", "2026-01-01T00:00:00Z"), null, false, null, emptyPercent);
        };
    }

    /** Within the rule's bounds where declared, else 0 to at most 1000 (and what the NUMBER holds). */
    private static List<String> numberRange(final AttributeType.Number number, final Rules rules) {
        final BigDecimal largest = BigDecimal.TEN.pow(number.precision() - number.scale()).subtract(BigDecimal.ONE.movePointLeft(number.scale()));
        final BigDecimal high = rules.max() != null ? rules.max() : largest.min(BigDecimal.valueOf(1000));
        final BigDecimal low = rules.min() != null ? rules.min() : BigDecimal.ZERO.min(high);
        return List.of(low.toPlainString(), high.toPlainString());
    }

    /** {@link #POOL_SIZE} values drawn uniformly between the two bounds (inclusive), as text the type check reads. */
    private List<String> between(final AttributeType type, final List<String> bounds, final String where) {
        try {
            return switch (type) {
                case AttributeType.Number number -> {
                    final BigInteger low = new BigDecimal(bounds.get(0)).setScale(number.scale(), RoundingMode.CEILING).unscaledValue();
                    final BigInteger high = new BigDecimal(bounds.get(1)).setScale(number.scale(), RoundingMode.FLOOR).unscaledValue();
                    yield pool(POOL_SIZE, () -> new BigDecimal(low.add(uniform(high.subtract(low))), number.scale()).toPlainString());
                }
                case AttributeType.Date ignored -> {
                    final long low = LocalDate.parse(bounds.get(0)).toEpochDay();
                    final long high = LocalDate.parse(bounds.get(1)).toEpochDay();
                    yield pool(POOL_SIZE, () -> LocalDate.ofEpochDay(low + uniform(high - low)).toString());
                }
                case AttributeType.TimestampNtz ignored -> {
                    final long low = micros(EventTimes.parse(bounds.get(0)));
                    final long high = micros(EventTimes.parse(bounds.get(1)));
                    yield pool(POOL_SIZE, () -> EventTimes.format(Instant.EPOCH.plus(low + uniform(high - low), ChronoUnit.MICROS)));
                }
                default -> throw new DeclarationException(where + ": between needs a NUMBER, DATE or TIMESTAMP_NTZ attribute");
            };
        } catch (final EventTimes.InvalidEventTimeException | RuntimeException e) {
            if (e instanceof DeclarationException declarationException) {
                throw declarationException;
            }
            throw new DeclarationException(where + ": between " + bounds + " are not two bounds of " + type.sql()
                    + ", lowest first: " + e.getMessage(), e);
        }
    }

    private long uniform(final long width) {
        if (width < 0) {
            throw new IllegalArgumentException("the first bound is above the second");
        }
        return width == Long.MAX_VALUE ? random.nextLong() & Long.MAX_VALUE : random.nextLong(width + 1);
    }

    private BigInteger uniform(final BigInteger width) {
        if (width.signum() < 0) {
            throw new IllegalArgumentException("the first bound is above the second");
        }
        BigInteger value;
        do {
            value = new BigInteger(width.bitLength(), random);
        } while (value.compareTo(width) > 0);
        return value;
    }

    private static long micros(final Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
    }

    private static List<String> pool(final int size, final Supplier<String> values) {
        final List<String> pool = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            pool.add(values.get());
        }
        return pool;
    }
}

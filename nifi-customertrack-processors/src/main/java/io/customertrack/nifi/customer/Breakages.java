package io.customertrack.nifi.customer;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Rules;
import io.customertrack.declaration.check.AttributeCheck;
import io.customertrack.declaration.check.EventTimes;
import io.customertrack.declaration.check.Rule;
import io.customertrack.declaration.check.Violation;
import io.customertrack.nifi.customer.FakeCustomerGenerator.Breakage;
import io.customertrack.nifi.customer.FakeCustomerGenerator.InvalidKind;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The ways GenerateFakeCustomer breaks records for a declaration. A kind about an attribute goes to the first attribute
 * it fits, and only with a value that the attribute's compiled checks reject for exactly that kind's reason: a kind the
 * declaration cannot express is never drawn.
 */
final class Breakages {

    private static final int LONGEST_TOO_LONG_VALUE = 4096;
    private static final Instant FUTURE_EVENT_TIME = Instant.parse("3000-01-01T00:00:00Z");

    private Breakages() {
    }

    static List<Breakage> of(final CompiledDeclaration declaration) {
        final List<Breakage> breakages = new ArrayList<>();
        add(breakages, declaration, InvalidKind.BAD_EMAIL, Rule.INVALID_SYNTAX, attribute -> attribute.rules().email() ? "someone at example.com" : null);
        add(breakages, declaration, InvalidKind.BLANK, Rule.REQUIRED, attribute -> attribute.required() ? " " : null);
        breakages.add(new Breakage(InvalidKind.UNKNOWN_OP, "op", "UPSERT"));
        breakages.add(new Breakage(InvalidKind.UNPARSEABLE_TIME, "updated_at", "yesterday at noon"));
        breakages.add(new Breakage(InvalidKind.FUTURE_TIME, "updated_at", EventTimes.format(FUTURE_EVENT_TIME)));
        breakages.add(new Breakage(InvalidKind.NEGATIVE_ID, "customer_id", null));
        add(breakages, declaration, InvalidKind.TOO_LONG, Rule.TOO_LONG, Breakages::tooLong);
        // Inside the value: readers trim the ends.
        add(breakages, declaration, InvalidKind.CONTROL_CHARACTER, Rule.CONTROL_CHARACTER,
                attribute -> attribute.rules().noControlCharacters() ? "Spring\u0007field" : null);
        add(breakages, declaration, InvalidKind.PATTERN_MISMATCH, Rule.PATTERN_MISMATCH, attribute -> attribute.rules().pattern() != null ? "!" : null);
        add(breakages, declaration, InvalidKind.NOT_ONE_OF, Rule.NOT_ONE_OF, Breakages::notOneOf);
        add(breakages, declaration, InvalidKind.OUT_OF_RANGE, Rule.OUT_OF_RANGE, Breakages::outOfRange);
        return List.copyOf(breakages);
    }

    private interface Candidate {
        /** A value meant to break the attribute for the kind's reason, or null when the kind does not fit it. */
        String value(Attribute attribute);
    }

    /**
     * Adds the kind for the first attribute whose candidate value its checks reject for {@code reason}. The bad e-mail
     * address is made of the record's own address when it has one (its value is left null here to say so).
     */
    private static void add(final List<Breakage> breakages, final CompiledDeclaration declaration, final InvalidKind kind,
                            final Rule reason, final Candidate candidate) {
        for (int i = 0; i < declaration.size(); i++) {
            final Attribute attribute = declaration.declaration().attributes().get(i);
            final String value = candidate.value(attribute);
            if (value != null && rejectedFor(declaration.attribute(i), value, reason)) {
                breakages.add(new Breakage(kind, attribute.name(), kind == InvalidKind.BAD_EMAIL ? null : value));
                return;
            }
        }
    }

    private static boolean rejectedFor(final AttributeCheck check, final String value, final Rule reason) {
        final List<Violation> violations = new ArrayList<>(1);
        return check.check(value, false, false, violations) == null && !violations.isEmpty() && violations.getFirst().rule() == reason;
    }

    private static String tooLong(final Attribute attribute) {
        if (!(attribute.type() instanceof AttributeType.Varchar varchar)) {
            return null;
        }
        final int limit = attribute.rules().maxLength() != null ? attribute.rules().maxLength() : varchar.length();
        return limit < LONGEST_TOO_LONG_VALUE ? "X".repeat(limit + 1) : null;
    }

    /** A short value of the attribute's type that its oneOf list lacks (the check decides whether it is only that). */
    private static String notOneOf(final Attribute attribute) {
        final Rules rules = attribute.rules();
        if (rules.oneOf() == null) {
            return null;
        }
        for (final String candidate : List.of("X", "x", "0", "1", "XX", "-1", "ZZZ")) {
            if (!rules.oneOf().contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** One below the minimum, or one above the maximum. */
    private static String outOfRange(final Attribute attribute) {
        final Rules rules = attribute.rules();
        if (rules.min() != null) {
            return rules.min().subtract(BigDecimal.ONE).toPlainString();
        }
        return rules.max() == null ? null : rules.max().add(BigDecimal.ONE).toPlainString();
    }
}

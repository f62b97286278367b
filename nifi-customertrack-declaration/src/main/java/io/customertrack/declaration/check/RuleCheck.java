package io.customertrack.declaration.check;


import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One declared rule, compiled: judges a value already in its type's canonical text. Null when the value keeps the
 * rule, else the violation (the message names the rule, and quotes the value only where it is not personal text).
 */
sealed interface RuleCheck {

    Violation check(String field, String value);

    /** At most {@code length} characters, in code points. */
    record MaxLength(int length) implements RuleCheck {
        @Override
        public Violation check(final String field, final String value) {
            final int characters = value.length() > length ? value.codePointCount(0, value.length()) : value.length();
            return characters <= length ? null
                    : new Violation(field, Rule.TOO_LONG, "has " + characters + " characters, more than the " + length + " its rule allows");
        }
    }

    /** The practical address syntax of {@link EmailSyntax#isEmailAddress}. */
    record Email() implements RuleCheck {
        @Override
        public Violation check(final String field, final String value) {
            return EmailSyntax.isEmailAddress(value) ? null
                    : new Violation(field, Rule.INVALID_SYNTAX, "is not a syntactically valid address: '" + TypeCheck.abbreviate(value) + "'");
        }
    }

    /**
     * The whole value matches a regular expression. The value's length is already bounded by its VARCHAR; how the
     * expression behaves on hostile input is the declaration's to keep simple. Java's matcher recurses on some
     * patterns ((a|b)* and the like) once per character: a long value can exhaust the stack, which is then a value the
     * pattern cannot be shown to match, not an error that would send the whole FlowFile back for ever.
     */
    record Matches(Pattern pattern) implements RuleCheck {
        @Override
        public Violation check(final String field, final String value) {
            boolean matches;
            try {
                matches = pattern.matcher(value).matches();
            } catch (final StackOverflowError e) {
                matches = false;
            }
            return matches ? null : new Violation(field, Rule.PATTERN_MISMATCH, "does not match the pattern " + pattern.pattern());
        }
    }

    /** One of the declared values, compared in canonical text (so NUMBER values compare as numbers). */
    record OneOf(Set<String> values, List<String> declared) implements RuleCheck {
        @Override
        public Violation check(final String field, final String value) {
            return values.contains(value) ? null
                    : new Violation(field, Rule.NOT_ONE_OF, "is not one of " + String.join(", ", declared));
        }
    }

    /** Within [min, max], either bound optional (NUMBER). */
    record Range(BigDecimal min, BigDecimal max) implements RuleCheck {
        @Override
        public Violation check(final String field, final String value) {
            final BigDecimal number = new BigDecimal(value);
            if (min != null && number.compareTo(min) < 0 || max != null && number.compareTo(max) > 0) {
                return new Violation(field, Rule.OUT_OF_RANGE, "is " + value + ", outside "
                        + (min == null ? "(-inf" : "[" + min.toPlainString()) + ", " + (max == null ? "+inf)" : max.toPlainString() + "]"));
            }
            return null;
        }
    }
}

package io.customertrack.declaration.check;

import io.customertrack.declaration.AttributeType;

import java.time.Instant;
import java.util.List;

/**
 * What a declared type accepts: each check turns a value into its canonical text (what the CSV carries) or reports why
 * the Snowflake column would not take it. Every value a check accepts loads into the type's column unchanged; the
 * forms are deliberately narrower than what Snowflake itself would coerce, so that a value means the same everywhere.
 */
public sealed interface TypeCheck {

    /**
     * Earliest and latest year of DATE and TIMESTAMP_NTZ values. Snowflake recommends years 1582 to 9999 (before 1582
     * the Gregorian calendar it assumes was not in use); four digits end at 9999 in any case.
     */
    int EARLIEST_YEAR = 1582;
    int LATEST_YEAR = 9999;

    /** The canonical text of {@code value}, or null after adding a violation of {@code field} to {@code violations}. */
    String canonical(String field, String value, List<Violation> violations);

    static TypeCheck of(final AttributeType type) {
        return switch (type) {
            case AttributeType.Varchar varchar -> new VarcharCheck(varchar.length());
            case AttributeType.Number number -> new NumberCheck(number.precision(), number.scale());
            case AttributeType.Boolean ignored -> new BooleanCheck();
            case AttributeType.Date ignored -> new DateCheck();
            case AttributeType.TimestampNtz ignored -> new TimestampCheck();
        };
    }

    /**
     * Text of at most {@code length} characters, counted in code points as Snowflake counts them; kept as it is. A
     * surrogate without its pair is refused: no UTF-8 encodes it, so the value would not arrive as sent. A VARCHAR holds
     * at most {@value #MAX_BYTES} bytes whatever its length: when the declared length allows more characters than a
     * quarter of that (a character takes up to 4 bytes of UTF-8), a value of more bytes is refused too.
     */
    record VarcharCheck(int length) implements TypeCheck {
        /** The most a Snowflake VARCHAR holds, in bytes of UTF-8 (16 MB). */
        public static final int MAX_BYTES = 16_777_216;

        @Override
        public String canonical(final String field, final String value, final List<Violation> violations) {
            int characters = 0;
            for (int i = 0; i < value.length(); i++, characters++) {
                final char c = value.charAt(i);
                if (Character.isSurrogate(c)) {
                    if (!Character.isHighSurrogate(c) || i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
                        violations.add(new Violation(field, Rule.INVALID_ENCODING, "contains a UTF-16 surrogate without its pair at position "
                                + i + ", which no UTF-8 text can carry"));
                        return null;
                    }
                    i++;
                }
            }
            if (characters > length) {
                violations.add(new Violation(field, Rule.TOO_LONG,
                        "has " + characters + " characters, more than the " + length + " the column holds"));
                return null;
            }
            // A UTF-16 char takes at most 3 bytes of UTF-8 (a surrogate pair, two chars, takes 4): shorter text always fits.
            if (length > MAX_BYTES / 4 && value.length() > MAX_BYTES / 3) {
                final long bytes = utf8Bytes(value);
                if (bytes > MAX_BYTES) {
                    violations.add(new Violation(field, Rule.TOO_LONG,
                            "has " + bytes + " bytes in UTF-8, more than the " + MAX_BYTES + " bytes a Snowflake VARCHAR holds"));
                    return null;
                }
            }
            return value;
        }

        /** The length of a text's UTF-8 encoding (its surrogates already known to come in pairs). */
        private static long utf8Bytes(final String value) {
            long bytes = 0;
            for (int i = 0; i < value.length(); i++) {
                final char c = value.charAt(i);
                bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
            }
            return bytes;
        }
    }

    /**
     * A plain decimal: an optional '-', at least one digit, optionally '.' and at least one fraction digit. No '+', no
     * exponent, no thousands separator, no NaN or infinity, no surrounding spaces (Normalize Values trims them). Leading
     * zeros and trailing fraction zeros do not count as digits. Canonical: no leading zeros, no trailing fraction zeros,
     * no point without a fraction, no sign on zero ({@code -007.50} is {@code -7.5}, {@code -0.0} is {@code 0}).
     */
    record NumberCheck(int precision, int scale) implements TypeCheck {
        @Override
        public String canonical(final String field, final String value, final List<Violation> violations) {
            final int length = value.length();
            final boolean negative = value.charAt(0) == '-';
            final int integerStart = negative ? 1 : 0;
            int i = digitsFrom(value, integerStart);
            final int integerEnd = i;
            int fractionStart = i;
            int fractionEnd = i;
            if (i < length && value.charAt(i) == '.') {
                fractionStart = i + 1;
                i = digitsFrom(value, fractionStart);
                fractionEnd = i;
            }
            final boolean pointWithoutDigits = fractionStart > integerEnd && fractionEnd == fractionStart;
            if (i != length || integerEnd == integerStart || pointWithoutDigits) {
                violations.add(new Violation(field, Rule.NOT_A_NUMBER, "is not a plain decimal number such as -1234.56 (digits, "
                        + "optionally a leading '-' and a '.' with fraction digits; no '+', exponent or spaces): '" + abbreviate(value) + "'"));
                return null;
            }
            int significantStart = integerStart;
            while (significantStart < integerEnd && value.charAt(significantStart) == '0') {
                significantStart++;
            }
            int significantEnd = fractionEnd;
            while (significantEnd > fractionStart && value.charAt(significantEnd - 1) == '0') {
                significantEnd--;
            }
            final int integerDigits = integerEnd - significantStart;
            final int fractionDigits = Math.max(0, significantEnd - fractionStart);
            if (integerDigits > precision - scale || fractionDigits > scale) {
                violations.add(new Violation(field, Rule.TOO_MANY_DIGITS, "has " + integerDigits + " digit(s) before the point and "
                        + fractionDigits + " after, more than the " + (precision - scale) + " and " + scale + " NUMBER("
                        + precision + "," + scale + ") holds: '" + abbreviate(value) + "'"));
                return null;
            }
            final boolean zero = integerDigits == 0 && fractionDigits == 0;
            if (zero) {
                return "0";
            }
            final boolean alreadyCanonical = significantStart == integerStart && integerDigits > 0
                    && (fractionDigits > 0 ? significantEnd == length : integerEnd == length);
            if (alreadyCanonical) {
                return value;
            }
            final StringBuilder canonical = new StringBuilder(length);
            if (negative) {
                canonical.append('-');
            }
            if (integerDigits == 0) {
                canonical.append('0');
            } else {
                canonical.append(value, significantStart, integerEnd);
            }
            if (fractionDigits > 0) {
                canonical.append('.').append(value, fractionStart, significantEnd);
            }
            return canonical.toString();
        }

        private static int digitsFrom(final String value, final int start) {
            int i = start;
            while (i < value.length() && value.charAt(i) >= '0' && value.charAt(i) <= '9') {
                i++;
            }
            return i;
        }
    }

    /** {@code true} or {@code false} in any case; canonical lower-case. Snowflake's other spellings (yes, on, 1, t...) are refused. */
    record BooleanCheck() implements TypeCheck {
        @Override
        public String canonical(final String field, final String value, final List<Violation> violations) {
            if ("true".equalsIgnoreCase(value)) {
                return "true";
            }
            if ("false".equalsIgnoreCase(value)) {
                return "false";
            }
            violations.add(new Violation(field, Rule.NOT_A_BOOLEAN, "must be true or false but was '" + abbreviate(value) + "'"));
            return null;
        }
    }

    /** ISO {@code yyyy-MM-dd}, a day that exists, in the years {@value #EARLIEST_YEAR} to {@value #LATEST_YEAR}; kept as it is. */
    record DateCheck() implements TypeCheck {
        @Override
        public String canonical(final String field, final String value, final List<Violation> violations) {
            final int year = value.length() == 10 && value.charAt(4) == '-' && value.charAt(7) == '-' ? digits(value, 0, 4) : -1;
            final int month = year < 0 ? -1 : digits(value, 5, 2);
            final int day = month < 0 ? -1 : digits(value, 8, 2);
            if (day < 0 || month < 1 || month > 12 || day < 1 || day > EventTimes.lengthOfMonth(year, month)) {
                violations.add(new Violation(field, Rule.NOT_A_DATE, "is not a date of the form yyyy-MM-dd that exists: '"
                        + abbreviate(value) + "'"));
                return null;
            }
            if (year < EARLIEST_YEAR) {
                violations.add(new Violation(field, Rule.OUT_OF_RANGE, "is " + value + ", before the year " + EARLIEST_YEAR
                        + " (Snowflake dates are Gregorian)"));
                return null;
            }
            return value;
        }

        private static int digits(final String text, final int start, final int count) {
            int number = 0;
            for (int i = start; i < start + count; i++) {
                final char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                number = number * 10 + (c - '0');
            }
            return number;
        }
    }

    /**
     * An ISO-8601 time as updated_at takes it ({@link EventTimes#parse}), in the years {@value #EARLIEST_YEAR} to
     * {@value #LATEST_YEAR} UTC; canonical in {@link EventTimes#format}'s UTC form with microseconds.
     */
    record TimestampCheck() implements TypeCheck {
        private static final Instant EARLIEST = Instant.parse(EARLIEST_YEAR + "-01-01T00:00:00Z");
        private static final Instant AFTER_LATEST = Instant.parse(LATEST_YEAR + "-12-31T23:59:59.999999999Z");

        @Override
        public String canonical(final String field, final String value, final List<Violation> violations) {
            final Instant time;
            try {
                time = EventTimes.parse(value);
            } catch (final EventTimes.InvalidEventTimeException e) {
                violations.add(new Violation(field, Rule.NOT_A_TIMESTAMP, e.getMessage() + ": '" + abbreviate(value) + "'"));
                return null;
            }
            if (time.isBefore(EARLIEST) || time.isAfter(AFTER_LATEST)) {
                violations.add(new Violation(field, Rule.OUT_OF_RANGE, "is " + value + ", outside the years " + EARLIEST_YEAR
                        + " to " + LATEST_YEAR + " UTC"));
                return null;
            }
            return EventTimes.format(time);
        }
    }

    /** A value short enough to quote in a message. */
    static String abbreviate(final String value) {
        return value.length() <= 64 ? value : value.substring(0, 61) + "...";
    }
}

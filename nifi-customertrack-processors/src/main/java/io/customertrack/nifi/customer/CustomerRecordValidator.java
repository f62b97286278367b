package io.customertrack.nifi.customer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Record-level rules for customer change events. Pure Java so the rules can be tested without NiFi,
 * and so the processor stays a thin adapter between record readers/writers and these rules.
 */
public final class CustomerRecordValidator {

    /** Earliest event time accepted: anything older is a broken clock or a mangled value, not a customer event. */
    static final Instant EARLIEST_EVENT_TIME = Instant.parse("1900-01-01T00:00:00Z");
    private static final long EARLIEST_EVENT_MICROS = ChronoUnit.MICROS.between(Instant.EPOCH, EARLIEST_EVENT_TIME);
    private static final char[] EARLIEST_EVENT_TEXT = EventTimes.formatMicros(EARLIEST_EVENT_MICROS).toCharArray();
    /**
     * The merge (sql/04) reads a version whose valid_to is 9999-12-31 00:00:00 as still open: an event at or after it
     * would lose its meaning (a DELETE there would be taken for no DELETE). The latest accepted time is just before.
     */
    static final Instant MERGE_OPEN_VERSION_SENTINEL = Instant.parse("9999-12-31T00:00:00Z");
    private static final long LATEST_EVENT_MICROS = ChronoUnit.MICROS.between(Instant.EPOCH, MERGE_OPEN_VERSION_SENTINEL) - 1;
    private static final char[] NO_EVENT_TIME = new char[0];
    private static final int MAX_COLUMN_LENGTH = Arrays.stream(CustomerField.values()).mapToInt(CustomerField::maxLength).max().orElseThrow();

    /** CustomerField.values() copies the array on every call; this runs for every record. */
    private static final CustomerField[] FIELDS = CustomerField.values();
    private static final String LOCAL_PART_SYMBOLS = "!#$%&'*+/=?^_`{|}~-";
    /** ASCII characters allowed in an address's local part (besides dots) and in its domain labels, by code. */
    private static final boolean[] LOCAL_PART_CHARACTERS = asciiTable(LOCAL_PART_SYMBOLS);
    private static final boolean[] DOMAIN_CHARACTERS = asciiTable("-");

    // Violation codes: stable (they are counted in the validation.errors attribute), one per rule.
    private static final String UNEXPECTED_FIELD = "unexpected_field";
    private static final String REQUIRED = "required";
    private static final String INVALID_ENCODING = "invalid_encoding";
    private static final String CONTROL_CHARACTER = "control_character";
    private static final String TOO_LONG = "too_long";
    private static final String NOT_POSITIVE_INTEGER = "not_positive_integer";
    private static final String INVALID_SYNTAX = "invalid_syntax";
    private static final String UNKNOWN_OPERATION = "unknown";
    private static final String UNPARSEABLE = "unparseable";
    private static final String IN_FUTURE = "in_future";
    private static final String TOO_OLD = "too_old";
    private static final String AT_MERGE_SENTINEL = "at_merge_sentinel";

    /** One broken rule on one field. {@code code} is stable (for counting); {@code message} is for people. */
    public record Violation(String field, String code, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }

        /** Key used to summarise violations over a FlowFile, e.g. {@code email.invalid_syntax}. */
        public String summaryKey() {
            return field + "." + code;
        }
    }

    /**
     * Outcome for one record: the values in {@link CustomerField} order (normalised if asked, accepted ones in their
     * canonical form; a copy, never the caller's array) and the violations.
     */
    public record Result(String[] values, List<Violation> violations) {
        public boolean isValid() {
            return violations.isEmpty();
        }

        /** All violations of the record in one line, the form written to the {@code validation_errors} field. */
        public String describeViolations() {
            final StringBuilder description = new StringBuilder();
            for (final Violation violation : violations) {
                if (!description.isEmpty()) {
                    description.append("; ");
                }
                description.append(violation);
            }
            return description.toString();
        }
    }

    private final Duration maxFutureSkew;
    private final long maxFutureSkewMillis;
    private final boolean normalize;
    private final Clock clock;
    /** Where {@link #isEverydayRecord} copies the value it checks; long enough for any value within its column size. */
    private final char[] scratch = new char[MAX_COLUMN_LENGTH];
    private char[] latestAcceptedText;
    private long latestAcceptedAtMillis;

    /**
     * @param maxFutureSkew how far past the validator's clock an event time may lie
     * @param normalize     trim every value, lower-case the email and upper-case the operation before checking
     * @param clock         source of "now" for the future-skew rule
     */
    public CustomerRecordValidator(final Duration maxFutureSkew, final boolean normalize, final Clock clock) {
        this.maxFutureSkew = maxFutureSkew;
        this.maxFutureSkewMillis = maxFutureSkew.toMillis();
        this.normalize = normalize;
        this.clock = clock;
    }

    /**
     * Whether the record passes every rule exactly as it is: no violation, and no value that {@link #validate} would
     * normalise or rewrite into its canonical form. This is the common case, answered without allocating anything;
     * {@code false} only means "ask {@link #validate} for the details". Always false while values are normalised.
     * Not thread-safe: it copies values into one scratch buffer of this validator.
     *
     * @param rawValues        the record's values in {@link CustomerField} order, null where absent; not modified
     * @param unexpectedFields names of fields the record carries, with a value, that are not customer fields
     */
    public boolean acceptsUnchanged(final String[] rawValues, final Collection<String> unexpectedFields) {
        if (normalize || !unexpectedFields.isEmpty()) {
            return false;
        }
        if (isEverydayRecord(rawValues)) {
            return true;
        }
        // The rule walk of validate, stopping at the first value that breaks a rule or would be rewritten.
        final boolean isDelete = "DELETE".equals(rawValues[CustomerField.OP.ordinal()]);
        for (final CustomerField field : FIELDS) {
            final String value = rawValues[field.ordinal()];
            if (isDelete && !field.requiredForDelete() && (value == null || value.isBlank())) {
                continue; // as in checkFields
            }
            if (problem(field, value) != null || canonical(field, value) != value) {
                return false;
            }
        }
        return true;
    }

    /**
     * A yes only for a record that every rule accepts unchanged, written out field by field for the shapes nearly every
     * record has: an id of up to 18 digits without leading zeros, text without control characters, an address, an
     * event time already in the canonical form, and for a DELETE, optional fields that are absent or empty. A no means
     * "not sure": the rule walk decides. This runs for every record, so the checks work on a copy of each value in a
     * char array (String.charAt checks the string's coder and the index on every character) and accumulate with OR
     * rather than branching on every character; a negative accumulator means a character was out of range.
     */
    private boolean isEverydayRecord(final String[] values) {
        final String op = values[CustomerField.OP.ordinal()];
        final boolean delete = "DELETE".equals(op);
        return ("INSERT".equals(op) || "UPDATE".equals(op) || delete)
                && isEverydayId(values[CustomerField.CUSTOMER_ID.ordinal()])
                && isEverydayText(values[CustomerField.FIRST_NAME.ordinal()], CustomerField.FIRST_NAME, delete)
                && isEverydayText(values[CustomerField.LAST_NAME.ordinal()], CustomerField.LAST_NAME, delete)
                && isEverydayEmail(values[CustomerField.EMAIL.ordinal()], delete)
                && isEverydayText(values[CustomerField.STREET.ordinal()], CustomerField.STREET, delete)
                && isEverydayText(values[CustomerField.CITY.ordinal()], CustomerField.CITY, delete)
                && isEverydayText(values[CustomerField.STATE.ordinal()], CustomerField.STATE, delete)
                && isEverydayText(values[CustomerField.COUNTRY.ordinal()], CustomerField.COUNTRY, delete)
                && isEverydayEventTime(values[CustomerField.UPDATED_AT.ordinal()]);
    }

    private boolean isEverydayId(final String value) {
        if (value == null || value.isEmpty() || value.length() > 18 || value.charAt(0) == '0') {
            return false; // 19 digits may exceed Long.MAX_VALUE; leading zeros are rewritten
        }
        final int length = value.length();
        value.getChars(0, length, scratch, 0);
        int outside = 0;
        for (int i = 0; i < length; i++) {
            final int c = scratch[i];
            outside |= (c - '0') | ('9' - c);
        }
        return outside >= 0;
    }

    /** Free text: printable ASCII, or else the exact rule (so accented names stay on this path). */
    private boolean isEverydayText(final String value, final CustomerField field, final boolean optional) {
        if (value == null || value.isEmpty()) {
            return optional;
        }
        final int length = value.length();
        if (length > field.maxLength()) {
            return false;
        }
        value.getChars(0, length, scratch, 0);
        return isPrintableAscii(scratch, length) || !value.isBlank() && firstNonPlainCharacter(value) < 0;
    }

    private boolean isEverydayEmail(final String value, final boolean optional) {
        if (value == null || value.isEmpty()) {
            return optional;
        }
        final int length = value.length();
        if (length > CustomerField.EMAIL.maxLength()) {
            return false;
        }
        value.getChars(0, length, scratch, 0);
        return isEmailAddress(scratch, length); // ASCII syntax: not blank, no control characters
    }

    private boolean isEverydayEventTime(final String value) {
        if (value == null || !EventTimes.isCanonicalLength(value)) {
            return false;
        }
        final int length = value.length();
        value.getChars(0, length, scratch, 0);
        return EventTimes.isCanonicalForm(scratch, length) && isWithinEventTimeRange(scratch);
    }

    /** ' ' to '~' only (so no control characters and no U+FFFD), and not only spaces. */
    private static boolean isPrintableAscii(final char[] chars, final int length) {
        int outside = 0;
        int nonSpace = 0;
        for (int i = 0; i < length; i++) {
            final int c = chars[i];
            outside |= (c - ' ') | ('~' - c);
            nonSpace |= c - ' ';
        }
        return outside >= 0 && nonSpace != 0;
    }

    /**
     * Whether a canonical event time lies within [{@link #EARLIEST_EVENT_TIME}, now + skew]. Canonical times have a
     * fixed width and a four-digit year, so their text sorts as their instants do: two array comparisons, no parsing.
     */
    private boolean isWithinEventTimeRange(final char[] canonicalTime) {
        final char[] latest = latestAcceptedEventTime();
        final int length = EARLIEST_EVENT_TEXT.length;
        return latest != null && Arrays.compare(canonicalTime, 0, length, EARLIEST_EVENT_TEXT, 0, length) >= 0
                && Arrays.compare(canonicalTime, 0, length, latest, 0, length) <= 0;
    }

    /**
     * The latest event time accepted now, in canonical form, recomputed only when the clock has moved (a FlowFile's
     * validator has a fixed clock). Null when no canonical time can be accepted; never later than the last time before
     * the merge's open-version sentinel.
     */
    private char[] latestAcceptedEventTime() {
        final long nowMillis = clock.millis();
        if (latestAcceptedText == null || nowMillis != latestAcceptedAtMillis) {
            final long limitMicros = (nowMillis + maxFutureSkewMillis) * 1000L; // the bound eventTimeProblem applies
            latestAcceptedText = limitMicros < EARLIEST_EVENT_MICROS ? NO_EVENT_TIME
                    : limitMicros >= LATEST_EVENT_MICROS ? EventTimes.formatMicros(LATEST_EVENT_MICROS).toCharArray()
                    : EventTimes.formatMicros(limitMicros).toCharArray();
            latestAcceptedAtMillis = nowMillis;
        }
        return latestAcceptedText == NO_EVENT_TIME ? null : latestAcceptedText;
    }

    /**
     * Validates one record.
     *
     * @param rawValues        the record's values in {@link CustomerField} order, null where absent; not modified
     * @param unexpectedFields names of fields the record carries, with a value, that are not customer fields
     */
    public Result validate(final String[] rawValues, final Collection<String> unexpectedFields) {
        final String[] values = rawValues.clone();
        if (normalize) {
            for (final CustomerField field : FIELDS) {
                values[field.ordinal()] = normalize(field, values[field.ordinal()]);
            }
        }

        final List<Violation> violations = new ArrayList<>(0);
        for (final String unexpected : unexpectedFields) {
            violations.add(new Violation(unexpected, UNEXPECTED_FIELD,
                    "is not a customer field (the record has more values than the customer schema)"));
        }
        checkFields(values, violations);
        return new Result(values, violations);
    }

    /**
     * The field rules: every broken rule is added to {@code violations}, and accepted values are rewritten in place to
     * their canonical form (the id without leading zeros, the event time in UTC with six fraction digits).
     */
    private void checkFields(final String[] values, final List<Violation> violations) {
        final boolean isDelete = "DELETE".equals(values[CustomerField.OP.ordinal()]);
        for (final CustomerField field : FIELDS) {
            final String value = values[field.ordinal()];
            if (isDelete && !field.requiredForDelete() && (value == null || value.isBlank())) {
                continue; // a DELETE needs only its key, operation and event time
            }
            final String problem = problem(field, value);
            if (problem != null) {
                violations.add(new Violation(field.columnName(), problem, describe(field, problem, value)));
            } else {
                values[field.ordinal()] = canonical(field, value);
            }
        }
    }

    /** The rule {@code value} breaks, as its violation code, or null when it passes. Builds no message. */
    private String problem(final CustomerField field, final String value) {
        if (value == null || value.isBlank()) {
            return REQUIRED;
        }
        // Fields with a syntax of their own (id, email, op, time) reject every other character through it.
        if (field.isFreeText()) {
            final int at = firstNonPlainCharacter(value);
            if (at >= 0) {
                return value.charAt(at) == '\uFFFD' ? INVALID_ENCODING : CONTROL_CHARACTER;
            }
        }
        if (value.length() > field.maxLength()) {
            return TOO_LONG;
        }
        return switch (field) {
            case CUSTOMER_ID -> isPositiveInteger(value) ? null : NOT_POSITIVE_INTEGER;
            case EMAIL -> isEmailAddress(value) ? null : INVALID_SYNTAX;
            case OP -> "UPDATE".equals(value) || "INSERT".equals(value) || "DELETE".equals(value) ? null : UNKNOWN_OPERATION;
            case UPDATED_AT -> eventTimeProblem(EventTimes.tryParseMicros(value));
            default -> null;
        };
    }

    /** The canonical form of a value that passed its rules: the same instance when it already is canonical. */
    private static String canonical(final CustomerField field, final String value) {
        return switch (field) {
            case CUSTOMER_ID -> value.charAt(0) == '0' ? Long.toString(Long.parseLong(value)) : value; // leading zeros
            case UPDATED_AT -> EventTimes.isCanonical(value) ? value : EventTimes.formatMicros(EventTimes.tryParseMicros(value));
            default -> value;
        };
    }

    /** The message for people that goes with a violation code. */
    private String describe(final CustomerField field, final String problem, final String value) {
        return switch (problem) {
            case REQUIRED -> value == null ? "is missing" : "is blank";
            case INVALID_ENCODING -> "contains bytes that are not valid in the input character set (U+FFFD at position "
                    + firstNonPlainCharacter(value) + ")";
            case CONTROL_CHARACTER -> {
                final int at = firstNonPlainCharacter(value);
                yield "contains control character U+" + hex4(value.charAt(at)) + " at position " + at;
            }
            case TOO_LONG -> "has " + value.length() + " characters, more than the " + field.maxLength() + " the column holds";
            case NOT_POSITIVE_INTEGER -> "must be a positive integer no larger than " + Long.MAX_VALUE + " but was '" + abbreviate(value) + "'";
            case INVALID_SYNTAX -> "is not a syntactically valid address: '" + abbreviate(value) + "'";
            case UNKNOWN_OPERATION -> "must be INSERT, UPDATE or DELETE but was '" + abbreviate(value) + "'";
            case UNPARSEABLE -> "is not an ISO-8601 timestamp such as 2026-01-31T12:00:00.000000Z: '" + abbreviate(value) + "'";
            case IN_FUTURE -> "is " + value + ", later than now plus the allowed clock skew of " + maxFutureSkew;
            case TOO_OLD -> "is " + value + ", before " + EARLIEST_EVENT_TIME;
            case AT_MERGE_SENTINEL -> "is " + value + ", at or after " + MERGE_OPEN_VERSION_SENTINEL
                    + ", which the merge reserves for versions still open";
            default -> throw new IllegalArgumentException("no message for " + problem);
        };
    }

    private static String normalize(final CustomerField field, final String value) {
        if (value == null) {
            return value;
        }
        final String trimmed = value.strip();
        return switch (field) {
            case EMAIL -> trimmed.toLowerCase(Locale.ROOT);
            case OP -> trimmed.toUpperCase(Locale.ROOT);
            default -> trimmed;
        };
    }

    /** Position of the first control character or U+FFFD (what a reader puts for undecodable bytes), or -1. */
    private static int firstNonPlainCharacter(final String value) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '\uFFFD' || Character.isISOControl(c)) {
                return i;
            }
        }
        return -1;
    }

    private static String hex4(final char c) {
        final String hex = Integer.toHexString(c).toUpperCase(Locale.ROOT);
        return "0000".substring(hex.length()) + hex;
    }

    /** Digits only (leading zeros allowed), greater than zero and no larger than Long.MAX_VALUE. */
    private static boolean isPositiveInteger(final String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        try {
            return value.length() <= 19 && Long.parseLong(value) > 0;
        } catch (final NumberFormatException e) {
            return false; // 19 digits beyond Long.MAX_VALUE
        }
    }

    /**
     * Practical address syntax: an RFC 5322 dot-atom local part of at most 64 characters, '@', then at least two
     * LDH labels (1-63 characters, no leading or trailing hyphen) ending in an alphabetic top-level domain.
     * A linear scan rather than a regex: it runs for every record and must stay linear on hostile input.
     */
    static boolean isEmailAddress(final String value) {
        return isEmailAddress(value.toCharArray(), value.length());
    }

    /** {@link #isEmailAddress(String)} on the first {@code length} characters of {@code value}. */
    private static boolean isEmailAddress(final char[] value, final int length) {
        int at = -1;
        char previous = '.';
        for (int i = 0; i < length; i++) {
            final char c = value[i];
            if (c == '@') {
                at = i;
                break;
            }
            if (c == '.') {
                if (previous == '.') {
                    return false; // leading dot or two dots in a row
                }
            } else if (c >= 128 || !LOCAL_PART_CHARACTERS[c]) {
                return false;
            }
            previous = c;
        }
        if (at < 1 || at > 64 || previous == '.') {
            return false;
        }
        // Domain, in the same single pass: LDH labels separated by dots. A second '@' or any other character fails.
        int labels = 0;
        int labelLength = 0;
        char labelFirst = 0;
        char labelLast = 0;
        boolean labelAlphabetic = true;
        for (int i = at + 1; i <= length; i++) {
            final char c = i == length ? '.' : value[i];
            if (c == '.') {
                if (labelLength < 1 || labelLength > 63 || labelFirst == '-' || labelLast == '-') {
                    return false;
                }
                if (i == length) {
                    return labels >= 1 && labelLength >= 2 && labelAlphabetic; // two labels or more, alphabetic TLD
                }
                labels++;
                labelLength = 0;
                labelAlphabetic = true;
            } else if (c >= 128 || !DOMAIN_CHARACTERS[c]) {
                return false;
            } else {
                if (labelLength == 0) {
                    labelFirst = c;
                }
                labelLast = c;
                labelLength++;
                labelAlphabetic &= (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            }
        }
        return false; // not reached: the loop returns when i == length
    }

    private static boolean[] asciiTable(final String symbols) {
        final boolean[] table = new boolean[128];
        for (char c = 0; c < 128; c++) {
            table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || symbols.indexOf(c) >= 0;
        }
        return table;
    }

    /** Why an event time is rejected, as a violation code, or null when it is accepted. */
    private String eventTimeProblem(final long eventMicros) {
        if (eventMicros == Long.MIN_VALUE) {
            return UNPARSEABLE;
        }
        if (eventMicros > LATEST_EVENT_MICROS) {
            return AT_MERGE_SENTINEL;
        }
        if (eventMicros > (clock.millis() + maxFutureSkewMillis) * 1000L) {
            return IN_FUTURE;
        }
        return eventMicros < EARLIEST_EVENT_MICROS ? TOO_OLD : null;
    }

    private static String abbreviate(final String value) {
        return value.length() <= 64 ? value : value.substring(0, 61) + "...";
    }
}

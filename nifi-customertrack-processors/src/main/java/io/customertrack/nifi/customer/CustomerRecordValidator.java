package io.customertrack.nifi.customer;

import io.customertrack.nifi.customer.CustomerEvent.Operation;
import org.apache.nifi.serialization.record.Record;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CustomerTrack's record-level rules for customer change events, each written once. {@link #validate} reads every
 * customer field of a record by name, judges it once and either builds the {@link CustomerEvent} (values in their
 * canonical form) or lists every broken rule. Plain Java over NiFi's record API, so the rules are tested without a
 * processor; one instance judges one FlowFile's records against one "now".
 */
public final class CustomerRecordValidator {

    /** Earliest event time accepted: anything older is a broken clock or a mangled value, not a customer event. */
    static final Instant EARLIEST_EVENT_TIME = Instant.parse("1900-01-01T00:00:00Z");
    /**
     * The merge (sql/04) reads a version whose valid_to is 9999-12-31 00:00:00 as still open: an event at or after it
     * would lose its meaning (a DELETE there would be taken for no DELETE).
     */
    static final Instant MERGE_OPEN_VERSION_SENTINEL = Instant.parse("9999-12-31T00:00:00Z");

    /** The rules, by the stable code each violation is counted under (in the validation.errors attribute and counters). */
    public enum Rule {
        UNEXPECTED_FIELD("unexpected_field"),
        NOT_SCALAR("not_scalar"),
        REQUIRED("required"),
        INVALID_ENCODING("invalid_encoding"),
        CONTROL_CHARACTER("control_character"),
        TOO_LONG("too_long"),
        NOT_POSITIVE_INTEGER("not_positive_integer"),
        INVALID_SYNTAX("invalid_syntax"),
        UNKNOWN_OPERATION("unknown"),
        NOT_ALLOWED_IN_ERASURE("not_allowed_in_erasure"),
        UNPARSEABLE("unparseable"),
        IN_FUTURE("in_future"),
        TOO_OLD("too_old"),
        AT_MERGE_SENTINEL("at_merge_sentinel");

        private final String code;

        Rule(final String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** One broken rule on one field, with a message for people. */
    public record Violation(String field, Rule rule, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }

        /** Key used to count violations, e.g. {@code email.invalid_syntax}. */
        public String summaryKey() {
            return field + "." + rule.code();
        }
    }

    /**
     * The outcome for one record: the event when every rule passed, else the violations (never both). An erasure request
     * is never only rejected: when its customer_id is usable it is the event (an ERASE of that id) and {@code corrections}
     * lists what it carried that could not be applied as sent (personal values, which are dropped; an unusable
     * updated_at, replaced by the time the request was received); without a usable customer_id it has violations and
     * {@code erasureRequest} set, for a route of its own.
     */
    public record Result(CustomerEvent event, List<Violation> violations, List<Violation> corrections, boolean erasureRequest) {
        public boolean isValid() {
            return event != null;
        }

        /** An ERASE request that is applied in a corrected form. */
        public boolean isCorrectedErasure() {
            return event != null && !corrections.isEmpty();
        }

        /** An ERASE request that names no usable customer: nothing can be erased by it as sent. */
        public boolean isUnresolvedErasure() {
            return event == null && erasureRequest;
        }

        /** The corrected ERASE carries the time the request was received, its own updated_at being unusable. */
        public boolean hasReceivedTime() {
            return corrections.stream().anyMatch(correction -> CustomerField.UPDATED_AT.columnName().equals(correction.field()));
        }

        /** All violations in one line, the form written to the {@code validation_errors} field. */
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

    private static final Map<String, CustomerField> FIELDS_BY_NAME = CustomerField.byColumnName();

    private final Duration maxFutureSkew;
    private final boolean normalize;
    private final Instant now;
    private final Instant latestEventTime;

    /**
     * @param maxFutureSkew how far past {@code now} an event time may lie
     * @param normalize     trim every value, lower-case the email and upper-case the operation before checking
     * @param now           the instant every record of this validator is judged against, and the time its records were
     *                      received (what a corrected erasure request carries when its own time is unusable)
     */
    public CustomerRecordValidator(final Duration maxFutureSkew, final boolean normalize, final Instant now) {
        this.maxFutureSkew = maxFutureSkew;
        this.normalize = normalize;
        this.now = now;
        this.latestEventTime = now.plus(maxFutureSkew);
    }

    /** Judges one record: its customer fields by name, and any other field that carries a value (such as an extra column). */
    public Result validate(final Record record) {
        final List<Violation> violations = new ArrayList<>(0);
        // The record's own values by name: one look-up each (Record.getValue would first find the field in the schema).
        final Map<String, Object> values = record.toMap();
        for (final Map.Entry<String, Object> value : values.entrySet()) {
            final String name = value.getKey();
            if (value.getValue() != null && !FIELDS_BY_NAME.containsKey(name) && !CustomerSchema.VALIDATION_ERRORS_FIELD.equals(name)) {
                violations.add(new Violation(name, Rule.UNEXPECTED_FIELD,
                        "is not a customer field (the record has more values than the customer schema)"));
            }
        }
        // Each value is read once; what the operation is comes first: a DELETE needs no descriptive values, and an
        // ERASE request must carry none (it asks to remove them; the request itself is kept).
        final Object opValue = values.get(CustomerField.OP.columnName());
        final String opName = opValue instanceof String text ? normalized(CustomerField.OP, text) : null;
        final boolean isDelete = Operation.DELETE.name().equals(opName);
        // An erasure request is recognised however its op is spelt or padded: it must never be rejected for its form.
        final boolean isErase = opValue instanceof String opText && Operation.ERASE.name().equalsIgnoreCase(opText.strip());

        final Object id = judge(CustomerField.CUSTOMER_ID, values.get(CustomerField.CUSTOMER_ID.columnName()), false, violations);
        final String[] attributes = new String[CustomerField.ATTRIBUTES.size()];
        for (int i = 0; i < attributes.length; i++) {
            final CustomerField field = CustomerField.ATTRIBUTES.get(i);
            final Object value = values.get(field.columnName());
            if (!isErase) {
                attributes[i] = (String) judge(field, value, isDelete, violations);
            } else if (value != null && !(value instanceof String text && isBlank(text))) {
                // The value is personal data: the message does not repeat it.
                violations.add(new Violation(field.columnName(), Rule.NOT_ALLOWED_IN_ERASURE,
                        "must be empty in an ERASE request, which carries only customer_id, op and updated_at"));
            }
        }
        final Object op = judge(CustomerField.OP, opValue, false, violations);
        final Object updatedAt = judge(CustomerField.UPDATED_AT, values.get(CustomerField.UPDATED_AT.columnName()), false, violations);
        if (isErase && !violations.isEmpty()) {
            return erasure(id, (Instant) updatedAt, violations);
        }
        if (!violations.isEmpty()) {
            return new Result(null, violations, List.of(), false);
        }
        return new Result(new CustomerEvent((Long) id, attributes[0], attributes[1], attributes[2], attributes[3],
                attributes[4], attributes[5], attributes[6], (Operation) op, (Instant) updatedAt), List.of(), List.of(), isErase);
    }

    /**
     * An erasure request that broke a rule. The customer id is all an erasure needs: with a usable one the request
     * becomes a plain ERASE of it (nothing else it carried is kept), at its own time when that is usable, else at the
     * time it was received. Without one there is nothing to erase by, and the request keeps its violations.
     */
    private Result erasure(final Object id, final Instant updatedAt, final List<Violation> violations) {
        if (id == null) {
            return new Result(null, violations, List.of(), true);
        }
        return new Result(CustomerEvent.erase((Long) id, updatedAt == null ? now : updatedAt), List.of(), List.copyOf(violations), true);
    }

    /** The text trimmed, with the email lower-cased and the operation upper-cased, when values are normalised. */
    private String normalized(final CustomerField field, final String text) {
        if (!normalize) {
            return text;
        }
        final String trimmed = text.strip();
        return switch (field) {
            case EMAIL -> trimmed.toLowerCase(Locale.ROOT);
            case OP -> trimmed.toUpperCase(Locale.ROOT);
            default -> trimmed;
        };
    }

    /** Judges one value read from the record: first that it is a single value, then its field's rules. */
    private Object judge(final CustomerField field, final Object value, final boolean optional, final List<Violation> violations) {
        if (value instanceof Object[] || value instanceof Collection<?> || value instanceof Map<?, ?> || value instanceof Record) {
            violations.add(new Violation(field.columnName(), Rule.NOT_SCALAR, "is " + kindOf(value) + ", not a single value"));
            return null;
        }
        return parse(field, value == null ? null : normalized(field, value.toString()), optional, violations);
    }

    /**
     * Checks one value against its field's rules and returns it in its canonical form (a Long id, an Operation, an
     * Instant, or the text); null when it breaks a rule (added to {@code violations}) or is an optional value left out.
     */
    private Object parse(final CustomerField field, final String value, final boolean optional, final List<Violation> violations) {
        if (value == null || isBlank(value)) {
            if (!optional) {
                violations.add(new Violation(field.columnName(), Rule.REQUIRED, value == null ? "is missing" : "is blank"));
            }
            return null;
        }
        final int position = field.isFreeText() ? firstNonPlainCharacter(value) : -1;
        if (position >= 0) {
            final int c = value.codePointAt(position);
            violations.add(c == '\uFFFD'
                    ? new Violation(field.columnName(), Rule.INVALID_ENCODING,
                            "contains bytes that are not valid in the input character set (U+FFFD at position " + position + ")")
                    : new Violation(field.columnName(), Rule.CONTROL_CHARACTER,
                            "contains control character U+" + String.format("%04X", c) + " at position " + position));
            return null;
        }
        // Code points, as Snowflake's VARCHAR(n) counts characters; never more than UTF-16 units, so count only if needed.
        final int characters = value.length() > field.maxLength() ? value.codePointCount(0, value.length()) : value.length();
        if (characters > field.maxLength()) {
            violations.add(new Violation(field.columnName(), Rule.TOO_LONG,
                    "has " + characters + " characters, more than the " + field.maxLength() + " the column holds"));
            return null;
        }
        return switch (field) {
            case CUSTOMER_ID -> orViolation(positiveLong(value), violations, field, Rule.NOT_POSITIVE_INTEGER,
                    "must be a positive integer no larger than " + Long.MAX_VALUE + " but was '", value);
            case EMAIL -> orViolation(isEmailAddress(value) ? value : null, violations, field, Rule.INVALID_SYNTAX,
                    "is not a syntactically valid address: '", value);
            case OP -> orViolation(operation(value), violations, field, Rule.UNKNOWN_OPERATION,
                    "must be INSERT, UPDATE, DELETE or ERASE but was '", value);
            case UPDATED_AT -> eventTime(value, violations);
            default -> value;
        };
    }

    /** {@code parsed}; when it is null, also a violation of {@code rule} whose message ends in the quoted value. */
    private static Object orViolation(final Object parsed, final List<Violation> violations, final CustomerField field,
                                      final Rule rule, final String messageBeforeValue, final String value) {
        if (parsed == null) {
            violations.add(new Violation(field.columnName(), rule, messageBeforeValue + abbreviate(value) + "'"));
        }
        return parsed;
    }

    /** The event time, when ISO-8601 and within [1900, now + skew] and before the merge's sentinel; else null and a violation. */
    private Instant eventTime(final String value, final List<Violation> violations) {
        final Instant time;
        try {
            time = EventTimes.parse(value);
        } catch (final EventTimes.InvalidEventTimeException e) {
            violations.add(new Violation(CustomerField.UPDATED_AT.columnName(), Rule.UNPARSEABLE, e.getMessage() + ": '" + abbreviate(value) + "'"));
            return null;
        }
        final Rule broken = !time.isBefore(MERGE_OPEN_VERSION_SENTINEL) ? Rule.AT_MERGE_SENTINEL
                : time.isAfter(latestEventTime) ? Rule.IN_FUTURE
                : time.isBefore(EARLIEST_EVENT_TIME) ? Rule.TOO_OLD
                : null;
        if (broken == null) {
            return time;
        }
        violations.add(new Violation(CustomerField.UPDATED_AT.columnName(), broken, "is " + value + switch (broken) {
            case AT_MERGE_SENTINEL -> ", at or after " + MERGE_OPEN_VERSION_SENTINEL + ", which the merge reserves for versions still open";
            case IN_FUTURE -> ", later than now plus the allowed clock skew of " + maxFutureSkew;
            default -> ", before " + EARLIEST_EVENT_TIME;
        }));
        return null;
    }

    /**
     * Blank: nothing but white space, space separators (such as the no-break space) and format characters (zero-width
     * space, word joiner, byte order mark), none of which a person can see.
     */
    static boolean isBlank(final String value) {
        for (int i = 0; i < value.length(); ) {
            final int c = value.codePointAt(i);
            if (!Character.isWhitespace(c) && !Character.isSpaceChar(c) && Character.getType(c) != Character.FORMAT) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
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

    /** Digits only (leading zeros allowed), greater than zero and no larger than Long.MAX_VALUE; else null. */
    private static Long positiveLong(final String value) {
        if (value.length() > 19) {
            return null;
        }
        long number = 0;
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c < '0' || c > '9' || number > (Long.MAX_VALUE - (c - '0')) / 10) {
                return null;
            }
            number = number * 10 + (c - '0');
        }
        return number > 0 ? number : null;
    }

    private static Operation operation(final String value) {
        return switch (value) {
            case "INSERT" -> Operation.INSERT;
            case "UPDATE" -> Operation.UPDATE;
            case "DELETE" -> Operation.DELETE;
            case "ERASE" -> Operation.ERASE;
            default -> null;
        };
    }

    /**
     * Practical address syntax: an RFC 5322 dot-atom local part of at most 64 characters, '@', then at least two
     * LDH labels (1-63 characters, no leading or trailing hyphen) ending in an alphabetic top-level domain. A linear
     * scan rather than a regular expression: it must stay linear on hostile input.
     */
    static boolean isEmailAddress(final String value) {
        final int at = value.indexOf('@');
        if (at < 1 || at > 64) {
            return false;
        }
        char previous = '.';
        for (int i = 0; i < at; i++) {
            final char c = value.charAt(i);
            if (c == '.' ? previous == '.' : !isAsciiAlphanumeric(c) && "!#$%&'*+/=?^_`{|}~-".indexOf(c) < 0) {
                return false; // a leading dot, two dots in a row, or a character outside the dot-atom
            }
            previous = c;
        }
        if (previous == '.') {
            return false;
        }
        // The domain: labels separated by dots, read up to one past the end (where a label ends as at a dot).
        int labels = 0;
        int labelStart = at + 1;
        boolean alphabetic = true;
        for (int i = at + 1; i <= value.length(); i++) {
            final char c = i == value.length() ? '.' : value.charAt(i);
            if (c == '.') {
                final int labelLength = i - labelStart;
                if (labelLength < 1 || labelLength > 63 || value.charAt(labelStart) == '-' || value.charAt(i - 1) == '-') {
                    return false;
                }
                labels++;
                if (i == value.length()) {
                    return labels >= 2 && labelLength >= 2 && alphabetic; // an alphabetic top-level domain
                }
                labelStart = i + 1;
                alphabetic = true;
            } else if (!isAsciiAlphanumeric(c) && c != '-') {
                return false;
            } else {
                alphabetic &= (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
            }
        }
        return false; // not reached: the loop returns at the end of the value
    }

    private static boolean isAsciiAlphanumeric(final char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    private static String kindOf(final Object value) {
        return value instanceof Record ? "a record" : value instanceof Map<?, ?> ? "a map" : "an array";
    }

    private static String abbreviate(final String value) {
        return value.length() <= 64 ? value : value.substring(0, 61) + "...";
    }
}

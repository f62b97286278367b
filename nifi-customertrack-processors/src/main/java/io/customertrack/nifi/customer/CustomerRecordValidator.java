package io.customertrack.nifi.customer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Record-level rules for customer change events. Pure Java so the rules can be tested without NiFi,
 * and so the processor stays a thin adapter between record readers/writers and these rules.
 */
public final class CustomerRecordValidator {

    public static final Set<String> OPERATIONS = Set.of("INSERT", "UPDATE", "DELETE");

    /** Earliest event time accepted: anything older is a broken clock or a mangled value, not a customer event. */
    static final Instant EARLIEST_EVENT_TIME = Instant.parse("1900-01-01T00:00:00Z");

    private static final Pattern POSITIVE_INTEGER = Pattern.compile("[0-9]{1,19}");
    // Practical address syntax (RFC 5322 dot-atom local part, LDH domain labels, alphabetic TLD).
    // Bounded label lengths keep the regex linear on hostile input; length is checked before it runs.
    private static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    + "@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}");

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

    /** Outcome for one record: the (possibly normalised) values in {@link CustomerField} order, and the violations. */
    public record Result(String[] values, List<Violation> violations) {
        public boolean isValid() {
            return violations.isEmpty();
        }

        public String value(final CustomerField field) {
            return values[field.ordinal()];
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
    private final boolean normalize;
    private final Clock clock;

    /**
     * @param maxFutureSkew how far past the validator's clock an event time may lie
     * @param normalize     trim every value, lower-case the email and upper-case the operation before checking
     * @param clock         source of "now" for the future-skew rule
     */
    public CustomerRecordValidator(final Duration maxFutureSkew, final boolean normalize, final Clock clock) {
        this.maxFutureSkew = maxFutureSkew;
        this.normalize = normalize;
        this.clock = clock;
    }

    /**
     * Validates one record.
     *
     * @param valueOf          the record's value of a field by name, as a string, or null when absent
     * @param unexpectedFields names of fields the record carries that are not customer fields
     */
    public Result validate(final Function<String, String> valueOf, final Collection<String> unexpectedFields) {
        final CustomerField[] fields = CustomerField.values();
        final String[] values = new String[fields.length];
        for (final CustomerField field : fields) {
            values[field.ordinal()] = normalize(field, valueOf.apply(field.columnName()));
        }

        final List<Violation> violations = new ArrayList<>(0);
        for (final String unexpected : unexpectedFields) {
            if (valueOf.apply(unexpected) != null) {
                violations.add(new Violation(unexpected, "unexpected_field",
                        "is not a customer field (the record has more values than the customer schema)"));
            }
        }

        final boolean isDelete = "DELETE".equals(values[CustomerField.OP.ordinal()]);
        for (final CustomerField field : fields) {
            final String value = values[field.ordinal()];
            if (value == null || value.isBlank()) {
                if (!isDelete || field.requiredForDelete()) {
                    violations.add(new Violation(field.columnName(), "required", value == null ? "is missing" : "is blank"));
                }
                continue;
            }
            if (!checkCharacters(field, value, violations)) {
                continue;
            }
            if (value.length() > field.maxLength()) {
                violations.add(new Violation(field.columnName(), "too_long",
                        "has " + value.length() + " characters, more than the " + field.maxLength() + " the column holds"));
                continue;
            }
            switch (field) {
                case CUSTOMER_ID -> checkCustomerId(value, violations);
                case EMAIL -> checkEmail(value, violations);
                case OP -> checkOperation(value, violations);
                case UPDATED_AT -> values[field.ordinal()] = checkEventTime(value, violations);
                default -> {
                }
            }
        }
        return new Result(values, violations);
    }

    private String normalize(final CustomerField field, final String value) {
        if (!normalize || value == null) {
            return value;
        }
        final String trimmed = value.strip();
        return switch (field) {
            case EMAIL -> trimmed.toLowerCase(Locale.ROOT);
            case OP -> trimmed.toUpperCase(Locale.ROOT);
            default -> trimmed;
        };
    }

    /** Rejects control characters and U+FFFD, which a reader substitutes for bytes that are not valid in the charset. */
    private static boolean checkCharacters(final CustomerField field, final String value, final List<Violation> violations) {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '\uFFFD') {
                violations.add(new Violation(field.columnName(), "invalid_encoding",
                        "contains bytes that are not valid in the input character set (U+FFFD at position " + i + ")"));
                return false;
            }
            if (Character.isISOControl(c)) {
                violations.add(new Violation(field.columnName(), "control_character",
                        String.format("contains control character U+%04X at position %d", (int) c, i)));
                return false;
            }
        }
        return true;
    }

    private static void checkCustomerId(final String value, final List<Violation> violations) {
        boolean positive = POSITIVE_INTEGER.matcher(value).matches();
        if (positive) {
            try {
                positive = Long.parseLong(value) > 0;
            } catch (final NumberFormatException e) {
                positive = false;
            }
        }
        if (!positive) {
            violations.add(new Violation("customer_id", "not_positive_integer",
                    "must be a positive integer no larger than " + Long.MAX_VALUE + " but was '" + abbreviate(value) + "'"));
        }
    }

    private static void checkEmail(final String value, final List<Violation> violations) {
        if (!EMAIL.matcher(value).matches()) {
            violations.add(new Violation("email", "invalid_syntax", "is not a syntactically valid address: '" + abbreviate(value) + "'"));
        }
    }

    private static void checkOperation(final String value, final List<Violation> violations) {
        if (!OPERATIONS.contains(value)) {
            violations.add(new Violation("op", "unknown", "must be INSERT, UPDATE or DELETE but was '" + abbreviate(value) + "'"));
        }
    }

    /** Returns the event time in the canonical UTC form, or the original value when it is rejected. */
    private String checkEventTime(final String value, final List<Violation> violations) {
        final Instant eventTime;
        try {
            eventTime = parseEventTime(value);
        } catch (final DateTimeParseException e) {
            violations.add(new Violation("updated_at", "unparseable",
                    "is not an ISO-8601 timestamp such as 2026-01-31T12:00:00.000000Z: '" + abbreviate(value) + "'"));
            return value;
        }
        final Instant latest = clock.instant().plus(maxFutureSkew);
        if (eventTime.isAfter(latest)) {
            violations.add(new Violation("updated_at", "in_future",
                    "is " + value + ", later than now plus the allowed clock skew of " + maxFutureSkew));
            return value;
        }
        if (eventTime.isBefore(EARLIEST_EVENT_TIME)) {
            violations.add(new Violation("updated_at", "too_old", "is " + value + ", before " + EARLIEST_EVENT_TIME));
            return value;
        }
        return EventTimes.format(eventTime);
    }

    /** Accepts ISO-8601 with Z or an offset, a space instead of T, and no zone (read as UTC). */
    static Instant parseEventTime(final String value) {
        String text = value;
        if (text.length() > 10 && text.charAt(10) == ' ') {
            text = text.substring(0, 10) + 'T' + text.substring(11);
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (final DateTimeParseException withoutOffset) {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        }
    }

    private static String abbreviate(final String value) {
        return value.length() <= 64 ? value : value.substring(0, 61) + "...";
    }
}

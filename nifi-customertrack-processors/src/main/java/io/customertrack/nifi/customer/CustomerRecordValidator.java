package io.customertrack.nifi.customer;

import io.customertrack.declaration.check.AttributeCheck;
import io.customertrack.declaration.check.EventTimes;
import io.customertrack.declaration.check.Rule;
import io.customertrack.declaration.check.TypeCheck;
import io.customertrack.declaration.check.Violation;
import io.customertrack.nifi.customer.CustomerEvent.Operation;
import org.apache.nifi.serialization.record.Record;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CustomerTrack's record-level rules for customer change events, each written once. {@link #validate} reads the
 * fixed fields (customer_id, op, updated_at) and every declared attribute of a record by name, judges each once (the
 * attributes by their checks, compiled beforehand in a {@link CompiledDeclaration}) and either builds the
 * {@link CustomerEvent} (values in their canonical form) or lists every broken rule. Under a declaration with partial
 * updates an UPDATE may leave any attribute empty, a required one too (empty means unchanged); an INSERT still carries
 * every required one, and every value present is checked as always. Plain Java over NiFi's record API,
 * so the rules are tested without a processor; one instance judges one FlowFile's records against one "now".
 */
public final class CustomerRecordValidator {

    /** Earliest event time accepted: anything older is a broken clock or a mangled value, not a customer event. */
    static final Instant EARLIEST_EVENT_TIME = Instant.parse("1900-01-01T00:00:00Z");
    /**
     * The merge (sql/04) reads a version whose valid_to is 9999-12-31 00:00:00 as still open: an event at or after it
     * would lose its meaning (a DELETE there would be taken for no DELETE).
     */
    static final Instant MERGE_OPEN_VERSION_SENTINEL = Instant.parse("9999-12-31T00:00:00Z");

    /**
     * The outcome for one record: the event when every rule passed, else the violations (never both). An erasure request
     * is never only rejected: when its customer_id is usable it is the event (an ERASE of that id) and {@code corrections}
     * lists what it carried that could not be applied as sent (attribute values, which are dropped; an unusable
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
            return corrections.stream().anyMatch(correction -> UPDATED_AT.equals(correction.field()));
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

    private static final String CUSTOMER_ID = "customer_id";
    private static final String OP = "op";
    private static final String UPDATED_AT = "updated_at";
    /** Longest text of the fixed fields: a long's 19 digits, DELETE, an ISO-8601 time with nanoseconds and an offset. */
    private static final int CUSTOMER_ID_MAX_LENGTH = 19;
    private static final int OP_MAX_LENGTH = 6;
    private static final int UPDATED_AT_MAX_LENGTH = 32;

    private final CompiledDeclaration declaration;
    private final Duration maxFutureSkew;
    private final boolean normalize;
    private final Instant now;
    private final Instant latestEventTime;
    private final boolean acceptsPreviousShape;
    private final boolean partialUpdates;

    /**
     * @param declaration   the attributes and their checks
     * @param maxFutureSkew how far past {@code now} an event time may lie
     * @param normalize     trim every value, lower-case e-mail addresses and upper-case the operation before checking
     * @param now           the instant every record of this validator is judged against, and the time its records were
     *                      received (what a corrected erasure request carries when its own time is unusable)
     */
    public CustomerRecordValidator(final CompiledDeclaration declaration, final Duration maxFutureSkew, final boolean normalize,
                                   final Instant now) {
        this.declaration = declaration;
        this.maxFutureSkew = maxFutureSkew;
        this.normalize = normalize;
        this.now = now;
        this.latestEventTime = now.plus(maxFutureSkew);
        this.acceptsPreviousShape = declaration.acceptsPreviousShape(now);
        this.partialUpdates = declaration.declaration().partialUpdates();
    }

    /** A validator of the default declaration. */
    public CustomerRecordValidator(final Duration maxFutureSkew, final boolean normalize, final Instant now) {
        this(CompiledDeclaration.defaultDeclaration(), maxFutureSkew, normalize, now);
    }

    /** Judges one record: its customer fields by name, and any other field that carries a value (such as an extra column). */
    public Result validate(final Record record) {
        final List<Violation> violations = new ArrayList<>(0);
        // The record's own values by name: one look-up each (Record.getValue would first find the field in the schema).
        final Map<String, Object> values = record.toMap();
        for (final Map.Entry<String, Object> value : values.entrySet()) {
            final String name = value.getKey();
            if (value.getValue() != null && !declaration.isFileColumn(name) && !CustomerSchema.VALIDATION_ERRORS_FIELD.equals(name)) {
                violations.add(new Violation(name, Rule.UNEXPECTED_FIELD,
                        "is not a customer field (the record has more values than the customer schema)"));
            }
        }
        // Each value is read once; what the operation is comes first: a DELETE needs no attribute values, and an
        // ERASE request must carry none (it asks to remove them; the request itself is kept).
        final Object opValue = values.get(OP);
        final String opName = opValue instanceof String text ? (normalize ? text.strip().toUpperCase(Locale.ROOT) : text) : null;
        final boolean isDelete = Operation.DELETE.name().equals(opName);
        // With partial updates an UPDATE's empty attribute means "unchanged": required ones too may be left empty.
        final boolean mayLeaveEmpty = isDelete || partialUpdates && Operation.UPDATE.name().equals(opName);
        // An erasure request is recognised however its op is spelt or padded: it must never be rejected for its form.
        final boolean isErase = opValue instanceof String opText && Operation.ERASE.name().equalsIgnoreCase(opText.strip());

        final String id = fixed(CUSTOMER_ID, CUSTOMER_ID_MAX_LENGTH, values.get(CUSTOMER_ID), violations);
        final Long customerId = id == null ? null : orViolation(positiveLong(id), violations, CUSTOMER_ID, Rule.NOT_POSITIVE_INTEGER,
                "must be a positive integer no larger than " + Long.MAX_VALUE + " but was '", id);
        final String[] attributes = new String[declaration.size()];
        final boolean previousShape = acceptsPreviousShape && hasNoNewestAttribute(values);
        for (int i = 0; i < attributes.length; i++) {
            final AttributeCheck attribute = declaration.attribute(i);
            final Object value = values.get(attribute.name());
            if (isErase) {
                if (value != null && !(value instanceof String text && AttributeCheck.isBlank(text))) {
                    // The value may be personal data: the message does not repeat it.
                    violations.add(new Violation(attribute.name(), Rule.NOT_ALLOWED_IN_ERASURE,
                            "must be empty in an ERASE request, which carries only customer_id, op and updated_at"));
                }
            } else if (value == null) {
                // A record of the previous shape, within the declaration's window, is written with them empty.
                if (!mayLeaveEmpty && attribute.required() && !(previousShape && declaration.isNewest(i))) {
                    violations.add(new Violation(attribute.name(), Rule.REQUIRED, "is missing"));
                }
            } else if (isScalar(attribute.name(), value, violations)) {
                attributes[i] = attribute.check(asText(value), normalize, mayLeaveEmpty || !attribute.required(), violations);
            }
        }
        final String opText = fixed(OP, OP_MAX_LENGTH, opValue instanceof String ? opName : opValue, violations);
        final Operation op = opText == null ? null : orViolation(operation(opText), violations, OP, Rule.UNKNOWN_OPERATION,
                "must be INSERT, UPDATE, DELETE or ERASE but was '", opText);
        final String time = fixed(UPDATED_AT, UPDATED_AT_MAX_LENGTH, values.get(UPDATED_AT), violations);
        final Instant updatedAt = time == null ? null : eventTime(time, violations);
        if (isErase && !violations.isEmpty()) {
            return erasure(customerId, updatedAt, violations);
        }
        if (!violations.isEmpty()) {
            return new Result(null, violations, List.of(), false);
        }
        return new Result(CustomerEvent.of(customerId, op, updatedAt, attributes), List.of(), List.of(), isErase);
    }

    /** Whether the record carries none of the attributes the declaration's version added: it has the previous shape. */
    private boolean hasNoNewestAttribute(final Map<String, Object> values) {
        for (int i = 0; i < declaration.size(); i++) {
            if (declaration.isNewest(i) && values.get(declaration.attribute(i).name()) != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * An erasure request that broke a rule. The customer id is all an erasure needs: with a usable one the request
     * becomes a plain ERASE of it (nothing else it carried is kept), at its own time when that is usable, else at the
     * time it was received. Without one there is nothing to erase by, and the request keeps its violations.
     */
    private Result erasure(final Long id, final Instant updatedAt, final List<Violation> violations) {
        if (id == null) {
            return new Result(null, violations, List.of(), true);
        }
        return new Result(CustomerEvent.erase(id, updatedAt == null ? now : updatedAt, declaration.size()), List.of(),
                List.copyOf(violations), true);
    }

    /**
     * A fixed field's text (customer_id, op, updated_at), trimmed when values are normalised: a single value, present,
     * not blank and at most {@code maxLength} characters; else null and a violation.
     */
    private String fixed(final String field, final int maxLength, final Object value, final List<Violation> violations) {
        if (value != null && !isScalar(field, value, violations)) {
            return null;
        }
        final String text = value == null ? null : normalize ? value.toString().strip() : value.toString();
        if (text == null || AttributeCheck.isBlank(text)) {
            violations.add(new Violation(field, Rule.REQUIRED, text == null ? "is missing" : "is blank"));
            return null;
        }
        final int characters = text.length() > maxLength ? text.codePointCount(0, text.length()) : text.length();
        if (characters > maxLength) {
            violations.add(new Violation(field, Rule.TOO_LONG, "has " + characters + " characters, more than the " + maxLength + " the column holds"));
            return null;
        }
        return text;
    }

    /** Whether the value read from the record is a single value; else a violation. */
    private static boolean isScalar(final String field, final Object value, final List<Violation> violations) {
        if (value instanceof Object[] || value instanceof Collection<?> || value instanceof Map<?, ?> || value instanceof Record) {
            violations.add(new Violation(field, Rule.NOT_SCALAR, "is " + kindOf(value) + ", not a single value"));
            return false;
        }
        return true;
    }

    /**
     * A value as the text the checks read. A CSV reader hands over text; a JSON or Avro reader may hand over numbers and
     * times, whose toString would show an exponent (1.2345678E7) or a time in this JVM's zone: they go as plain decimals
     * and UTC instants instead.
     */
    static String asText(final Object value) {
        return switch (value) {
            case String text -> text;
            case BigDecimal decimal -> decimal.toPlainString();
            case Double number when Double.isFinite(number) -> BigDecimal.valueOf(number).toPlainString();
            case Float number when Float.isFinite(number) -> new BigDecimal(Float.toString(number)).toPlainString();
            case java.sql.Date date -> date.toLocalDate().toString();
            case java.sql.Time time -> time.toLocalTime().toString();
            case java.util.Date time -> time.toInstant().toString();
            default -> value.toString();
        };
    }

    /** {@code parsed}; when it is null, also a violation of {@code rule} whose message ends in the quoted value. */
    private static <T> T orViolation(final T parsed, final List<Violation> violations, final String field,
                                     final Rule rule, final String messageBeforeValue, final String value) {
        if (parsed == null) {
            violations.add(new Violation(field, rule, messageBeforeValue + TypeCheck.abbreviate(value) + "'"));
        }
        return parsed;
    }

    /** The event time, when ISO-8601 and within [1900, now + skew] and before the merge's sentinel; else null and a violation. */
    private Instant eventTime(final String value, final List<Violation> violations) {
        final Instant time;
        try {
            time = EventTimes.parse(value);
        } catch (final EventTimes.InvalidEventTimeException e) {
            violations.add(new Violation(UPDATED_AT, Rule.UNPARSEABLE, e.getMessage() + ": '" + TypeCheck.abbreviate(value) + "'"));
            return null;
        }
        final Rule broken = !time.isBefore(MERGE_OPEN_VERSION_SENTINEL) ? Rule.AT_MERGE_SENTINEL
                : time.isAfter(latestEventTime) ? Rule.IN_FUTURE
                : time.isBefore(EARLIEST_EVENT_TIME) ? Rule.TOO_OLD
                : null;
        if (broken == null) {
            return time;
        }
        violations.add(new Violation(UPDATED_AT, broken, "is " + value + switch (broken) {
            case AT_MERGE_SENTINEL -> ", at or after " + MERGE_OPEN_VERSION_SENTINEL + ", which the merge reserves for versions still open";
            case IN_FUTURE -> ", later than now plus the allowed clock skew of " + maxFutureSkew;
            default -> ", before " + EARLIEST_EVENT_TIME;
        }));
        return null;
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

    private static String kindOf(final Object value) {
        return value instanceof Record ? "a record" : value instanceof Map<?, ?> ? "a map" : "an array";
    }
}

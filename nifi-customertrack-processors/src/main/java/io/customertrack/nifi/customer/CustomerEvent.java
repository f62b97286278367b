package io.customertrack.nifi.customer;

import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One customer change event, valid by CustomerTrack's rules: what GenerateFakeCustomer produces, what
 * ValidateCustomerRecord accepts and writes, and what a CUSTOMER_RAW row holds. The descriptive values are null where
 * absent (a DELETE and an ERASE request carry only their key, operation and time).
 */
public record CustomerEvent(long customerId, String firstName, String lastName, String email, String street,
                            String city, String state, String country, Operation op, Instant updatedAt) {

    /**
     * What an event does to its customer. ERASE is a request to remove every personal value of the customer from the
     * warehouse, history included, and to retire its id (the merge quarantines its later events).
     */
    public enum Operation { INSERT, UPDATE, DELETE, ERASE }

    public CustomerEvent {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** An INSERT or UPDATE with the seven descriptive values in file order (first_name .. country). */
    public static CustomerEvent of(final long customerId, final Operation op, final Instant updatedAt, final List<String> attributes) {
        if (attributes.size() != 7) {
            throw new IllegalArgumentException("7 attributes expected (first_name .. country): " + attributes);
        }
        return new CustomerEvent(customerId, attributes.get(0), attributes.get(1), attributes.get(2), attributes.get(3),
                attributes.get(4), attributes.get(5), attributes.get(6), op, updatedAt);
    }

    public static CustomerEvent delete(final long customerId, final Instant updatedAt) {
        return new CustomerEvent(customerId, null, null, null, null, null, null, null, Operation.DELETE, updatedAt);
    }

    public static CustomerEvent erase(final long customerId, final Instant requestedAt) {
        return new CustomerEvent(customerId, null, null, null, null, null, null, null, Operation.ERASE, requestedAt);
    }

    public boolean isDelete() {
        return op == Operation.DELETE;
    }

    /** first_name .. country, in file order (nulls kept). */
    public List<String> attributes() {
        return Arrays.asList(firstName, lastName, email, street, city, state, country);
    }

    /** The value of a field as CustomerTrack files carry it: customer_id a Long, updated_at in {@link EventTimes}' form. */
    public Object value(final CustomerField field) {
        return switch (field) {
            case CUSTOMER_ID -> customerId;
            case FIRST_NAME -> firstName;
            case LAST_NAME -> lastName;
            case EMAIL -> email;
            case STREET -> street;
            case CITY -> city;
            case STATE -> state;
            case COUNTRY -> country;
            case OP -> op.name();
            case UPDATED_AT -> EventTimes.format(updatedAt);
        };
    }

    /** This event as a NiFi record of {@code schema} (normally {@link CustomerSchema#CUSTOMER_EVENT} or a writer's version of it). */
    public Record toRecord(final RecordSchema schema) {
        final Map<String, Object> values = new HashMap<>(16);
        for (final CustomerField field : CustomerField.values()) {
            values.put(field.columnName(), value(field));
        }
        return new MapRecord(schema, values);
    }
}

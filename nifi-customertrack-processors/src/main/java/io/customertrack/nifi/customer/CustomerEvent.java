package io.customertrack.nifi.customer;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One customer change event, valid by CustomerTrack's rules: what GenerateFakeCustomer produces, what
 * ValidateCustomerRecord accepts and writes, and what a CUSTOMER_RAW row holds.
 *
 * @param values the declared attributes' values in declared order, each in its canonical text (what the CSV carries),
 *               null where absent (a DELETE and an ERASE request carry only their key, operation and time)
 */
public record CustomerEvent(long customerId, Operation op, Instant updatedAt, List<String> values) {

    /**
     * What an event does to its customer. ERASE is a request to remove every personal value of the customer from the
     * warehouse, history included, and to retire its id (the merge quarantines its later events).
     */
    public enum Operation { INSERT, UPDATE, DELETE, ERASE }

    public CustomerEvent {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(updatedAt, "updatedAt");
        // Nulls are values here (absent), which List.copyOf refuses.
        values = Collections.unmodifiableList(Arrays.asList(values.toArray(new String[0])));
    }

    /** A DELETE: no values, for a declaration of {@code attributes} attributes. */
    public static CustomerEvent delete(final long customerId, final Instant updatedAt, final int attributes) {
        return new CustomerEvent(customerId, Operation.DELETE, updatedAt, Arrays.asList(new String[attributes]));
    }

    /** An ERASE request: no values, for a declaration of {@code attributes} attributes. */
    public static CustomerEvent erase(final long customerId, final Instant requestedAt, final int attributes) {
        return new CustomerEvent(customerId, Operation.ERASE, requestedAt, Arrays.asList(new String[attributes]));
    }

    public boolean isDelete() {
        return op == Operation.DELETE;
    }
}

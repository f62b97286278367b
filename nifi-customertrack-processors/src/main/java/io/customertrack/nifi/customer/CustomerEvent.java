package io.customertrack.nifi.customer;

import java.time.Instant;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

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
        values = values instanceof Values own ? own : new Values(values.toArray(new String[0]));
    }

    /** An event of these values, which the event keeps: the caller hands the array over and does not change it. */
    static CustomerEvent of(final long customerId, final Operation op, final Instant updatedAt, final String[] values) {
        return new CustomerEvent(customerId, op, updatedAt, new Values(values));
    }

    /** A DELETE: no values, for a declaration of {@code attributes} attributes. */
    public static CustomerEvent delete(final long customerId, final Instant updatedAt, final int attributes) {
        return of(customerId, Operation.DELETE, updatedAt, new String[attributes]);
    }

    /** An ERASE request: no values, for a declaration of {@code attributes} attributes. */
    public static CustomerEvent erase(final long customerId, final Instant requestedAt, final int attributes) {
        return of(customerId, Operation.ERASE, requestedAt, new String[attributes]);
    }

    /**
     * The values, read-only, over an array no one else changes; nulls are values here (absent), which List.copyOf
     * refuses. Built once per event, without a second copy: events are made for every record.
     */
    private static final class Values extends AbstractList<String> implements RandomAccess {
        private final String[] values;

        Values(final String[] values) {
            this.values = values;
        }

        @Override
        public String get(final int index) {
            return values[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }

    public boolean isDelete() {
        return op == Operation.DELETE;
    }
}

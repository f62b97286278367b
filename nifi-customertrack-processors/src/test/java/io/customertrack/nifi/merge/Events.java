package io.customertrack.nifi.merge;

import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;

/** Shorthands for {@link CustomerEvent}s in tests, timed as customer_raw's TIMESTAMP_NTZ holds them (UTC). */
public final class Events {

    private Events() {
    }

    /** The number of attributes of the default declaration, which these tests' events have. */
    public static final int ATTRIBUTES = Declaration.defaultDeclaration().attributes().size();

    public static CustomerEvent upsert(final long id, final String op, final LocalDateTime at, final String... attributes) {
        return new CustomerEvent(id, CustomerEvent.Operation.valueOf(op), at.toInstant(ZoneOffset.UTC), Arrays.asList(attributes));
    }

    public static CustomerEvent delete(final long id, final LocalDateTime at) {
        return CustomerEvent.delete(id, at.toInstant(ZoneOffset.UTC), ATTRIBUTES);
    }

    /** The event time as customer_raw.updated_at holds it. */
    public static LocalDateTime utc(final CustomerEvent event) {
        return LocalDateTime.ofInstant(event.updatedAt(), ZoneOffset.UTC);
    }
}

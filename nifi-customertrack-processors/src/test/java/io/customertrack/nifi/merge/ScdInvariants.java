package io.customertrack.nifi.merge;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SCD invariants that must hold after every merge, whatever the events were. */
public final class ScdInvariants {

    private ScdInvariants() {
    }

    public static void check(final ScdModel.State state) {
        final List<ScdModel.Version> history = state.history(); // ordered by customer_id, valid_from
        final Set<String> keys = new HashSet<>();
        final Map<Long, Integer> currentRows = new HashMap<>();
        for (int i = 0; i < history.size(); i++) {
            final ScdModel.Version version = history.get(i);
            assertTrue(keys.add(version.customerId() + "@" + version.validFrom()), "(customer_id, valid_from) unique: " + version);
            assertEquals(version.validTo() == null, version.isCurrent(), "is_current iff open: " + version);
            if (version.validTo() != null) {
                assertTrue(version.validTo().isAfter(version.validFrom()), "non-empty interval: " + version);
            }
            if (version.isCurrent()) {
                currentRows.merge(version.customerId(), 1, Integer::sum);
            }
            final boolean hasNext = i + 1 < history.size() && history.get(i + 1).customerId() == version.customerId();
            if (hasNext) {
                final ScdModel.Version next = history.get(i + 1);
                assertFalse(version.isCurrent(), "only the last version can be current: " + version);
                // Contiguous unless a DELETE closed the version: then the next one starts later (re-insert).
                assertFalse(next.validFrom().isBefore(version.validTo()), "versions do not overlap: " + version + " / " + next);
                if (next.validFrom().equals(version.validTo())) {
                    assertFalse(next.rowHash().equals(version.rowHash()), "adjacent versions differ: " + version + " / " + next);
                }
            }
        }
        currentRows.forEach((id, count) -> assertEquals(1, count, "one current row for customer " + id));

        final Map<Long, ScdModel.Version> latest = new HashMap<>();
        history.forEach(version -> latest.put(version.customerId(), version));
        assertEquals(latest.size(), state.customers().size(), "one SCD1 row per customer with history");
        for (final ScdModel.Current customer : state.customers()) {
            final ScdModel.Version last = latest.get(customer.customerId());
            assertEquals(last.attributes(), customer.attributes(), "SCD1 equals the latest SCD2 version");
            assertEquals(last.rowHash(), customer.rowHash());
            assertEquals(last.validFrom(), customer.updatedAt());
            assertEquals(!last.isCurrent(), customer.isDeleted(), "deleted iff no current version");
            assertEquals(last.validTo(), customer.deletedAt());
        }
    }
}

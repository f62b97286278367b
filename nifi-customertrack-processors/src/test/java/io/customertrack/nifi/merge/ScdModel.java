package io.customertrack.nifi.merge;

import io.customertrack.nifi.customer.CustomerEvent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plain-Java reference for what SCD1 and SCD2 must hold after all of {@code events} are merged, whatever order and
 * batches they arrived in. Written as a state machine over the events in event-time order, deliberately unlike the SQL.
 */
public final class ScdModel {

    /** A row of customer_history. */
    public record Version(long customerId, List<String> attributes, String rowHash, LocalDateTime validFrom,
                          LocalDateTime validTo, boolean isCurrent) {
    }

    /** A row of customer. */
    public record Current(long customerId, List<String> attributes, String rowHash, LocalDateTime updatedAt,
                          boolean isDeleted, LocalDateTime deletedAt) {
    }

    public record State(List<Version> history, List<Current> customers) {
    }

    private ScdModel() {
    }

    /** Why the merge did not apply an event (CUSTOMER_MERGE_QUARANTINE.reason). */
    public enum QuarantineReason { BEYOND_LATENESS_BUDGET, CUSTOMER_ERASED }

    /** An event the merge did not apply, as CUSTOMER_MERGE_QUARANTINE records it. */
    public record Quarantined(long customerId, String op, LocalDateTime updatedAt, QuarantineReason reason) {
    }

    /**
     * Merges one after another, with a lateness budget and erasures: what they apply depends on what came before. An
     * event more than the budget (in whole seconds) older than the newest event of its customer in earlier merges is
     * quarantined; an ERASE removes its customer's events and retires the id, so its every later event is quarantined.
     */
    public static final class Merges {
        private final Long budgetSeconds;
        private final Map<Long, LocalDateTime> newestMerged = new TreeMap<>();
        private final Set<Long> erased = new TreeSet<>();
        private final List<CustomerEvent> applied = new ArrayList<>();
        private final List<Quarantined> quarantined = new ArrayList<>();

        /**
         * @param budgetSeconds null: no budget
         */
        public Merges(final Long budgetSeconds) {
            this.budgetSeconds = budgetSeconds;
        }

        public void merge(final Collection<CustomerEvent> batch) {
            batch.stream().filter(event -> event.op() == CustomerEvent.Operation.ERASE).forEach(event -> erased.add(event.customerId()));
            for (final CustomerEvent event : batch) {
                if (event.op() == CustomerEvent.Operation.ERASE) {
                    continue;
                }
                final LocalDateTime newest = newestMerged.get(event.customerId());
                if (erased.contains(event.customerId())) {
                    quarantine(event, QuarantineReason.CUSTOMER_ERASED);
                } else if (budgetSeconds != null && newest != null
                        && newest.toEpochSecond(ZoneOffset.UTC) - Events.utc(event).toEpochSecond(ZoneOffset.UTC) > budgetSeconds) {
                    quarantine(event, QuarantineReason.BEYOND_LATENESS_BUDGET);
                } else {
                    applied.add(event);
                }
            }
            batch.forEach(event -> newestMerged.merge(event.customerId(), Events.utc(event), (a, b) -> a.isAfter(b) ? a : b));
            applied.removeIf(event -> erased.contains(event.customerId()));
        }

        private void quarantine(final CustomerEvent event, final QuarantineReason reason) {
            quarantined.add(new Quarantined(event.customerId(), event.op().name(), Events.utc(event), reason));
        }

        public State state() {
            return expected(applied);
        }

        public List<Quarantined> quarantined() {
            return quarantined;
        }

        public Set<Long> erased() {
            return erased;
        }
    }

    public static State expected(final Collection<CustomerEvent> events) {
        final Map<Long, TreeMap<LocalDateTime, CustomerEvent>> byKey = new TreeMap<>();
        for (final CustomerEvent event : events) {
            // One event per key and event time: a DELETE beats an upsert, then the larger row hash wins.
            byKey.computeIfAbsent(event.customerId(), id -> new TreeMap<>())
                    .merge(Events.utc(event), event, (a, b) -> TIE_BREAK.compare(a, b) >= 0 ? a : b);
        }
        final List<Version> history = new ArrayList<>();
        final List<Current> customers = new ArrayList<>();
        for (final TreeMap<LocalDateTime, CustomerEvent> timeline : byKey.values()) {
            final List<Version> versions = new ArrayList<>();
            CustomerEvent open = null;       // the event that opened the live version, if the customer is live
            LocalDateTime deletedAt = null;
            for (final CustomerEvent event : timeline.values()) {
                if (event.isDelete()) {
                    if (open != null) {
                        versions.add(version(open, Events.utc(event)));
                        deletedAt = Events.utc(event);
                        open = null;
                    }
                } else if (open == null || !rowHash(open).equals(rowHash(event))) {
                    if (open != null) {
                        versions.add(version(open, Events.utc(event)));
                    }
                    open = event;
                    deletedAt = null;
                }
            }
            if (open != null) {
                versions.add(version(open, null));
            }
            history.addAll(versions);
            if (!versions.isEmpty()) {
                final Version last = versions.getLast();
                customers.add(new Current(last.customerId(), last.attributes(), last.rowHash(), last.validFrom(),
                        open == null, open == null ? Objects.requireNonNull(deletedAt) : null));
            }
        }
        return new State(history, customers);
    }

    /** Customer id to attributes of every customer whose version in {@code history} covers event time {@code asOf}. */
    public static Map<Long, List<String>> asOf(final List<Version> history, final LocalDateTime asOf) {
        final Map<Long, List<String>> customers = new TreeMap<>();
        for (final Version version : history) {
            if (!version.validFrom().isAfter(asOf) && (version.validTo() == null || version.validTo().isAfter(asOf))) {
                customers.put(version.customerId(), version.attributes());
            }
        }
        return customers;
    }

    private static final Comparator<CustomerEvent> TIE_BREAK = Comparator
            .comparing((CustomerEvent e) -> e.isDelete() ? 1 : 0)
            .thenComparing(ScdModel::rowHash);

    private static Version version(final CustomerEvent opened, final LocalDateTime closedAt) {
        return new Version(opened.customerId(), opened.values(), rowHash(opened), Events.utc(opened), closedAt, closedAt == null);
    }

    /**
     * The row hash the merge computes: MD5 over length-prefixed attributes ('~' for NULL), lengths in characters as SQL's
     * LENGTH counts them. Written out here independently of the SQL, so tests notice if either changes.
     */
    public static String rowHash(final CustomerEvent event) {
        final StringBuilder text = new StringBuilder();
        for (final String value : event.values()) {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(value == null ? "~" : value.codePointCount(0, value.length()) + ":" + value);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.customertrack.nifi.merge;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.CustomerEvent;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
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
        private final Declaration declaration;
        private final Long budgetSeconds;
        private final Map<Long, LocalDateTime> newestMerged = new TreeMap<>();
        private final Set<Long> erased = new TreeSet<>();
        private final List<CustomerEvent> applied = new ArrayList<>();
        private final List<Quarantined> quarantined = new ArrayList<>();

        /**
         * @param budgetSeconds null: no budget
         */
        public Merges(final Long budgetSeconds) {
            this(Declaration.defaultDeclaration(), budgetSeconds);
        }

        /**
         * @param budgetSeconds null: no budget
         */
        public Merges(final Declaration declaration, final Long budgetSeconds) {
            this.declaration = declaration;
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
            return expected(declaration, applied);
        }

        public List<Quarantined> quarantined() {
            return quarantined;
        }

        public Set<Long> erased() {
            return erased;
        }
    }

    public static State expected(final Collection<CustomerEvent> events) {
        return expected(Declaration.defaultDeclaration(), events);
    }

    /** As {@link #expected(Collection)} for events of {@code declaration}'s attributes. */
    public static State expected(final Declaration declaration, final Collection<CustomerEvent> events) {
        final Comparator<CustomerEvent> tieBreak = Comparator
                .comparing((CustomerEvent e) -> e.isDelete() ? 1 : 0)
                .thenComparing(e -> rowHash(declaration, e));
        final Map<Long, TreeMap<LocalDateTime, CustomerEvent>> byKey = new TreeMap<>();
        for (final CustomerEvent event : events) {
            // One event per key and event time: a DELETE beats an upsert, then the larger row hash wins.
            byKey.computeIfAbsent(event.customerId(), id -> new TreeMap<>())
                    .merge(Events.utc(event), event, (a, b) -> tieBreak.compare(a, b) >= 0 ? a : b);
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
                        versions.add(version(declaration, open, Events.utc(event)));
                        deletedAt = Events.utc(event);
                        open = null;
                    }
                } else if (open == null || !rowHash(declaration, open).equals(rowHash(declaration, event))) {
                    if (open != null) {
                        versions.add(version(declaration, open, Events.utc(event)));
                    }
                    open = event;
                    deletedAt = null;
                }
            }
            if (open != null) {
                versions.add(version(declaration, open, null));
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

    private static Version version(final Declaration declaration, final CustomerEvent opened, final LocalDateTime closedAt) {
        return new Version(opened.customerId(), opened.values(), rowHash(declaration, opened), Events.utc(opened), closedAt, closedAt == null);
    }

    /** The row hash of an event of the default declaration, whose attributes are all text. */
    public static String rowHash(final CustomerEvent event) {
        return rowHash(Declaration.defaultDeclaration(), event);
    }

    /**
     * The row hash the merge computes: MD5 over the attributes in declared order, comma-separated, '~' for NULL. Text is
     * length-prefixed, its length in characters as SQL's LENGTH counts them; every other type is hashed as the SQL casts
     * it to text. An attribute a migration appended adds ",name=value" when set and nothing when NULL. Written out here
     * independently of the SQL, so tests notice if either changes.
     */
    public static String rowHash(final Declaration declaration, final CustomerEvent event) {
        final List<Attribute> attributes = declaration.attributes();
        if (attributes.size() != event.values().size()) {
            throw new IllegalArgumentException("event of " + event.values().size() + " values for " + attributes.size() + " attributes");
        }
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < attributes.size(); i++) {
            final Attribute attribute = attributes.get(i);
            final String value = event.values().get(i);
            if (attribute.since() > 1) {
                // Appended by a migration: present only when set, under its name, so hashes stored before it existed hold.
                if (value != null) {
                    text.append(',').append(attribute.name()).append('=').append(hashed(attribute.type(), value));
                }
                continue;
            }
            if (i > 0) {
                text.append(',');
            }
            text.append(value == null ? "~" : hashed(attribute.type(), value));
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A canonical value as the row hash reads it. CAST(NUMBER(p,s) AS VARCHAR) writes all s fraction digits on DuckDB
     * and Snowflake alike (7 in NUMBER(12,2) is 7.00), where the canonical text drops trailing zeros; a BOOLEAN casts to
     * true or false, as canonical; a DATE or TIMESTAMP_NTZ is its distance from 1970 in days or microseconds.
     */
    private static String hashed(final AttributeType type, final String value) {
        return switch (type) {
            case AttributeType.Varchar ignored -> value.codePointCount(0, value.length()) + ":" + value;
            case AttributeType.Number number -> new BigDecimal(value).setScale(number.scale()).toPlainString();
            case AttributeType.Boolean ignored -> value;
            case AttributeType.Date ignored -> Long.toString(LocalDate.parse(value).toEpochDay());
            case AttributeType.TimestampNtz ignored -> Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(value)));
        };
    }
}

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
import java.util.Collections;
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
     * What the new events of one merge did beyond versions (the receipts' counts): INSERTs and UPDATEs that won their tie and
     * opened no version, {@code noopUpdates} where their resolved values equal the previous event's, {@code inPlaceUpdates}
     * where they differ (only untracked values can). Summed over the receipts of the merge's files.
     */
    public record Counts(long noopUpdates, long inPlaceUpdates) {
    }

    /**
     * A closed version whose untracked values a late event changed in place, neither its time span nor its tracked values:
     * CUSTOMER_HISTORY_RECUT's row with change_kind 'UPDATED' (previous_valid_to = valid_to, content_changed TRUE).
     */
    public record Updated(long customerId, LocalDateTime validFrom, LocalDateTime validTo) {
    }

    /** An applied event and the number of the merge that applied it. */
    private record Applied(CustomerEvent event, int merge) {
    }

    /**
     * Merges one after another, with a lateness budget and erasures: what they apply depends on what came before. An
     * event more than the budget (in whole seconds) older than the newest event of its customer in earlier merges is
     * quarantined; an ERASE removes its customer's events and retires the id, so its every later event is quarantined.
     * Each merge also gives the {@link Counts} of its new events and the closed versions it {@link Updated}.
     */
    public static final class Merges {
        private final Declaration declaration;
        private final Long budgetSeconds;
        private final Map<Long, LocalDateTime> newestMerged = new TreeMap<>();
        private final Set<Long> erased = new TreeSet<>();
        private final List<Applied> applied = new ArrayList<>();
        private final List<Quarantined> quarantined = new ArrayList<>();
        private int merges;
        private Outcome last = new Outcome(new State(List.of(), List.of()), new Counts(0, 0));
        private List<Updated> updated = List.of();

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

        /** Merges {@code batch} (the events of one merge's files) and returns what its new events counted. */
        public Counts merge(final Collection<CustomerEvent> batch) {
            merges++;
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
                    applied.add(new Applied(event, merges));
                }
            }
            batch.forEach(event -> newestMerged.merge(event.customerId(), Events.utc(event), (a, b) -> a.isAfter(b) ? a : b));
            applied.removeIf(event -> erased.contains(event.event().customerId()));
            final State before = last.state();
            last = replay(declaration, applied, merges);
            updated = updatedInPlace(declaration, before, last.state());
            return last.counts();
        }

        private void quarantine(final CustomerEvent event, final QuarantineReason reason) {
            quarantined.add(new Quarantined(event.customerId(), event.op().name(), Events.utc(event), reason));
        }

        public State state() {
            return last.state();
        }

        /** The versions closed before the last merge whose untracked values it changed in place, by customer and start. */
        public List<Updated> updated() {
            return updated;
        }

        public List<Quarantined> quarantined() {
            return quarantined;
        }

        public Set<Long> erased() {
            return erased;
        }
    }

    /**
     * Versions that were closed before and are after, with the same start, end and tracked values, but other untracked
     * values: the audit's UPDATED rows. (A version re-timed as well is RECUT, whatever else changed.)
     */
    static List<Updated> updatedInPlace(final Declaration declaration, final State before, final State after) {
        final Map<String, Version> earlier = new TreeMap<>();
        before.history().forEach(version -> earlier.put(version.customerId() + "@" + version.validFrom(), version));
        final List<Updated> updated = new ArrayList<>();
        for (final Version version : after.history()) {
            final Version old = earlier.get(version.customerId() + "@" + version.validFrom());
            if (old != null && old.validTo() != null && old.validTo().equals(version.validTo())
                    && values(declaration, true, old).equals(values(declaration, true, version))
                    && !values(declaration, false, old).equals(values(declaration, false, version))) {
                updated.add(new Updated(version.customerId(), version.validFrom(), version.validTo()));
            }
        }
        return updated;
    }

    /** A version's tracked (or untracked) values, in declared order. */
    private static List<String> values(final Declaration declaration, final boolean tracked, final Version version) {
        final List<String> values = new ArrayList<>();
        for (int i = 0; i < declaration.attributes().size(); i++) {
            if (declaration.attributes().get(i).trackHistory() == tracked) {
                values.add(version.attributes().get(i));
            }
        }
        return values;
    }

    public static State expected(final Collection<CustomerEvent> events) {
        return expected(Declaration.defaultDeclaration(), events);
    }

    /** As {@link #expected(Collection)} for events of {@code declaration}'s attributes, all merged at once. */
    public static State expected(final Declaration declaration, final Collection<CustomerEvent> events) {
        return replay(declaration, events.stream().map(event -> new Applied(event, 1)).toList(), 1).state();
    }

    /** The tables after merging every event at once, and what the events counted. */
    public static Outcome outcome(final Declaration declaration, final Collection<CustomerEvent> events) {
        return replay(declaration, events.stream().map(event -> new Applied(event, 1)).toList(), 1);
    }

    /** The tables, and the counts of merge {@code latest}'s events. */
    public record Outcome(State state, Counts counts) {
    }

    /**
     * Every customer's events in event-time order, walked once: ties, then resolution, then versions. Events of merge
     * {@code latest} are the new ones; a merged copy beats a new one where the tie cannot tell them apart.
     */
    private static Outcome replay(final Declaration declaration, final Collection<Applied> events, final int latest) {
        // One event per key and event time: a DELETE beats an upsert, then the larger raw row hash, then an INSERT beats
        // an UPDATE, then the earlier merge.
        final Comparator<Applied> tieBreak = Comparator
                .comparing((Applied a) -> a.event().isDelete() ? 1 : 0)
                .thenComparing(a -> rowHash(declaration, a.event()))
                .thenComparing(a -> a.event().op() == CustomerEvent.Operation.INSERT ? 1 : 0)
                .thenComparing(a -> -a.merge());
        final Map<Long, TreeMap<LocalDateTime, Applied>> byKey = new TreeMap<>();
        for (final Applied event : events) {
            byKey.computeIfAbsent(event.event().customerId(), id -> new TreeMap<>())
                    .merge(Events.utc(event.event()), event, (a, b) -> tieBreak.compare(a, b) >= 0 ? a : b);
        }
        final Declaration tracked = new Declaration(declaration.version(), declaration.trackedAttributes(),
                declaration.previousShapeAcceptedUntil(), declaration.partialUpdates());
        final List<Version> history = new ArrayList<>();
        final List<Current> customers = new ArrayList<>();
        long noop = 0;
        long inPlace = 0;
        for (final TreeMap<LocalDateTime, Applied> timeline : byKey.values()) {
            final List<Version> versions = new ArrayList<>();
            List<String> previous = null;    // the resolved values of the last INSERT/UPDATE, DELETEs skipped
            List<String> opened = null;      // the resolved values of the event that opened the live version, if any
            List<String> latestValues = null; // the resolved values of the live version's latest event
            LocalDateTime openedAt = null;
            LocalDateTime deletedAt = null;
            long customerId = 0;
            for (final Applied applied : timeline.values()) {
                final CustomerEvent event = applied.event();
                customerId = event.customerId();
                final LocalDateTime at = Events.utc(event);
                if (event.isDelete()) {
                    if (opened != null) {
                        versions.add(version(declaration, customerId, opened, latestValues, openedAt, at));
                        deletedAt = at;
                        opened = null;
                    }
                    continue;
                }
                final List<String> resolved = resolve(declaration, event, previous);
                if (opened == null || !trackedHash(tracked, declaration, resolved).equals(trackedHash(tracked, declaration, previous))) {
                    if (opened != null) {
                        versions.add(version(declaration, customerId, opened, latestValues, openedAt, at));
                    }
                    opened = resolved;
                    openedAt = at;
                    deletedAt = null;
                } else if (applied.merge() == latest) {
                    if (resolved.equals(previous)) {
                        noop++;
                    } else {
                        inPlace++;
                    }
                }
                latestValues = resolved;
                previous = resolved;
            }
            if (opened != null) {
                versions.add(version(declaration, customerId, opened, latestValues, openedAt, null));
            }
            history.addAll(versions);
            if (!versions.isEmpty()) {
                final Version last = versions.getLast();
                customers.add(new Current(last.customerId(), last.attributes(), last.rowHash(), last.validFrom(),
                        opened == null, opened == null ? Objects.requireNonNull(deletedAt) : null));
            }
        }
        return new Outcome(new State(history, customers), new Counts(noop, inPlace));
    }

    /**
     * With partial updates an UPDATE's empty (NULL) value takes the previous INSERT/UPDATE's resolved one
     * (NULL if none); an INSERT starts afresh. Without partial updates the values are as they arrived.
     */
    static List<String> resolve(final Declaration declaration, final CustomerEvent event, final List<String> previous) {
        if (!declaration.partialUpdates() || event.op() != CustomerEvent.Operation.UPDATE) {
            return event.values();
        }
        final List<String> resolved = new ArrayList<>(event.values());
        for (int i = 0; i < resolved.size(); i++) {
            if (resolved.get(i) == null && previous != null) {
                resolved.set(i, previous.get(i));
            }
        }
        return resolved;
    }

    /** The row hash over the tracked attributes only, as if the declaration held only them. */
    private static String trackedHash(final Declaration tracked, final Declaration declaration, final List<String> values) {
        final List<String> trackedValues = new ArrayList<>();
        for (int i = 0; i < declaration.attributes().size(); i++) {
            if (declaration.attributes().get(i).trackHistory()) {
                trackedValues.add(values.get(i));
            }
        }
        return rowHash(tracked, trackedValues);
    }

    /** The tracked values of the event that opened it, the untracked ones of its latest event; the row hash over all. */
    private static Version version(final Declaration declaration, final long customerId, final List<String> opened,
                                   final List<String> latest, final LocalDateTime validFrom, final LocalDateTime validTo) {
        final List<String> values = new ArrayList<>();
        for (int i = 0; i < declaration.attributes().size(); i++) {
            values.add(declaration.attributes().get(i).trackHistory() ? opened.get(i) : latest.get(i));
        }
        return new Version(customerId, Collections.unmodifiableList(values), rowHash(declaration, values), validFrom, validTo, validTo == null);
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
        return rowHash(declaration, event.values());
    }

    /** {@link #rowHash(Declaration, CustomerEvent)} of values in declared order. */
    public static String rowHash(final Declaration declaration, final List<String> values) {
        final List<Attribute> attributes = declaration.attributes();
        if (attributes.size() != values.size()) {
            throw new IllegalArgumentException(values.size() + " values for " + attributes.size() + " attributes");
        }
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < attributes.size(); i++) {
            final Attribute attribute = attributes.get(i);
            final String value = values.get(i);
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

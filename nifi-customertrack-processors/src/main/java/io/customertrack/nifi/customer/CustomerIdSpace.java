package io.customertrack.nifi.customer;

import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ids a generator has issued, kept small enough for NiFi cluster state: the next id to issue, and which of the
 * most recent {@code window} ids are deleted and which erased (rings of bits indexed by id modulo the window). Updates,
 * deletes and erasures target ids inside that window, so state stays bounded however long the generator runs.
 */
public final class CustomerIdSpace {

    static final String KEY_NEXT_ID = "customer.id.next";
    static final String KEY_WINDOW_SIZE = "window.size";
    static final String KEY_DELETED = "window.deleted";
    static final String KEY_ERASED = "window.erased";
    static final String KEY_BATCH_SEQUENCE = "batch.sequence";
    static final String KEY_CLOCK_MICROS = "clock.micros";

    private final long idStart;
    private final int window;
    private long nextId;
    private final BitSet deleted;
    private final BitSet erased;
    private long batchSequence;
    private long clockMicros;

    private CustomerIdSpace(final long idStart, final int window, final long nextId, final BitSet deleted, final BitSet erased,
                            final long batchSequence, final long clockMicros) {
        this.idStart = idStart;
        this.window = window;
        this.nextId = nextId;
        this.deleted = deleted;
        this.erased = erased;
        this.batchSequence = batchSequence;
        this.clockMicros = clockMicros;
    }

    /**
     * Restores the id space from state. A window size that differs from the stored one forgets which ids were
     * deleted or erased (their bit positions no longer mean the same ids; an erased id the window forgets may be
     * picked again, and the merge quarantines its events); the next id never moves backwards.
     */
    public static CustomerIdSpace fromState(final Map<String, String> state, final long idStart, final int window) {
        final long storedNext = Long.parseLong(state.getOrDefault(KEY_NEXT_ID, Long.toString(idStart)));
        final boolean sameWindow = Integer.toString(window).equals(state.get(KEY_WINDOW_SIZE));
        return new CustomerIdSpace(idStart, window, Math.max(storedNext, idStart), bits(state, KEY_DELETED, sameWindow, window),
                bits(state, KEY_ERASED, sameWindow, window),
                Long.parseLong(state.getOrDefault(KEY_BATCH_SEQUENCE, "0")),
                Long.parseLong(state.getOrDefault(KEY_CLOCK_MICROS, "0")));
    }

    public Map<String, String> toState() {
        final Map<String, String> state = new HashMap<>();
        state.put(KEY_NEXT_ID, Long.toString(nextId));
        state.put(KEY_WINDOW_SIZE, Integer.toString(window));
        state.put(KEY_DELETED, Base64.getEncoder().encodeToString(deleted.toByteArray()));
        state.put(KEY_ERASED, Base64.getEncoder().encodeToString(erased.toByteArray()));
        state.put(KEY_BATCH_SEQUENCE, Long.toString(batchSequence));
        state.put(KEY_CLOCK_MICROS, Long.toString(clockMicros));
        return state;
    }

    private static BitSet bits(final Map<String, String> state, final String key, final boolean sameWindow, final int window) {
        final String text = state.get(key);
        return sameWindow && text != null && !text.isEmpty() ? BitSet.valueOf(Base64.getDecoder().decode(text)) : new BitSet(window);
    }

    /** Issues a new id; it starts live. */
    public long issue() {
        final long id = nextId++;
        deleted.clear(slot(id));
        erased.clear(slot(id));
        return id;
    }

    /** Whether any issued id lies in the window that updates and deletes may target. */
    public boolean hasKnownIds() {
        return nextId > idStart;
    }

    /** A uniformly chosen id among the most recent {@code window} issued ids. */
    public long pickKnownId(final SplittableRandom random) {
        final long lowest = lowestKnownId();
        return lowest + random.nextLong(nextId - lowest);
    }

    /** The lowest id that updates, deletes and erasures may still target: the oldest of the window. */
    public long lowestKnownId() {
        return Math.max(idStart, nextId - window);
    }

    public boolean isDeleted(final long id) {
        return deleted.get(slot(id));
    }

    public void markDeleted(final long id, final boolean isDeleted) {
        deleted.set(slot(id), isDeleted);
    }

    /** Whether an ERASE was generated for the id: it is retired, no event names it again. */
    public boolean isErased(final long id) {
        return erased.get(slot(id));
    }

    public void markErased(final long id) {
        erased.set(slot(id));
    }

    /** The next id that {@link #issue()} returns, without issuing it. */
    public long peekNextId() {
        return nextId;
    }

    /** Returns the sequence number of the batch about to be generated and advances it. */
    public long nextBatchSequence() {
        return batchSequence++;
    }

    /**
     * Event clock in microseconds: never goes backwards and never repeats, so events of one customer keep the order
     * in which they were generated even when a batch is produced faster than the wall clock ticks.
     */
    public long tick(final long wallClockMicros) {
        clockMicros = Math.max(clockMicros + 1, wallClockMicros);
        return clockMicros;
    }

    private int slot(final long id) {
        return (int) Math.floorMod(id, (long) window);
    }
}

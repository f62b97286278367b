package io.customertrack.nifi.processors;

import io.customertrack.nifi.merge.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** TriggerSnowflakeMerge's statements on one connection, in the session {@link #open} prepares. */
final class Warehouse {

    /** Snowflake's limit for the FILES list of one COPY; the look-ups go in chunks of the same size too. */
    static final int MAX_COPY_FILES = 1_000;

    /** A merged file: its rows, when, and its CUSTOMER_MERGE_RECEIPT (null for a file merged before receipts existed). */
    record MergedFile(long rowCount, String mergedAt, Receipt receipt) {
    }

    /** What the merge did for one file (CUSTOMER_MERGE_RECEIPT); queryId is null where the warehouse reports none. */
    record Receipt(long versionsOpened, long versionsClosed, long versionsRecut, long versionsRemoved, long noopUpdates,
                   long inPlaceUpdates, long eventsQuarantined, long erasureRequests, String queryId) {
    }

    private final Connection connection;
    private final WarehouseDialect dialect;
    private final boolean sessionSet;

    private Warehouse(final Connection connection, final WarehouseDialect dialect, final boolean sessionSet) {
        this.connection = connection;
        this.dialect = dialect;
        this.sessionSet = sessionSet;
    }

    /**
     * Bounds the session's lock waits and statements to the timeout, so that a merge waiting for another one (the
     * scheduled task's) fails instead of hanging, and tags its statements (null or empty tag: none). Where the session
     * has no such parameters (DuckDB, fakesnow) nothing is set. {@link #resetSession} undoes it.
     */
    static Warehouse open(final Connection connection, final long timeoutSeconds, final String queryTag) throws SQLException {
        final WarehouseDialect dialect = WarehouseDialect.of(connection);
        final boolean sessionParameters = dialect.hasSessionParameters(connection);
        if (sessionParameters) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(dialect.sessionSettings(timeoutSeconds, queryTag));
            }
        }
        return new Warehouse(connection, dialect, sessionParameters);
    }

    /**
     * Unsets the session parameters {@link #open} set, so that they fall back to the user's or account's values: the
     * pooled connection keeps none of this processor's settings (nor a session value it had before).
     */
    void resetSession() throws SQLException {
        if (sessionSet) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(dialect.sessionReset());
            }
        }
    }

    WarehouseDialect dialect() {
        return dialect;
    }

    /**
     * The staged files whose rows are in CUSTOMER_RAW: merged already (CUSTOMER_MERGE_LOG) or waiting in the stream. Both
     * stay small where CUSTOMER_RAW grows forever; a SELECT outside a DML transaction does not move the stream's offset.
     * {@code sourceFiles} holds every value source_file may have for a staged file (see {@link #stagedName}); equality,
     * not a suffix match, lets Snowflake prune on source_file.
     */
    Set<String> loadedFiles(final Set<String> stagedFiles, final Set<String> sourceFiles) throws SQLException {
        final Set<String> loaded = new LinkedHashSet<>();
        for (final List<String> values : chunks(sourceFiles)) {
            final String in = inList(values.size());
            try (PreparedStatement query = connection.prepareStatement("SELECT source_file FROM customer_merge_log WHERE source_file IN " + in
                    + " UNION SELECT DISTINCT source_file FROM customer_raw_stream WHERE source_file IN " + in)) {
                bind(query, values, bind(query, values, 1));
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        stagedName(rs.getString(1), stagedFiles).ifPresent(loaded::add);
                    }
                }
            }
        }
        return loaded;
    }

    /** The staged files in CUSTOMER_MERGE_LOG, with their row count, merge time (an ISO-8601 instant) and receipt. */
    Map<String, MergedFile> mergedFiles(final Set<String> stagedFiles, final Set<String> sourceFiles) throws SQLException {
        final Map<String, MergedFile> merged = new HashMap<>();
        for (final List<String> values : chunks(sourceFiles)) {
            try (PreparedStatement query = connection.prepareStatement("""
                    SELECT m.source_file, m.row_count, m.merged_at, r.source_file, r.versions_opened, r.versions_closed,
                           r.versions_recut, r.versions_removed, r.noop_updates, r.in_place_updates, r.events_quarantined,
                           r.erasure_requests, r.merge_query_id
                    FROM customer_merge_log AS m
                    LEFT JOIN customer_merge_receipt AS r ON r.source_file = m.source_file
                    WHERE m.source_file IN\s""" + inList(values.size()))) {
                bind(query, values, 1);
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        final Receipt receipt = rs.getString(4) == null ? null : new Receipt(rs.getLong(5), rs.getLong(6),
                                rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getLong(12),
                                rs.getString(13));
                        final MergedFile file = new MergedFile(rs.getLong(2), rs.getTimestamp(3).toInstant().toString(), receipt);
                        stagedName(rs.getString(1), stagedFiles).ifPresent(name -> merged.put(name, file));
                    }
                }
            }
        }
        return merged;
    }

    private static String inList(final int size) {
        return "(" + String.join(", ", Collections.nCopies(size, "?")) + ")";
    }

    private static int bind(final PreparedStatement statement, final List<String> values, final int first) throws SQLException {
        int index = first;
        for (final String value : values) {
            statement.setString(index++, value);
        }
        return index;
    }

    /**
     * The staged name a source_file stands for: the source_file itself or its part after a '/', the longest that is a
     * staged name (looked up among all of the batch's names, so every chunk's query maps a row alike).
     */
    static Optional<String> stagedName(final String sourceFile, final Set<String> stagedFiles) {
        for (int start = 0; start >= 0; start = nextAfterSlash(sourceFile, start)) {
            final String candidate = sourceFile.substring(start);
            if (stagedFiles.contains(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The index after the next '/' from {@code start}, or -1 when there is none. */
    private static int nextAfterSlash(final String path, final int start) {
        final int slash = path.indexOf('/', start);
        return slash < 0 ? -1 : slash + 1;
    }

    /** Runs the Copy Statement for these files (at most {@value #MAX_COPY_FILES}), committing where not auto-commit. */
    void copy(final String copyStatement, final List<String> files) throws SQLException {
        final List<String> literals = files.stream().map(dialect::literal).toList();
        try (Statement statement = connection.createStatement()) {
            statement.execute(copyStatement.replace(TriggerSnowflakeMerge.FILES_PLACEHOLDER, String.join(", ", literals)));
        }
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    static List<List<String>> chunks(final Collection<String> files) {
        final List<String> all = new ArrayList<>(files);
        final List<List<String>> chunks = new ArrayList<>();
        for (int from = 0; from < all.size(); from += MAX_COPY_FILES) {
            chunks.add(all.subList(from, Math.min(all.size(), from + MAX_COPY_FILES)));
        }
        return chunks;
    }
}

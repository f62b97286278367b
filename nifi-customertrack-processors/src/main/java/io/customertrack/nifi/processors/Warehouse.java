package io.customertrack.nifi.processors;

import io.customertrack.nifi.merge.WarehouseDialect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** TriggerSnowflakeMerge's statements on one connection, each tagged with the Query Tag on Snowflake. */
final class Warehouse {

    /** Snowflake's limit for the FILES list of one COPY. */
    static final int MAX_COPY_FILES = 1_000;

    record MergedFile(long rowCount, String mergedAt) {
    }

    private final Connection connection;
    private final WarehouseDialect dialect;
    private final String queryTag;

    Warehouse(final Connection connection, final WarehouseDialect dialect, final String queryTag) {
        this.connection = connection;
        this.dialect = dialect;
        this.queryTag = queryTag;
    }

    WarehouseDialect dialect() {
        return dialect;
    }

    String queryTag() {
        return queryTag;
    }

    /**
     * The files whose rows are in CUSTOMER_RAW: merged already (CUSTOMER_MERGE_LOG) or waiting in the stream. Both stay
     * small where CUSTOMER_RAW grows forever; a SELECT outside a DML transaction does not move the stream's offset.
     */
    Set<String> loadedFiles(final Set<String> files) throws SQLException {
        final String in = placeholders(files.size());
        final Set<String> loaded = new LinkedHashSet<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT source_file FROM customer_merge_log WHERE source_file IN (" + in + ")"
                        + " UNION SELECT DISTINCT source_file FROM customer_raw_stream WHERE source_file IN (" + in + ")")) {
            dialect.tag(query, queryTag);
            bind(query, files, 1);
            bind(query, files, files.size() + 1);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    loaded.add(rs.getString(1));
                }
            }
        }
        return loaded;
    }

    /** The files in CUSTOMER_MERGE_LOG, with their row count and merge time as an ISO-8601 instant. */
    Map<String, MergedFile> mergedFiles(final Set<String> files) throws SQLException {
        final Map<String, MergedFile> merged = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT source_file, row_count, merged_at FROM customer_merge_log WHERE source_file IN (" + placeholders(files.size()) + ")")) {
            dialect.tag(query, queryTag);
            bind(query, files, 1);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    final Timestamp mergedAt = rs.getTimestamp(3);
                    merged.put(rs.getString(1), new MergedFile(rs.getLong(2), mergedAt.toInstant().toString()));
                }
            }
        }
        return merged;
    }

    /** Runs the Copy Statement for these files (at most {@value #MAX_COPY_FILES}), committing where not auto-commit. */
    void copy(final String copyStatement, final List<String> files) throws SQLException {
        final List<String> literals = files.stream().map(dialect::literal).toList();
        try (Statement statement = connection.createStatement()) {
            dialect.tag(statement, queryTag);
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

    private static String placeholders(final int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    private static void bind(final PreparedStatement statement, final Set<String> values, final int first) throws SQLException {
        int index = first;
        for (final String value : values) {
            statement.setString(index++, value);
        }
    }
}

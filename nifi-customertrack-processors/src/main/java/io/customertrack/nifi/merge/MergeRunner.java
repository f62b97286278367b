package io.customertrack.nifi.merge;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@link MergeScript} in one transaction on a JDBC connection and reports what each statement did. */
public final class MergeRunner {

    /** What one merge statement changed. Inserted/updated/deleted are -1 where the driver reports only a total. */
    public record StepResult(long affected, long inserted, long updated, long deleted) {
    }

    /** The outcome of one merge transaction. {@code queryIds} holds Snowflake query ids where the driver exposes them. */
    public record Result(Map<MergeScript.Step, StepResult> steps, List<String> queryIds, long durationMillis) {
        public StepResult step(final MergeScript.Step step) {
            return steps.get(step);
        }
    }

    private MergeRunner() {
    }

    /**
     * Runs the merge statements and commits. On any error the transaction is rolled back (so no statement's effect
     * survives and a Snowflake stream keeps its offset) and the error is rethrown. The connection's auto-commit
     * setting is restored afterwards.
     */
    public static Result run(final Connection connection) throws SQLException {
        final long started = System.nanoTime();
        final List<String> statements = MergeScript.statements();
        final Map<MergeScript.Step, StepResult> steps = new EnumMap<>(MergeScript.Step.class);
        final List<String> queryIds = new ArrayList<>();
        final boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            try (Statement statement = connection.createStatement()) {
                for (int i = 0; i < statements.size(); i++) {
                    steps.put(MergeScript.Step.values()[i], execute(statement, statements.get(i)));
                    final String queryId = queryId(statement);
                    if (queryId != null) {
                        queryIds.add(queryId);
                    }
                }
            }
            connection.commit();
        } catch (final SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (final SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        } finally {
            restoreAutoCommit(connection, autoCommit);
        }
        return new Result(steps, List.copyOf(queryIds), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static StepResult execute(final Statement statement, final String sql) throws SQLException {
        if (!statement.execute(sql)) {
            final long count = statement.getLargeUpdateCount();
            return new StepResult(count, -1, -1, -1);
        }
        // Snowflake answers MERGE and INSERT with one row: "number of rows inserted", "... updated", "... deleted".
        try (ResultSet rs = statement.getResultSet()) {
            long inserted = -1;
            long updated = -1;
            long deleted = -1;
            if (rs.next()) {
                final ResultSetMetaData meta = rs.getMetaData();
                for (int column = 1; column <= meta.getColumnCount(); column++) {
                    final String label = meta.getColumnLabel(column).toLowerCase(Locale.ROOT);
                    if (label.contains("inserted")) {
                        inserted = rs.getLong(column);
                    } else if (label.contains("updated")) {
                        updated = rs.getLong(column);
                    } else if (label.contains("deleted")) {
                        deleted = rs.getLong(column);
                    }
                }
            }
            final long affected = Math.max(inserted, 0) + Math.max(updated, 0) + Math.max(deleted, 0);
            return new StepResult(affected, inserted, updated, deleted);
        }
    }

    /** Snowflake's statements expose getQueryID(); it is called reflectively so this bundle needs no driver classes. */
    private static String queryId(final Statement statement) {
        try {
            final Object id = statement.getClass().getMethod("getQueryID").invoke(statement);
            return id == null ? null : id.toString();
        } catch (final ReflectiveOperationException | RuntimeException notSnowflake) {
            return null;
        }
    }

    private static void restoreAutoCommit(final Connection connection, final boolean autoCommit) {
        try {
            if (!connection.isClosed()) {
                connection.setAutoCommit(autoCommit);
            }
        } catch (final SQLException ignored) {
            // A broken connection is discarded by the pool; there is nothing left to restore.
        }
    }
}

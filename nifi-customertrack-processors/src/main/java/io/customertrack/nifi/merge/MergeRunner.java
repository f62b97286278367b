package io.customertrack.nifi.merge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a declaration's {@link MergeScript} in one transaction on a JDBC connection and reports what each statement did. */
public final class MergeRunner {

    /** What one merge statement changed. Inserted/updated/deleted are -1 where the driver reports only a total. */
    public record StepResult(long affected, long inserted, long updated, long deleted) {
    }

    /**
     * The outcome of one merge transaction. {@code queryId} is Snowflake's id of its last merge statement (null where the
     * warehouse has none); QUERY_HISTORY's TRANSACTION_ID of it finds the others.
     */
    public record Result(Map<MergeScript.Step, StepResult> steps, String queryId, long durationMillis) {
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
    public static Result run(final Connection connection, final MergeScript script) throws SQLException {
        final long started = System.nanoTime();
        final WarehouseDialect dialect = WarehouseDialect.of(connection);
        final Map<MergeScript.Step, StepResult> steps = new EnumMap<>(MergeScript.Step.class);
        final boolean autoCommit = connection.getAutoCommit();
        final boolean queryIds = autoCommit && dialect.reportsQueryIds(connection);
        String queryId = null;
        connection.setAutoCommit(false);
        Connection physical = null;
        try {
            try (Statement statement = connection.createStatement()) {
                physical = WarehouseDialect.physicalConnection(statement);
                for (final MergeScript.Step step : script.steps()) {
                    if (!script.applies(step, statement)) {
                        steps.put(step, new StepResult(0, 0, 0, 0)); // skipped, as the procedure's IF skips it
                        continue;
                    }
                    steps.put(step, dialect.execute(statement, script.statement(step)));
                }
            }
            if (queryIds) {
                queryId = dialect.lastQueryId(connection);
                recordQueryId(connection, script, queryId);
            }
            connection.commit();
        } catch (final SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (final SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
                // Neither committed nor rolled back on a live connection: its transaction state is unknown (DuckDB's
                // driver, after a failed COMMIT, runs the next statements outside any transaction). Close the driver's
                // connection, so that a pool discards it instead of lending it to the next merge. A lost connection
                // is left to the pool's validation: closing it would wait on the dead server (snowflake-jdbc for minutes).
                if (!(e instanceof SQLException sql && dialect.isConnectionFailure(sql))) {
                    closeQuietly(physical, e);
                }
            }
            throw e;
        } finally {
            restoreAutoCommit(connection, autoCommit);
        }
        return new Result(steps, queryId, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** The run's receipts name its last statement, as the procedure's do (MergeScript#queryIdStatements). */
    private static void recordQueryId(final Connection connection, final MergeScript script, final String queryId) throws SQLException {
        for (final String sql : script.queryIdStatements()) {
            try (PreparedStatement update = connection.prepareStatement(sql)) {
                update.setString(1, queryId);
                update.executeUpdate();
            }
        }
    }

    private static void closeQuietly(final Connection physical, final Exception cause) {
        if (physical != null) {
            try {
                physical.close();
            } catch (final SQLException closeFailure) {
                cause.addSuppressed(closeFailure);
            }
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

package io.customertrack.nifi.merge;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.Locale;

/**
 * What differs between the warehouse drivers this bundle talks to, in one place: Snowflake's JDBC driver (against
 * Snowflake, or fakesnow, which reports itself as Snowflake) and any other (DuckDB in tests and the local pipeline).
 * The bundle compiles against no driver: Snowflake's statement interface is found by name on the driver's statement,
 * also when a pool wraps it (commons-dbcp2, as in NiFi's DBCPConnectionPool).
 */
public enum WarehouseDialect {

    SNOWFLAKE {
        /**
         * snowflake-jdbc 4.0.0 answers MERGE, INSERT and DELETE with one row ("number of rows inserted", "... updated",
         * "... deleted"); {@code execute()} drops that row and keeps only the total, {@code executeQuery()} returns it.
         */
        @Override
        MergeRunner.StepResult execute(final Statement statement, final String sql) throws SQLException {
            long inserted = -1;
            long updated = -1;
            long deleted = -1;
            try (ResultSet rs = statement.executeQuery(sql)) {
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
            }
            final long affected = Math.max(inserted, 0) + Math.max(updated, 0) + Math.max(deleted, 0);
            return new MergeRunner.StepResult(affected, inserted, updated, deleted);
        }

        @Override
        public String queryId(final Statement statement) throws SQLException {
            final Object id = invokeOnDriverStatement(statement, "getQueryID", new Class<?>[0]);
            return id == null ? null : id.toString();
        }

        /** A statement-level QUERY_TAG: sent with each query, so nothing is left on a pooled connection. */
        @Override
        public void tag(final Statement statement, final String tag) throws SQLException {
            if (tag != null && !tag.isBlank()) {
                invokeOnDriverStatement(statement, "setParameter", new Class<?>[] {String.class, Object.class}, "QUERY_TAG", tag);
            }
        }

        /** Snowflake treats a backslash in a single-quoted literal as an escape character, so it is escaped too. */
        @Override
        public String literal(final String value) {
            return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
        }

        /** snowflake-jdbc reports network and I/O failures as plain SQLExceptions with SQLState 58030 (IO_ERROR). */
        @Override
        boolean isConnectionFailureState(final String sqlState) {
            return super.isConnectionFailureState(sqlState) || "58030".equals(sqlState);
        }
    },

    OTHER {
        @Override
        MergeRunner.StepResult execute(final Statement statement, final String sql) throws SQLException {
            return new MergeRunner.StepResult(statement.executeLargeUpdate(sql), -1, -1, -1);
        }

        @Override
        public String queryId(final Statement statement) {
            return null;
        }

        @Override
        public void tag(final Statement statement, final String tag) {
        }

        @Override
        public String literal(final String value) {
            return "'" + value.replace("'", "''") + "'";
        }
    };

    private static final String SNOWFLAKE_STATEMENT = "net.snowflake.client.api.statement.SnowflakeStatement";

    public static WarehouseDialect of(final Connection connection) throws SQLException {
        return "Snowflake".equalsIgnoreCase(connection.getMetaData().getDatabaseProductName()) ? SNOWFLAKE : OTHER;
    }

    /** Runs one DML statement and reports its counts as far as the driver tells them. */
    abstract MergeRunner.StepResult execute(Statement statement, String sql) throws SQLException;

    /** The warehouse's id of the statement just run, or null where there is none. */
    public abstract String queryId(Statement statement) throws SQLException;

    /** Marks the statements run through this statement with the tag (empty or null: no tag). */
    public abstract void tag(Statement statement, String tag) throws SQLException;

    /** The value as a single-quoted string literal that no value can end early. */
    public abstract String literal(String value);

    /** Whether an error means the connection failed, so the same statements may well succeed on another. */
    public boolean isConnectionFailure(final SQLException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLRecoverableException || cause instanceof SQLTransientException
                    || cause instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null && isConnectionFailureState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** SQLState class 08: connection exception (SQL standard). */
    boolean isConnectionFailureState(final String sqlState) {
        return sqlState.startsWith("08");
    }

    /** Calls a method of Snowflake's statement interface on the driver's own statement, under any pool wrappers. */
    private static Object invokeOnDriverStatement(final Statement statement, final String method, final Class<?>[] parameterTypes,
                                                  final Object... arguments) throws SQLException {
        final Object driverStatement = innermost(statement);
        for (Class<?> type = driverStatement.getClass(); type != null; type = type.getSuperclass()) {
            for (final Class<?> contract : type.getInterfaces()) {
                final Class<?> snowflakeStatement = find(contract);
                if (snowflakeStatement != null) {
                    try {
                        return snowflakeStatement.getMethod(method, parameterTypes).invoke(driverStatement, arguments);
                    } catch (final ReflectiveOperationException e) {
                        throw new SQLException("Cannot call " + method + " on " + driverStatement.getClass().getName(), e);
                    }
                }
            }
        }
        return null;
    }

    /** The interface itself or one it extends, if it is Snowflake's statement interface. */
    private static Class<?> find(final Class<?> contract) {
        if (contract.getName().equals(SNOWFLAKE_STATEMENT)) {
            return contract;
        }
        for (final Class<?> parent : contract.getInterfaces()) {
            final Class<?> found = find(parent);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The driver's own connection behind a statement, also through commons-dbcp2's wrappers. */
    static Connection physicalConnection(final Statement statement) throws SQLException {
        return ((Statement) innermost(statement)).getConnection();
    }

    /** commons-dbcp2's Delegating* classes (NiFi's DBCPConnectionPool) expose the driver's object this way. */
    private static Object innermost(final Statement statement) {
        try {
            final Object inner = statement.getClass().getMethod("getInnermostDelegate").invoke(statement);
            return inner == null ? statement : inner;
        } catch (final ReflectiveOperationException | RuntimeException notWrapped) {
            return statement;
        }
    }
}

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
 * What differs between the warehouses this bundle talks to, in one place: Snowflake (or fakesnow, which reports itself as
 * Snowflake), DuckDB (tests and the local pipeline) and any other. Everything goes through plain JDBC and SQL, so any
 * version of Snowflake's driver does, also behind a pool's wrappers (commons-dbcp2, as in NiFi's DBCPConnectionPool).
 */
public enum WarehouseDialect {

    SNOWFLAKE {
        /**
         * snowflake-jdbc answers MERGE, INSERT, UPDATE and DELETE with one row of counts; {@code execute()} drops that row
         * and keeps only the total, {@code executeQuery()} returns it. UPDATE's row also has "number of multi-joined rows
         * updated", which is not the rows updated.
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
                        switch (meta.getColumnLabel(column).toLowerCase(Locale.ROOT)) {
                            case "number of rows inserted" -> inserted = rs.getLong(column);
                            case "number of rows updated" -> updated = rs.getLong(column);
                            case "number of rows deleted" -> deleted = rs.getLong(column);
                            default -> {
                            }
                        }
                    }
                }
            }
            final long affected = Math.max(inserted, 0) + Math.max(updated, 0) + Math.max(deleted, 0);
            return new MergeRunner.StepResult(affected, inserted, updated, deleted);
        }

        /** Asked outside a transaction: on an emulator without the function, a failed statement would abort one. */
        @Override
        public boolean reportsQueryIds(final Connection connection) {
            try {
                lastQueryId(connection);
                return true;
            } catch (final SQLException noSuchFunction) {
                return false;
            }
        }

        @Override
        public String lastQueryId(final Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT LAST_QUERY_ID()")) {
                return rs.next() ? rs.getString(1) : null;
            }
        }

        /** Snowflake lists its session parameters; an emulator that has none lists none (fakesnow). */
        @Override
        public boolean hasSessionParameters(final Connection connection) throws SQLException {
            try (Statement statement = connection.createStatement();
                 ResultSet rs = statement.executeQuery("SHOW PARAMETERS LIKE 'LOCK_TIMEOUT' IN SESSION")) {
                return rs.next();
            }
        }

        @Override
        public String sessionSettings(final long timeoutSeconds, final String queryTag) {
            return "ALTER SESSION SET LOCK_TIMEOUT = " + timeoutSeconds + ", STATEMENT_TIMEOUT_IN_SECONDS = " + timeoutSeconds
                    + (queryTag == null || queryTag.isBlank() ? "" : ", QUERY_TAG = " + literal(queryTag));
        }

        /** UNSET returns each parameter to the user's or account's value. */
        @Override
        public String sessionReset() {
            return "ALTER SESSION UNSET LOCK_TIMEOUT, STATEMENT_TIMEOUT_IN_SECONDS, QUERY_TAG";
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

    DUCKDB {
        /** DuckDB does not wait for a lock: a write to a row another open transaction wrote fails at once, without SQLState. */
        @Override
        boolean isContention(final SQLException e) {
            return super.isContention(e) || e.getMessage() != null && e.getMessage().startsWith("TransactionContext Error: Conflict");
        }
    },

    OTHER;

    public static WarehouseDialect of(final Connection connection) throws SQLException {
        final String product = connection.getMetaData().getDatabaseProductName();
        if ("Snowflake".equalsIgnoreCase(product)) {
            return SNOWFLAKE;
        }
        return "DuckDB".equalsIgnoreCase(product) ? DUCKDB : OTHER;
    }

    /** Runs one DML statement and reports its counts as far as the driver tells them. */
    MergeRunner.StepResult execute(final Statement statement, final String sql) throws SQLException {
        return new MergeRunner.StepResult(statement.executeLargeUpdate(sql), -1, -1, -1);
    }

    /** Whether {@link #lastQueryId} answers on this connection; call it outside a transaction. */
    public boolean reportsQueryIds(final Connection connection) {
        return false;
    }

    /** The warehouse's id of the statement run last on this connection, or null where there is none. */
    public String lastQueryId(final Connection connection) throws SQLException {
        return null;
    }

    /** Whether the session takes {@link #sessionSettings}. */
    public boolean hasSessionParameters(final Connection connection) throws SQLException {
        return false;
    }

    /**
     * The statement that bounds the session's lock waits and statements to the timeout and tags its statements (null or
     * empty tag: none); {@link #sessionReset} undoes it.
     */
    public String sessionSettings(final long timeoutSeconds, final String queryTag) {
        throw new UnsupportedOperationException(name() + " has no session parameters");
    }

    public String sessionReset() {
        throw new UnsupportedOperationException(name() + " has no session parameters");
    }

    /** The value as a single-quoted string literal that no value can end early. */
    public String literal(final String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private static final int SNOWFLAKE_STATEMENT_TIMEOUT = 630;

    /**
     * Whether the same statements may well succeed when run again: the connection failed, or the transaction met another
     * one (it waited too long for a lock, or a write conflicted) and was rolled back.
     */
    public boolean isRetryable(final SQLException e) {
        if (isConnectionFailure(e)) {
            return true;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && isContention(sql)) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLState 57014, query canceled (SQL standard): Snowflake's error 000625 (a statement that waited too long for
     * another transaction's lock) carries it, and so do snowflake-jdbc's own cancellations (ErrorCode.QUERY_CANCELED and
     * INTERRUPTED use SqlState.QUERY_CANCELED). SQLState 40001, serialization failure (SQL standard), is a conflict with
     * another transaction. A statement timeout carries 57014 too but is no contention: see {@link #isStatementTimeout}.
     */
    boolean isContention(final SQLException e) {
        return "57014".equals(e.getSQLState()) && !isStatementTimeout(e) || "40001".equals(e.getSQLState());
    }

    /**
     * Snowflake's error 000630: the statement reached STATEMENT_TIMEOUT_IN_SECONDS and was canceled. The same merge
     * would run out of time again, so it is not retried.
     */
    public boolean isStatementTimeout(final SQLException e) {
        return "57014".equals(e.getSQLState()) && e.getErrorCode() == SNOWFLAKE_STATEMENT_TIMEOUT;
    }

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

package io.customertrack.nifi.merge;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The non-Snowflake side of WarehouseDialect on DuckDB; FakesnowMergeIT holds the Snowflake side to the real driver. */
class WarehouseDialectTest {

    @Test
    void literalsKeepHostileValuesOnDuckDb() throws SQLException {
        try (Connection connection = CustomerStore.open("jdbc:duckdb:"); Statement statement = connection.createStatement()) {
            assertEquals(WarehouseDialect.DUCKDB, WarehouseDialect.of(connection));
            for (final String value : List.of("it's.csv", "ends-in-backslash\\", "');DROP TABLE customer;--", "\\'")) {
                try (ResultSet rs = statement.executeQuery("SELECT " + WarehouseDialect.DUCKDB.literal(value))) {
                    assertTrue(rs.next());
                    assertEquals(value, rs.getString(1));
                }
            }
        }
    }

    @Test
    void snowflakeEscapesBackslashesWhereOtherDatabasesTakeThemLiterally() {
        assertEquals("'a\\\\'", WarehouseDialect.SNOWFLAKE.literal("a\\"));
        assertEquals("'a\\'", WarehouseDialect.OTHER.literal("a\\"));
        assertEquals("'it''s'", WarehouseDialect.SNOWFLAKE.literal("it's"));
    }

    @Test
    void connectionFailuresAreToldApartFromSqlErrors() {
        for (final WarehouseDialect dialect : WarehouseDialect.values()) {
            assertTrue(dialect.isConnectionFailure(new SQLRecoverableException("reset")));
            assertTrue(dialect.isConnectionFailure(new SQLException("communication error", "08001")));
            assertFalse(dialect.isConnectionFailure(new SQLException("SQL compilation error", "42S02")));
        }
        // snowflake-jdbc 4.0.0 reports network and I/O failures with SQLState 58030 (SqlState.IO_ERROR).
        final SQLException ioError = new SQLException("JDBC driver encountered communication error", "58030");
        assertTrue(WarehouseDialect.SNOWFLAKE.isConnectionFailure(new SQLException("wrapped", "XX000", ioError)));
        assertFalse(WarehouseDialect.OTHER.isConnectionFailure(ioError));
    }

    /**
     * A merge that waited too long for another one's lock (Snowflake 000625), ran past STATEMENT_TIMEOUT_IN_SECONDS
     * (000630), was canceled by the driver, or conflicted with another transaction is worth running again.
     */
    @Test
    void lockWaitsAndWriteConflictsAreRetriedButNotAStatementThatRanOutOfTime() {
        final SQLException lockWait = new SQLException("Statement 'a' has locked table 'CUSTOMER_MERGE_LOCK' in transaction 1 and this "
                + "lock has not yet been released. Your statement 'b' was aborted.", "57014", 625);
        final SQLException statementTimeout = new SQLException("Statement reached its statement or warehouse timeout of 300 second(s) "
                + "and was canceled.", "57014", 630);
        for (final WarehouseDialect dialect : WarehouseDialect.values()) {
            assertTrue(dialect.isRetryable(lockWait), dialect.name());
            // A merge that ran out of time would run out of time again: retrying it would hold the lock forever.
            assertFalse(dialect.isRetryable(statementTimeout), dialect.name());
            assertTrue(dialect.isStatementTimeout(statementTimeout), dialect.name());
            assertFalse(dialect.isStatementTimeout(lockWait), dialect.name());
            assertTrue(dialect.isRetryable(new SQLException("could not serialize access", "40001")), dialect.name());
            assertTrue(dialect.isRetryable(new SQLRecoverableException("reset")), dialect.name());
            assertFalse(dialect.isRetryable(new SQLException("SQL compilation error", "42S02", 2003)), dialect.name());
            assertFalse(dialect.isConnectionFailure(lockWait), "a lock wait is no connection failure: " + dialect);
        }
    }

    /** DuckDB fails a write to a row another open transaction wrote at once, with a message and no SQLState. */
    @Test
    void duckDbsWriteConflictIsRetried() throws SQLException {
        try (Connection first = CustomerStore.open("jdbc:duckdb:");
             Connection second = ((org.duckdb.DuckDBConnection) first).duplicate()) {
            try (Statement statement = first.createStatement()) {
                statement.execute("CREATE TABLE lock_row (taken_at TIMESTAMP)");
                statement.execute("INSERT INTO lock_row VALUES (NULL)");
            }
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            try (Statement statement = first.createStatement()) {
                statement.execute("UPDATE lock_row SET taken_at = CURRENT_TIMESTAMP");
            }
            final SQLException conflict = assertThrows(SQLException.class, () -> {
                try (Statement statement = second.createStatement()) {
                    statement.execute("UPDATE lock_row SET taken_at = CURRENT_TIMESTAMP");
                }
            });
            assertTrue(WarehouseDialect.DUCKDB.isRetryable(conflict), conflict.getMessage());
            assertFalse(WarehouseDialect.OTHER.isRetryable(conflict), "the message is DuckDB's own");
            second.rollback();
            first.rollback();
        }
    }

    @Test
    void snowflakeSessionSettingsQuoteTheTagAndUnsetWhatTheySet() {
        assertEquals("ALTER SESSION SET LOCK_TIMEOUT = 300, STATEMENT_TIMEOUT_IN_SECONDS = 300, QUERY_TAG = 'it''s \\\\ here'",
                WarehouseDialect.SNOWFLAKE.sessionSettings(300, "it's \\ here"));
        assertEquals("ALTER SESSION SET LOCK_TIMEOUT = 60, STATEMENT_TIMEOUT_IN_SECONDS = 60", WarehouseDialect.SNOWFLAKE.sessionSettings(60, null));
        assertEquals("ALTER SESSION UNSET LOCK_TIMEOUT, STATEMENT_TIMEOUT_IN_SECONDS, QUERY_TAG", WarehouseDialect.SNOWFLAKE.sessionReset());
    }
}

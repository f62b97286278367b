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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The non-Snowflake side of WarehouseDialect on DuckDB; FakesnowMergeIT holds the Snowflake side to the real driver. */
class WarehouseDialectTest {

    @Test
    void literalsKeepHostileValuesOnDuckDb() throws SQLException {
        try (Connection connection = CustomerStore.open("jdbc:duckdb:"); Statement statement = connection.createStatement()) {
            assertEquals(WarehouseDialect.OTHER, WarehouseDialect.of(connection));
            for (final String value : List.of("it's.csv", "ends-in-backslash\\", "');DROP TABLE customer;--", "\\'")) {
                try (ResultSet rs = statement.executeQuery("SELECT " + WarehouseDialect.OTHER.literal(value))) {
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
}

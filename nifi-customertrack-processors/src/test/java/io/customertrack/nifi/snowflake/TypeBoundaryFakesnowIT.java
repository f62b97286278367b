package io.customertrack.nifi.snowflake;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.nifi.processors.TypeBoundaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The canonical text of every type's boundary values, as the valid CSV carries it, cast into columns declared with the
 * types as Snowflake spells them ({@code AttributeType.sql()}), through snowflake-jdbc on fakesnow, and read back.
 * fakesnow stores a whole NUMBER(p,0) as a 64-bit integer, which Snowflake does not: NUMBER(38,0) is left to the
 * DuckDB test (as DECIMAL(38,0)), and this test asserts the gap so that it notices when fakesnow closes it.
 */
class TypeBoundaryFakesnowIT {

    private static final String WIDE_INTEGER = "NUMBER(38,0)";

    @TempDir
    static Path databases;

    @Test
    void theCanonicalTextOfEveryBoundaryValueLoadsIntoItsSnowflakeTypeAndRoundTrips() throws Exception {
        final List<Attribute> attributes = TypeBoundaries.DECLARATION.attributes().stream()
                .filter(attribute -> !WIDE_INTEGER.equals(attribute.type().sql())).toList();
        final List<Integer> columns = attributes.stream().map(TypeBoundaries.DECLARATION.attributes()::indexOf).toList();
        try (FakesnowServer server = new FakesnowServer(databases)) {
            server.createSchema();
            try (Connection connection = server.connect(); Statement sql = connection.createStatement()) {
                sql.execute("CREATE TABLE TYPE_BOUNDARIES (ROW_ID NUMBER(19,0), " + attributes.stream()
                        .map(attribute -> attribute.name() + " " + attribute.type().sql()).collect(Collectors.joining(", ")) + ")");
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO TYPE_BOUNDARIES SELECT ?, " + attributes.stream()
                        .map(attribute -> "CAST(? AS " + attribute.type().sql() + ")").collect(Collectors.joining(", ")))) {
                    for (int row = 0; row < TypeBoundaries.CANONICAL.size(); row++) {
                        insert.setLong(1, row);
                        for (int i = 0; i < attributes.size(); i++) {
                            insert.setString(2 + i, TypeBoundaries.CANONICAL.get(row).get(columns.get(i)));
                        }
                        insert.executeUpdate();
                    }
                }
                // Timestamps as text, in full: the driver prints them to the second, and fakesnow takes no output format.
                try (ResultSet rows = sql.executeQuery("SELECT ROW_ID, " + attributes.stream()
                        .map(attribute -> attribute.type() instanceof AttributeType.TimestampNtz ? "CAST(" + attribute.name() + " AS VARCHAR)"
                                : attribute.name()).collect(Collectors.joining(", ")) + " FROM TYPE_BOUNDARIES ORDER BY ROW_ID")) {
                    for (final List<String> row : TypeBoundaries.CANONICAL) {
                        assertTrue(rows.next(), "a row for each one inserted");
                        final List<String> expected = columns.stream().map(row::get).toList();
                        final List<String> loaded = new ArrayList<>();
                        for (int i = 0; i < attributes.size(); i++) {
                            loaded.add(TypeBoundaries.canonicalText(rows, 2 + i, attributes.get(i).type()));
                        }
                        assertEquals(expected, loaded);
                    }
                }
                final SQLException gap = assertThrows(SQLException.class,
                        () -> sql.execute("SELECT CAST('" + "9".repeat(38) + "' AS " + WIDE_INTEGER + ")"));
                assertTrue(gap.getMessage().contains("INT64"), gap.getMessage());
            }
        }
    }
}

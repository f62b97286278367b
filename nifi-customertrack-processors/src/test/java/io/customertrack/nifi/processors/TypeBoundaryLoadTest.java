package io.customertrack.nifi.processors;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every value the validator accepts for a type loads into that type's column: the boundary values of each type,
 * validated and written by ValidateCustomerRecord with the flow's CSV services, loaded into a table whose columns have
 * the declared types, with the CSV options of the local flow's COPY (flows/local/duckdb-copy.sql), and read back.
 * DuckDB stands in for Snowflake here: DECIMAL for NUMBER, TIMESTAMP for TIMESTAMP_NTZ; it does not enforce VARCHAR
 * lengths, which the test checks itself, in characters as Snowflake counts them.
 */
class TypeBoundaryLoadTest {

    @TempDir
    Path work;

    @Test
    void theBoundaryValuesOfEveryTypeRoundTripThroughTheFlowsCsvIntoTheDeclaredColumnTypes() throws Exception {
        final Path file = work.resolve("boundaries.csv");
        Files.writeString(file, validated(), StandardCharsets.UTF_8);
        final List<Attribute> attributes = TypeBoundaries.DECLARATION.attributes();
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = connection.createStatement()) {
            sql.execute("CREATE TABLE boundaries (customer_id BIGINT, " + attributes.stream()
                    .map(attribute -> attribute.name() + " " + duckDbType(attribute.type())).collect(Collectors.joining(", "))
                    + ", op VARCHAR, updated_at TIMESTAMP)");
            // As flows/local/duckdb-copy.sql reads the flow's CSV: every field as text, cast into the table's types.
            sql.execute("INSERT INTO boundaries SELECT customer_id, " + attributes.stream()
                    .map(attribute -> "CAST(" + attribute.name() + " AS " + duckDbType(attribute.type()) + ")").collect(Collectors.joining(", "))
                    + ", op, CAST(updated_at AS TIMESTAMP) FROM read_csv(['" + file + "'], header = true, auto_detect = false, quote = '\"',"
                    + " escape = '\"', columns = {'customer_id': 'BIGINT', " + attributes.stream()
                    .map(attribute -> "'" + attribute.name() + "': 'VARCHAR'").collect(Collectors.joining(", "))
                    + ", 'op': 'VARCHAR', 'updated_at': 'VARCHAR'})");
            try (ResultSet rows = sql.executeQuery("SELECT * FROM boundaries ORDER BY customer_id")) {
                for (final List<String> expected : TypeBoundaries.CANONICAL) {
                    assertFalse(!rows.next(), "a row for each one sent");
                    final List<String> loaded = new ArrayList<>();
                    for (int i = 0; i < attributes.size(); i++) {
                        loaded.add(TypeBoundaries.canonicalText(rows, 2 + i, attributes.get(i).type()));
                    }
                    assertEquals(expected, loaded);
                }
                assertFalse(rows.next());
            }
        }
    }

    /** The rows through ValidateCustomerRecord with the flow's CSV services: all valid, written in canonical form. */
    private String validated() throws Exception {
        final Path declaration = Files.writeString(work.resolve("boundaries.json"), """
                {"attributes": [%s]}""".formatted(TypeBoundaries.DECLARATION.attributes().stream().map(attribute -> """
                {"name": "%s", "type": "%s", "required": false, "personal": false}""".formatted(attribute.name(), attribute.type().sql()))
                .collect(Collectors.joining(", "))));
        final TestRunner runner = ValidateCustomerRecordTest.newRunner();
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, declaration.toString());
        final StringBuilder csv = new StringBuilder(String.join(",", TypeBoundaries.DECLARATION.fileColumns())).append('\n');
        for (int row = 0; row < TypeBoundaries.SENT.size(); row++) {
            csv.append(row + 1);
            TypeBoundaries.SENT.get(row).forEach(value -> csv.append(",\"").append(value.replace("\"", "\"\"")).append('"'));
            csv.append(",INSERT,2026-01-01T00:00:00Z\n");
        }
        runner.enqueue(csv.toString());
        runner.run();
        assertEquals(List.of(), runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).stream()
                .map(invalid -> invalid.getAttribute(ValidateCustomerRecord.ATTR_ERRORS)).toList(), "every boundary value is accepted");
        final MockFlowFile valid = runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst();
        valid.assertAttributeEquals("record.count", Integer.toString(TypeBoundaries.SENT.size()));
        return valid.getContent();
    }

    /** The DuckDB type of a declared type: the same but for NUMBER (DECIMAL) and TIMESTAMP_NTZ (TIMESTAMP). */
    private static String duckDbType(final AttributeType type) {
        return switch (type) {
            case AttributeType.Number number -> "DECIMAL(" + number.precision() + "," + number.scale() + ")";
            case AttributeType.TimestampNtz ignored -> "TIMESTAMP";
            default -> type.sql();
        };
    }
}

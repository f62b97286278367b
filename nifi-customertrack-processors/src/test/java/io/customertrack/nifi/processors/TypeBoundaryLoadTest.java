package io.customertrack.nifi.processors;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.nifi.customer.EventTimes;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.ZoneOffset;
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

    private static final String FOUR_BYTES = "\uD83D\uDE00";
    private static final String NINES = "9".repeat(38);

    private static final Declaration BOUNDARIES = Declaration.parse("""
            {"attributes": [
              {"name": "text", "type": "VARCHAR(12)", "required": false, "personal": false},
              {"name": "whole", "type": "NUMBER(38,0)", "required": false, "personal": false},
              {"name": "fraction", "type": "NUMBER(38,37)", "required": false, "personal": false},
              {"name": "cents", "type": "NUMBER(12,2)", "required": false, "personal": false},
              {"name": "digit", "type": "NUMBER(1,0)", "required": false, "personal": false},
              {"name": "flag", "type": "BOOLEAN", "required": false, "personal": false},
              {"name": "day", "type": "DATE", "required": false, "personal": false},
              {"name": "moment", "type": "TIMESTAMP_NTZ", "required": false, "personal": false}
            ]}""");

    /** Rows of values as sent; the validator's canonical text of each is what must come back. */
    private static final List<List<String>> SENT = List.of(
            List.of(FOUR_BYTES.repeat(12), NINES, "9." + "9".repeat(37), "9999999999.99", "9", "TRUE", "9999-12-31",
                    "9999-12-31T23:59:59.999999Z"),
            List.of("a,\"b\"\n" + FOUR_BYTES + " \u00e9\t;x", "-" + NINES, "-9." + "9".repeat(37), "-9999999999.99", "-9", "false",
                    "1582-01-01", "1582-01-01T00:00:00Z"),
            List.of("\\N", "0", "0." + "0".repeat(36) + "1", "-0.01", "0", "False", "2024-02-29", "2026-01-31T13:30:00.5+01:30"),
            List.of("NULL", "-0", "-0.5", "0.10", "-0", "true", "2000-01-01", "1970-01-01T00:00:00.000001Z"));

    private static final List<List<String>> CANONICAL = List.of(
            List.of(FOUR_BYTES.repeat(12), NINES, "9." + "9".repeat(37), "9999999999.99", "9", "true", "9999-12-31",
                    "9999-12-31T23:59:59.999999Z"),
            List.of("a,\"b\"\n" + FOUR_BYTES + " \u00e9\t;x", "-" + NINES, "-9." + "9".repeat(37), "-9999999999.99", "-9", "false",
                    "1582-01-01", "1582-01-01T00:00:00.000000Z"),
            List.of("\\N", "0", "0." + "0".repeat(36) + "1", "-0.01", "0", "false", "2024-02-29", "2026-01-31T12:00:00.500000Z"),
            List.of("NULL", "0", "-0.5", "0.1", "0", "true", "2000-01-01", "1970-01-01T00:00:00.000001Z"));

    @TempDir
    Path work;

    @Test
    void theBoundaryValuesOfEveryTypeRoundTripThroughTheFlowsCsvIntoTheDeclaredColumnTypes() throws Exception {
        final Path file = work.resolve("boundaries.csv");
        Files.writeString(file, validated(), StandardCharsets.UTF_8);
        final List<Attribute> attributes = BOUNDARIES.attributes();
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
                for (final List<String> expected : CANONICAL) {
                    assertFalse(!rows.next(), "a row for each one sent");
                    final List<String> loaded = new ArrayList<>();
                    for (int i = 0; i < attributes.size(); i++) {
                        loaded.add(text(rows, 2 + i, attributes.get(i).type()));
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
                {"attributes": [%s]}""".formatted(BOUNDARIES.attributes().stream().map(attribute -> """
                {"name": "%s", "type": "%s", "required": false, "personal": false}""".formatted(attribute.name(), attribute.type().sql()))
                .collect(Collectors.joining(", "))));
        final TestRunner runner = ValidateCustomerRecordTest.newRunner();
        runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, declaration.toString());
        final StringBuilder csv = new StringBuilder(String.join(",", BOUNDARIES.fileColumns())).append('\n');
        for (int row = 0; row < SENT.size(); row++) {
            csv.append(row + 1);
            SENT.get(row).forEach(value -> csv.append(",\"").append(value.replace("\"", "\"\"")).append('"'));
            csv.append(",INSERT,2026-01-01T00:00:00Z\n");
        }
        runner.enqueue(csv.toString());
        runner.run();
        assertEquals(List.of(), runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_INVALID).stream()
                .map(invalid -> invalid.getAttribute(ValidateCustomerRecord.ATTR_ERRORS)).toList(), "every boundary value is accepted");
        final MockFlowFile valid = runner.getFlowFilesForRelationship(ValidateCustomerRecord.REL_VALID).getFirst();
        valid.assertAttributeEquals("record.count", Integer.toString(SENT.size()));
        return valid.getContent();
    }

    /** The column's value as the validator's canonical text of its type. */
    private static String text(final ResultSet rows, final int column, final AttributeType type) throws Exception {
        return switch (type) {
            case AttributeType.Varchar varchar -> {
                final String value = rows.getString(column);
                assertFalse(value.codePointCount(0, value.length()) > varchar.length(), "fits " + type.sql());
                yield value;
            }
            case AttributeType.Number ignored -> {
                final BigDecimal value = rows.getBigDecimal(column);
                yield value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
            }
            case AttributeType.Boolean ignored -> Boolean.toString(rows.getBoolean(column));
            case AttributeType.Date ignored -> rows.getObject(column, java.time.LocalDate.class).toString();
            case AttributeType.TimestampNtz ignored -> EventTimes.format(rows.getObject(column, Timestamp.class).toLocalDateTime().toInstant(ZoneOffset.UTC));
        };
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

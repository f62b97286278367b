package io.customertrack.nifi.merge;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Compares the warehouse's CUSTOMER_RAW with the columns a declaration gives it: the file columns, then the load's
 * bookkeeping columns. Read from INFORMATION_SCHEMA.COLUMNS of the connection's current schema, which Snowflake,
 * fakesnow and DuckDB all answer (each with its own type names, hence type families below). A merge on a table of
 * other columns would fail half-way, or worse, merge the wrong values: the processor checks before its first merge.
 */
public final class RawColumns {

    /** The columns the load adds to every file's: where and when each row came from. */
    static final List<String> BOOKKEEPING = List.of("source_file", "source_row_number", "loaded_at");

    static final String QUERY = """
            SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale
            FROM information_schema.columns
            WHERE UPPER(table_name) = 'CUSTOMER_RAW' AND UPPER(table_schema) = UPPER(CURRENT_SCHEMA())
            ORDER BY ordinal_position""";

    private static final Set<String> TEXT = Set.of("VARCHAR", "TEXT", "STRING", "CHARACTER VARYING", "CHAR", "CHARACTER");
    private static final Set<String> INTEGERS = Set.of("BIGINT", "INTEGER", "INT", "SMALLINT", "TINYINT", "HUGEINT", "BYTEINT");

    /** A column as INFORMATION_SCHEMA describes it; sizes null where the warehouse does not report them. */
    record Column(String name, String dataType, Long length, Integer precision, Integer scale) {
    }

    private RawColumns() {
    }

    /**
     * What differs between the connection's CUSTOMER_RAW and the declaration's columns, one sentence per kind of
     * difference naming the columns; empty when they match.
     */
    public static List<String> differences(final Connection connection, final Declaration declaration) throws SQLException {
        final List<Column> columns = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(QUERY)) {
            while (rows.next()) {
                columns.add(new Column(rows.getString(1), rows.getString(2), longOrNull(rows, 3), intOrNull(rows, 4), intOrNull(rows, 5)));
            }
        }
        return differences(columns, declaration);
    }

    static List<String> differences(final List<Column> columns, final Declaration declaration) {
        if (columns.isEmpty()) {
            return List.of("CUSTOMER_RAW is not a table of the connection's current schema (or its role cannot see it)");
        }
        final Map<String, Column> actual = new LinkedHashMap<>();
        columns.forEach(column -> actual.put(column.name().toLowerCase(Locale.ROOT), column));
        final List<String> expected = new ArrayList<>(declaration.fileColumns());
        expected.addAll(BOOKKEEPING);
        final List<String> missing = expected.stream().filter(name -> !actual.containsKey(name)).toList();
        final List<String> extra = actual.keySet().stream().filter(name -> !expected.contains(name)).toList();
        final List<String> differentTypes = new ArrayList<>();
        for (final Attribute attribute : declaration.attributes()) {
            final Column column = actual.get(attribute.name());
            if (column != null && !matches(attribute.type(), column)) {
                differentTypes.add(attribute.name() + " is " + describe(column) + ", declared " + attribute.type().sql());
            }
        }
        final List<String> differences = new ArrayList<>();
        if (!missing.isEmpty()) {
            differences.add("missing column(s) " + String.join(", ", missing));
        }
        if (!extra.isEmpty()) {
            differences.add("column(s) not in the declaration " + String.join(", ", extra));
        }
        if (!differentTypes.isEmpty()) {
            differences.add("different type(s): " + String.join("; ", differentTypes));
        }
        return differences;
    }

    /** The same kind of type, and the same size where the warehouse reports one (DuckDB keeps no VARCHAR length). */
    static boolean matches(final AttributeType declared, final Column column) {
        final String type = column.dataType() == null ? "" : column.dataType().toUpperCase(Locale.ROOT);
        return switch (declared) {
            case AttributeType.Varchar varchar -> (TEXT.contains(type) || type.startsWith("VARCHAR"))
                    && (column.length() == null || column.length() == varchar.length());
            case AttributeType.Number number -> INTEGERS.contains(type) ? number.scale() == 0
                    : (type.startsWith("NUMBER") || type.startsWith("DECIMAL") || type.startsWith("NUMERIC"))
                    && (column.precision() == null || column.precision() == number.precision())
                    && (column.scale() == null || column.scale() == number.scale());
            case AttributeType.Boolean ignored -> type.equals("BOOLEAN");
            case AttributeType.Date ignored -> type.equals("DATE");
            case AttributeType.TimestampNtz ignored -> type.startsWith("TIMESTAMP_NTZ") || type.equals("TIMESTAMP")
                    || type.equals("TIMESTAMP WITHOUT TIME ZONE") || type.equals("DATETIME");
        };
    }

    private static String describe(final Column column) {
        if (column.length() != null) {
            return column.dataType() + "(" + column.length() + ")";
        }
        if (column.precision() != null && column.scale() != null && !INTEGERS.contains(column.dataType().toUpperCase(Locale.ROOT))) {
            return column.dataType() + "(" + column.precision() + "," + column.scale() + ")";
        }
        return column.dataType();
    }

    private static Long longOrNull(final ResultSet rows, final int column) throws SQLException {
        final long value = rows.getLong(column);
        return rows.wasNull() ? null : value;
    }

    private static Integer intOrNull(final ResultSet rows, final int column) throws SQLException {
        final int value = rows.getInt(column);
        return rows.wasNull() ? null : value;
    }
}

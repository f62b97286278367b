package io.customertrack.nifi.processors;

import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.check.EventTimes;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.List;

/**
 * The boundary values of every declared type: the longest VARCHAR in 4-byte characters, the largest, smallest and most
 * fractional NUMBERs, both BOOLEANs, the earliest and latest DATE and TIMESTAMP_NTZ, and what the validator makes of them.
 */
public final class TypeBoundaries {

    private static final String FOUR_BYTES = "\uD83D\uDE00";
    private static final String NINES = "9".repeat(38);

    public static final Declaration DECLARATION = Declaration.parse("""
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

    /**
     * Rows of values as sent: the boundaries of each type, and text the CSV must quote. The validator's canonical text
     * of each, below, is what must come back.
     */
    public static final List<List<String>> SENT = List.of(
            List.of(FOUR_BYTES.repeat(12), NINES, "9." + "9".repeat(37), "9999999999.99", "9", "TRUE", "9999-12-31",
                    "9999-12-31T23:59:59.999999Z"),
            List.of("a,\"b\"\n" + FOUR_BYTES + " \u00e9\t;x", "-" + NINES, "-9." + "9".repeat(37), "-9999999999.99", "-9", "false",
                    "1582-01-01", "1582-01-01T00:00:00Z"),
            List.of("\\N", "0", "0." + "0".repeat(36) + "1", "-0.01", "0", "False", "2024-02-29", "2026-01-31T13:30:00.5+01:30"),
            List.of("NULL", "-0", "-0.5", "0.10", "-0", "true", "2000-01-01", "1970-01-01T00:00:00.000001Z"));

    public static final List<List<String>> CANONICAL = List.of(
            List.of(FOUR_BYTES.repeat(12), NINES, "9." + "9".repeat(37), "9999999999.99", "9", "true", "9999-12-31",
                    "9999-12-31T23:59:59.999999Z"),
            List.of("a,\"b\"\n" + FOUR_BYTES + " \u00e9\t;x", "-" + NINES, "-9." + "9".repeat(37), "-9999999999.99", "-9", "false",
                    "1582-01-01", "1582-01-01T00:00:00.000000Z"),
            List.of("\\N", "0", "0." + "0".repeat(36) + "1", "-0.01", "0", "false", "2024-02-29", "2026-01-31T12:00:00.500000Z"),
            List.of("NULL", "0", "-0.5", "0.1", "0", "true", "2000-01-01", "1970-01-01T00:00:00.000001Z"));

    private TypeBoundaries() {
    }

    /** The column's value as the validator's canonical text of its type. */
    public static String canonicalText(final ResultSet rows, final int column, final AttributeType type) throws SQLException {
        return switch (type) {
            case AttributeType.Varchar varchar -> {
                final String value = rows.getString(column);
                if (value.codePointCount(0, value.length()) > varchar.length()) {
                    throw new AssertionError("longer than " + type.sql() + ": " + value);
                }
                yield value;
            }
            case AttributeType.Number ignored -> {
                final BigDecimal value = rows.getBigDecimal(column);
                yield value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
            }
            case AttributeType.Boolean ignored -> Boolean.toString(rows.getBoolean(column));
            case AttributeType.Date ignored -> LocalDate.parse(rows.getString(column)).toString();
            case AttributeType.TimestampNtz ignored -> timestamp(rows.getString(column));
        };
    }

    /**
     * A timestamp read as text (java.sql.Timestamp would move a date before 1582-10-15 into the Julian calendar), in
     * the form the databases print it, {@code yyyy-MM-dd HH:mm:ss[.fraction]}, which EventTimes reads as UTC.
     */
    private static String timestamp(final String text) throws SQLException {
        try {
            return EventTimes.format(EventTimes.parse(text));
        } catch (final EventTimes.InvalidEventTimeException e) {
            throw new SQLException("not a timestamp: " + text, e);
        }
    }
}

package io.customertrack.declaration;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Snowflake type of a declared attribute: the column type in every table that holds the attribute, and what the
 * validator accepts for it (every value it accepts loads into the type). Written as in Snowflake DDL.
 */
public sealed interface AttributeType {

    /** The type as Snowflake DDL spells it, e.g. {@code VARCHAR(100)} or {@code NUMBER(10,2)}. */
    String sql();

    /** Text of at most {@code length} characters (Snowflake counts characters, not bytes). */
    record Varchar(int length) implements AttributeType {
        public static final int MAX_LENGTH = 16_777_216;

        @Override
        public String sql() {
            return "VARCHAR(" + length + ")";
        }
    }

    /** A decimal of at most {@code precision} digits, {@code scale} of them after the point. */
    record Number(int precision, int scale) implements AttributeType {
        @Override
        public String sql() {
            return "NUMBER(" + precision + "," + scale + ")";
        }
    }

    /** TRUE or FALSE. */
    record Boolean() implements AttributeType {
        @Override
        public String sql() {
            return "BOOLEAN";
        }
    }

    /** A calendar date, no time zone. */
    record Date() implements AttributeType {
        @Override
        public String sql() {
            return "DATE";
        }
    }

    /** A time of day on a date, in UTC, to the microsecond (as updated_at). */
    record TimestampNtz() implements AttributeType {
        @Override
        public String sql() {
            return "TIMESTAMP_NTZ(6)";
        }
    }

    Pattern VARCHAR = Pattern.compile("VARCHAR\\s*\\(\\s*(\\d{1,9})\\s*\\)");
    Pattern NUMBER = Pattern.compile("NUMBER\\s*\\(\\s*(\\d{1,2})\\s*(?:,\\s*(\\d{1,2})\\s*)?\\)");

    /**
     * The type a declaration names: {@code VARCHAR(n)}, {@code NUMBER(p)} or {@code NUMBER(p,s)}, {@code BOOLEAN},
     * {@code DATE}, {@code TIMESTAMP_NTZ} (case-insensitive).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static AttributeType parse(final String text) {
        final String type = text.strip().toUpperCase(Locale.ROOT);
        final Matcher varchar = VARCHAR.matcher(type);
        if (varchar.matches()) {
            final int length = Integer.parseInt(varchar.group(1));
            if (length < 1 || length > Varchar.MAX_LENGTH) {
                throw new IllegalArgumentException("VARCHAR length must be 1 to " + Varchar.MAX_LENGTH + ", not " + length);
            }
            return new Varchar(length);
        }
        final Matcher number = NUMBER.matcher(type);
        if (number.matches()) {
            final int precision = Integer.parseInt(number.group(1));
            final int scale = number.group(2) == null ? 0 : Integer.parseInt(number.group(2));
            if (precision < 1 || precision > 38 || scale > precision) {
                throw new IllegalArgumentException("NUMBER needs a precision of 1 to 38 and a scale no larger than it, not "
                        + precision + "," + scale);
            }
            return new Number(precision, scale);
        }
        return switch (type) {
            case "BOOLEAN" -> new Boolean();
            case "DATE" -> new Date();
            case "TIMESTAMP_NTZ", "TIMESTAMP_NTZ(6)" -> new TimestampNtz();
            default -> throw new IllegalArgumentException("unknown type '" + text
                    + "' (supported: VARCHAR(n), NUMBER(p,s), BOOLEAN, DATE, TIMESTAMP_NTZ)");
        };
    }
}

package io.customertrack.nifi.merge;

import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** CUSTOMER_RAW as Snowflake and fakesnow describe it (TEXT with a length, NUMBER with precision and scale). */
class RawColumnsTest {

    private static final Declaration WIDE = Declaration.example("wide");

    /** The declaration's columns in Snowflake's INFORMATION_SCHEMA terms. */
    private static List<RawColumns.Column> snowflakeColumns(final Declaration declaration) {
        final List<RawColumns.Column> columns = new ArrayList<>();
        columns.add(new RawColumns.Column("CUSTOMER_ID", "NUMBER", null, 19, 0));
        declaration.attributes().forEach(attribute -> columns.add(switch (attribute.type()) {
            case AttributeType.Varchar v -> new RawColumns.Column(attribute.name().toUpperCase(), "TEXT", (long) v.length(), null, null);
            case AttributeType.Number n -> new RawColumns.Column(attribute.name().toUpperCase(), "NUMBER", null, n.precision(), n.scale());
            case AttributeType.Boolean b -> new RawColumns.Column(attribute.name().toUpperCase(), "BOOLEAN", null, null, null);
            case AttributeType.Date d -> new RawColumns.Column(attribute.name().toUpperCase(), "DATE", null, null, null);
            case AttributeType.TimestampNtz ts -> new RawColumns.Column(attribute.name().toUpperCase(), "TIMESTAMP_NTZ", null, null, 6);
        }));
        columns.add(new RawColumns.Column("OP", "TEXT", 6L, null, null));
        columns.add(new RawColumns.Column("UPDATED_AT", "TIMESTAMP_NTZ", null, null, 6));
        columns.add(new RawColumns.Column("SOURCE_FILE", "TEXT", 1024L, null, null));
        columns.add(new RawColumns.Column("SOURCE_ROW_NUMBER", "NUMBER", null, 19, 0));
        columns.add(new RawColumns.Column("LOADED_AT", "TIMESTAMP_LTZ", null, null, 6));
        return columns;
    }

    @Test
    void theDeclarationsOwnTableMatches() {
        assertEquals(List.of(), RawColumns.differences(snowflakeColumns(WIDE), WIDE));
        assertEquals(List.of(), RawColumns.differences(snowflakeColumns(Declaration.defaultDeclaration()), Declaration.defaultDeclaration()));
    }

    @Test
    void missingExtraAndDifferentColumnsAreNamed() {
        final List<RawColumns.Column> columns = snowflakeColumns(Declaration.defaultDeclaration());
        assertEquals(List.of("missing column(s) phone, date_of_birth, postal_code, loyalty_tier, loyalty_points, lifetime_value, "
                + "credit_score, marketing_consent, consent_changed_at, preferred_language, customer_note"), RawColumns.differences(columns, WIDE));
        final List<RawColumns.Column> wide = snowflakeColumns(WIDE);
        wide.replaceAll(column -> switch (column.name()) {
            case "LIFETIME_VALUE" -> new RawColumns.Column("LIFETIME_VALUE", "NUMBER", null, 12, 4);
            case "EMAIL" -> new RawColumns.Column("EMAIL", "TEXT", 100L, null, null);
            case "MARKETING_CONSENT" -> new RawColumns.Column("MARKETING_CONSENT", "TEXT", 5L, null, null);
            default -> column;
        });
        wide.add(new RawColumns.Column("NICKNAME", "TEXT", 40L, null, null));
        assertEquals(List.of("column(s) not in the declaration nickname",
                "different type(s): email is TEXT(100), declared VARCHAR(254); lifetime_value is NUMBER(12,4), declared NUMBER(12,2); "
                        + "marketing_consent is TEXT(5), declared BOOLEAN"), RawColumns.differences(wide, WIDE));
    }

    @Test
    void noTableIsSaidSo() {
        assertEquals(1, RawColumns.differences(List.of(), WIDE).size());
    }
}

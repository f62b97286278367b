package io.customertrack.nifi.customer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of a customer change event, in the stable order every CustomerTrack file uses.
 * Maximum lengths equal the VARCHAR sizes of {@code customer_raw} in {@code sql/02_ingest.sql};
 * a test keeps the two in step so that a record the validator accepts always fits the Snowflake column.
 */
public enum CustomerField {
    CUSTOMER_ID("customer_id", 19, true),
    FIRST_NAME("first_name", 100, false),
    LAST_NAME("last_name", 100, false),
    EMAIL("email", 254, false),
    STREET("street", 200, false),
    CITY("city", 100, false),
    STATE("state", 100, false),
    COUNTRY("country", 100, false),
    OP("op", 6, true),
    UPDATED_AT("updated_at", 32, true);

    /** first_name .. country: the descriptive values, whose row hash tells versions apart. */
    public static final List<CustomerField> ATTRIBUTES = List.of(FIRST_NAME, LAST_NAME, EMAIL, STREET, CITY, STATE, COUNTRY);

    private final String columnName;
    private final int maxLength;
    private final boolean requiredForDelete;

    CustomerField(final String columnName, final int maxLength, final boolean requiredForDelete) {
        this.columnName = columnName;
        this.maxLength = maxLength;
        this.requiredForDelete = requiredForDelete;
    }

    /** The fields by {@link #columnName()}. */
    public static Map<String, CustomerField> byColumnName() {
        final Map<String, CustomerField> fields = new HashMap<>();
        for (final CustomerField field : values()) {
            fields.put(field.columnName, field);
        }
        return Map.copyOf(fields);
    }

    /** Column and record field name (lower snake case). */
    public String columnName() {
        return columnName;
    }

    /** Longest value, in characters, that the Snowflake column accepts. */
    public int maxLength() {
        return maxLength;
    }

    /** Names and address parts: free text, checked character by character (the other fields have a syntax). */
    public boolean isFreeText() {
        return this != CUSTOMER_ID && this != EMAIL && this != OP && this != UPDATED_AT;
    }

    /** DELETE events only need the key, the operation and the event time; every field is required otherwise. */
    public boolean requiredForDelete() {
        return requiredForDelete;
    }
}

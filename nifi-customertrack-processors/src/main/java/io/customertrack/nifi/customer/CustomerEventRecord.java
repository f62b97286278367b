package io.customertrack.nifi.customer;

import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.serialization.record.SerializedForm;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A valid customer event as record writers read it: the ten values in {@link CustomerField} order, in the
 * {@link CustomerSchema#CUSTOMER_EVENT} schema. Writers ask for every value of every record by field name; here that
 * is an array read (the writer's field names are usually this schema's own strings, so a comparison by identity finds
 * them) instead of a hash look-up in a map per record. Anything else (a missing value, which MapRecord may answer from
 * a field's aliases or default, a typed getter, every change) goes to the equivalent {@link MapRecord}, built on first
 * use, which from then on answers every call. Equality is identity.
 */
public final class CustomerEventRecord implements Record {

    private static final CustomerField[] FIELDS = CustomerField.values();
    private static final Set<String> FIELD_NAMES = fieldNames();

    private final String[] values;
    private MapRecord map;

    /** @param values the values in {@link CustomerField} order (null where absent); kept, not copied */
    public CustomerEventRecord(final String[] values) {
        this.values = values;
    }

    /** The value of a customer field while no map exists, or null: then the map answers (absent values included). */
    private String plainValue(final String fieldName) {
        if (map != null) {
            return null;
        }
        final int index = indexOf(fieldName);
        return index < 0 ? null : values[index];
    }

    private static int indexOf(final String fieldName) {
        for (final CustomerField field : FIELDS) {
            if (field.columnName() == fieldName) {
                return field.ordinal();
            }
        }
        for (final CustomerField field : FIELDS) {
            if (field.columnName().equals(fieldName)) {
                return field.ordinal();
            }
        }
        return -1;
    }

    private MapRecord map() {
        if (map == null) {
            final Map<String, Object> valuesByName = new LinkedHashMap<>();
            for (final CustomerField field : FIELDS) {
                valuesByName.put(field.columnName(), values[field.ordinal()]);
            }
            map = new MapRecord(CustomerSchema.CUSTOMER_EVENT, valuesByName, false, false);
        }
        return map;
    }

    @Override
    public RecordSchema getSchema() {
        return map == null ? CustomerSchema.CUSTOMER_EVENT : map.getSchema();
    }

    @Override
    public Object getValue(final String fieldName) {
        final String value = plainValue(fieldName);
        return value != null ? value : map().getValue(fieldName);
    }

    @Override
    public Object getValue(final RecordField field) {
        final String value = plainValue(field.getFieldName());
        return value != null ? value : map().getValue(field);
    }

    @Override
    public String getAsString(final String fieldName) {
        final String value = plainValue(fieldName);
        return value != null ? value : map().getAsString(fieldName);
    }

    @Override
    public String getAsString(final String fieldName, final String format) {
        final String value = plainValue(fieldName);
        return value != null ? value : map().getAsString(fieldName, format);
    }

    @Override
    public String getAsString(final RecordField field, final String format) {
        final String value = plainValue(field.getFieldName());
        return value != null ? value : map().getAsString(field, format);
    }

    @Override
    public Set<String> getRawFieldNames() {
        return map == null ? FIELD_NAMES : map.getRawFieldNames();
    }

    @Override
    public Optional<SerializedForm> getSerializedForm() {
        return map == null ? Optional.empty() : map.getSerializedForm();
    }

    @Override
    public boolean isTypeChecked() {
        return map != null && map.isTypeChecked();
    }

    @Override
    public boolean isDropUnknownFields() {
        return map != null && map.isDropUnknownFields();
    }

    @Override
    public Object[] getValues() {
        return map().getValues();
    }

    @Override
    public Map<String, Object> toMap() {
        return map().toMap();
    }

    @Override
    public void incorporateSchema(final RecordSchema other) {
        map().incorporateSchema(other);
    }

    @Override
    public void incorporateInactiveFields() {
        map().incorporateInactiveFields();
    }

    @Override
    public Long getAsLong(final String fieldName) {
        return map().getAsLong(fieldName);
    }

    @Override
    public Integer getAsInt(final String fieldName) {
        return map().getAsInt(fieldName);
    }

    @Override
    public Double getAsDouble(final String fieldName) {
        return map().getAsDouble(fieldName);
    }

    @Override
    public Float getAsFloat(final String fieldName) {
        return map().getAsFloat(fieldName);
    }

    @Override
    public Record getAsRecord(final String fieldName, final RecordSchema schema) {
        return map().getAsRecord(fieldName, schema);
    }

    @Override
    public Boolean getAsBoolean(final String fieldName) {
        return map().getAsBoolean(fieldName);
    }

    @Override
    public LocalDate getAsLocalDate(final String fieldName, final String format) {
        return map().getAsLocalDate(fieldName, format);
    }

    @Override
    public LocalDateTime getAsLocalDateTime(final String fieldName, final String format) {
        return map().getAsLocalDateTime(fieldName, format);
    }

    @Override
    public OffsetDateTime getAsOffsetDateTime(final String fieldName, final String format) {
        return map().getAsOffsetDateTime(fieldName, format);
    }

    @Override
    public Object[] getAsArray(final String fieldName) {
        return map().getAsArray(fieldName);
    }

    @Override
    public void setValue(final String fieldName, final Object value) {
        map().setValue(fieldName, value);
    }

    @Override
    public void setValue(final RecordField field, final Object value) {
        map().setValue(field, value);
    }

    @Override
    public void remove(final RecordField field) {
        map().remove(field);
    }

    @Override
    public boolean rename(final RecordField field, final String newName) {
        return map().rename(field, newName);
    }

    @Override
    public void regenerateSchema() {
        map().regenerateSchema();
    }

    @Override
    public void setArrayValue(final String fieldName, final int arrayIndex, final Object value) {
        map().setArrayValue(fieldName, arrayIndex, value);
    }

    @Override
    public void setMapValue(final String fieldName, final String mapKey, final Object value) {
        map().setMapValue(fieldName, mapKey, value);
    }

    @Override
    public String toString() {
        return map().toString();
    }

    private static Set<String> fieldNames() {
        final Set<String> names = new LinkedHashSet<>();
        for (final CustomerField field : FIELDS) {
            names.add(field.columnName());
        }
        return Collections.unmodifiableSet(names);
    }
}

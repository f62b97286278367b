package io.customertrack.nifi.customer;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.check.EventTimes;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The record schema of a declaration's customer change events, and events as records of it: customer_id a long, every
 * other field a string (each attribute in its canonical text, updated_at ISO-8601 UTC), in the file column order.
 */
public final class CustomerSchema {

    /** Name of the field that carries the reasons a record was rejected. */
    public static final String VALIDATION_ERRORS_FIELD = "validation_errors";

    private static final String CUSTOMER_ID = "customer_id";
    private static final String OP = "op";
    private static final String UPDATED_AT = "updated_at";

    private final String[] attributeNames;
    private final RecordSchema recordSchema;

    private CustomerSchema(final Declaration declaration) {
        this.attributeNames = declaration.names().toArray(String[]::new);
        final List<RecordField> fields = new ArrayList<>();
        for (final String column : declaration.fileColumns()) {
            final boolean isKey = CUSTOMER_ID.equals(column);
            fields.add(new RecordField(column, isKey ? RecordFieldType.LONG.getDataType() : RecordFieldType.STRING.getDataType(), !isKey));
        }
        this.recordSchema = new SimpleRecordSchema(fields);
    }

    /** The schema of the events of {@code declaration}. */
    public static CustomerSchema of(final Declaration declaration) {
        return new CustomerSchema(declaration);
    }

    /** The customer change event as a NiFi record schema. */
    public RecordSchema recordSchema() {
        return recordSchema;
    }

    /** This event as a NiFi record of {@code schema} (normally {@link #recordSchema()} or a writer's version of it). */
    public Record toRecord(final CustomerEvent event, final RecordSchema schema) {
        // Room for every field without a resize: the map is made for every record.
        final Map<String, Object> values = new HashMap<>((attributeNames.length + 3) * 4 / 3 + 1);
        values.put(CUSTOMER_ID, event.customerId());
        final List<String> attributes = event.values();
        for (int i = 0; i < attributeNames.length; i++) {
            values.put(attributeNames[i], attributes.get(i));
        }
        values.put(OP, event.op().name());
        values.put(UPDATED_AT, EventTimes.format(event.updatedAt()));
        return new MapRecord(schema, values);
    }

    /** The given schema with a trailing string field for validation errors (kept once if already present). */
    public static RecordSchema withValidationErrors(final RecordSchema schema) {
        final List<RecordField> fields = new ArrayList<>();
        for (final RecordField field : schema.getFields()) {
            if (!VALIDATION_ERRORS_FIELD.equals(field.getFieldName())) {
                fields.add(new RecordField(field.getFieldName(), RecordFieldType.STRING.getDataType(), true));
            }
        }
        fields.add(new RecordField(VALIDATION_ERRORS_FIELD, RecordFieldType.STRING.getDataType(), true));
        return new SimpleRecordSchema(fields);
    }
}

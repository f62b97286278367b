package io.customertrack.nifi.customer;

import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.util.ArrayList;
import java.util.List;

/** Record schemas shared by the processors of this bundle. */
public final class CustomerSchema {

    /** Name of the field that carries the reasons a record was rejected. */
    public static final String VALIDATION_ERRORS_FIELD = "validation_errors";

    /** The customer change event: customer_id is a long, every other field a string (updated_at is ISO-8601 UTC). */
    public static final RecordSchema CUSTOMER_EVENT = createCustomerEventSchema();

    private CustomerSchema() {
    }

    private static RecordSchema createCustomerEventSchema() {
        final List<RecordField> fields = new ArrayList<>();
        for (final CustomerField field : CustomerField.values()) {
            final boolean isKey = field == CustomerField.CUSTOMER_ID;
            fields.add(new RecordField(field.columnName(),
                    isKey ? RecordFieldType.LONG.getDataType() : RecordFieldType.STRING.getDataType(), !isKey));
        }
        return new SimpleRecordSchema(fields);
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

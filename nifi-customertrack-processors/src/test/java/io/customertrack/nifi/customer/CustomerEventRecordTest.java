package io.customertrack.nifi.customer;

import io.customertrack.nifi.processors.ValidateCustomerRecord;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.RawRecordWriter;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** CustomerEventRecord must answer every call as the equivalent MapRecord does, and writers must write it identically. */
class CustomerEventRecordTest {

    private static final String[] POOL = {"7", "007", "Ada", "", null, "caf\u00e9", "2026-01-31T12:00:00.000000Z", "DELETE", "a,b", "\"q\""};

    private static final String[] IDS = {"7", "007", "123456789012345678"};

    private static String[] randomValues(final Random random, final boolean writable) {
        final String[] values = new String[CustomerField.values().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = POOL[random.nextInt(POOL.length)];
        }
        if (writable) {
            values[CustomerField.CUSTOMER_ID.ordinal()] = IDS[random.nextInt(IDS.length)]; // writers type it as a long
        }
        return values;
    }

    private static MapRecord mapRecord(final String[] values) {
        final Map<String, Object> byName = new LinkedHashMap<>();
        for (final CustomerField field : CustomerField.values()) {
            byName.put(field.columnName(), values[field.ordinal()]);
        }
        return new MapRecord(CustomerSchema.CUSTOMER_EVENT, byName, false, false);
    }

    /** Fields a writer may ask for: the schema's own, equal copies, typed differently, with a default, with an alias, unknown. */
    private static List<RecordField> askedFields() {
        final List<RecordField> fields = new ArrayList<>(CustomerSchema.CUSTOMER_EVENT.getFields());
        for (final CustomerField field : CustomerField.values()) {
            fields.add(new RecordField(new String(field.columnName().toCharArray()), RecordFieldType.STRING.getDataType()));
        }
        fields.add(new RecordField("first_name", RecordFieldType.STRING.getDataType(), "(none)"));
        fields.add(new RecordField("city", RecordFieldType.STRING.getDataType(), null, Set.of("state")));
        fields.add(new RecordField("loyalty_tier", RecordFieldType.STRING.getDataType()));
        fields.add(new RecordField("tier", RecordFieldType.STRING.getDataType(), null, Set.of("country")));
        return fields;
    }

    @Test
    void answersReadsAsTheEquivalentMapRecord() {
        final Random random = new Random(3);
        final List<RecordField> asked = askedFields();
        for (int i = 0; i < 2_000; i++) {
            final String[] values = randomValues(random, false);
            final Record expected = mapRecord(values);
            final Record actual = new CustomerEventRecord(values.clone());
            final String context = Arrays.toString(values);
            assertEquals(expected.getSchema(), actual.getSchema(), context);
            assertEquals(List.copyOf(expected.getRawFieldNames()), List.copyOf(actual.getRawFieldNames()), context);
            assertEquals(expected.getSerializedForm(), actual.getSerializedForm(), context);
            assertEquals(expected.isTypeChecked(), actual.isTypeChecked(), context);
            assertEquals(expected.isDropUnknownFields(), actual.isDropUnknownFields(), context);
            for (final RecordField field : asked) {
                final String name = field.getFieldName();
                assertEquals(expected.getValue(field), actual.getValue(field), () -> context + " " + field);
                assertEquals(expected.getAsString(field, null), actual.getAsString(field, null), () -> context + " " + field);
                assertEquals(expected.getValue(name), actual.getValue(name), () -> context + " " + name);
                assertEquals(expected.getAsString(name), actual.getAsString(name), () -> context + " " + name);
                assertEquals(expected.getAsString(name, null), actual.getAsString(name, null), () -> context + " " + name);
            }
            assertArrayEquals(expected.getValues(), actual.getValues(), context);
            assertEquals(expected.toMap(), actual.toMap(), context);
        }
    }

    @Test
    void aChangeIsSeenByEveryLaterRead() {
        final String[] values = {"7", "Ada", "Lovelace", "ada@example.com", "s", "c", "st", "co", "INSERT", "2026-01-31T12:00:00.000000Z"};
        final Record expected = mapRecord(values);
        final Record actual = new CustomerEventRecord(values.clone());
        for (final Record record : List.of(expected, actual)) {
            record.setValue("first_name", "Grace");
            record.setValue("customer_id", 8L);
            record.setValue("loyalty_tier", "gold");
        }
        for (final String name : List.of("first_name", "customer_id", "loyalty_tier", "last_name")) {
            assertEquals(expected.getValue(name), actual.getValue(name), name);
            assertEquals(expected.getAsString(name), actual.getAsString(name), name);
        }
        assertEquals(expected.getAsLong("customer_id"), actual.getAsLong("customer_id"));
        assertEquals(expected.toMap(), actual.toMap());
        assertEquals(List.copyOf(expected.getRawFieldNames()), List.copyOf(actual.getRawFieldNames()));
    }

    @Test
    void csvAndJsonWritersWriteItAsTheyWriteTheMapRecord() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        final CSVRecordSetWriter csv = new CSVRecordSetWriter();
        runner.addControllerService("csv", csv);
        runner.enableControllerService(csv);
        final JsonRecordSetWriter json = new JsonRecordSetWriter();
        runner.addControllerService("json", json);
        runner.enableControllerService(json);
        final Random random = new Random(5);
        final List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(randomValues(random, true));
        }
        for (final RecordSetWriterFactory factory : List.<RecordSetWriterFactory>of(csv, json)) {
            for (final boolean raw : new boolean[]{false, true}) {
                final String expected = write(runner, factory, raw, rows, false);
                assertEquals(expected, write(runner, factory, raw, rows, true), factory.getClass().getSimpleName() + " raw=" + raw);
            }
        }
    }

    private static String write(final TestRunner runner, final RecordSetWriterFactory factory, final boolean raw,
                                final List<String[]> rows, final boolean arrayBacked) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RecordSetWriter writer = factory.createWriter(runner.getLogger(), CustomerSchema.CUSTOMER_EVENT, out, Map.of())) {
            writer.beginRecordSet();
            for (final String[] row : rows) {
                final Record record = arrayBacked ? new CustomerEventRecord(row.clone()) : mapRecord(row);
                if (raw) {
                    ((RawRecordWriter) writer).writeRawRecord(record);
                } else {
                    writer.write(record);
                }
            }
            writer.finishRecordSet();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

package io.customertrack.nifi.bench;

import io.customertrack.declaration.Attribute;
import io.customertrack.declaration.AttributeType;
import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.ValueSource;
import io.customertrack.nifi.customer.CustomerSchema;
import io.customertrack.nifi.processors.CustomerDeclarations;
import io.customertrack.nifi.processors.CsvServices;
import io.customertrack.nifi.processors.GenerateFakeCustomer;
import io.customertrack.nifi.processors.ValidateCustomerRecord;
import org.apache.nifi.csv.CSVReader;
import org.apache.nifi.csv.CSVRecordSetWriter;
import org.apache.nifi.processors.standard.GenerateRecord;
import org.apache.nifi.processors.standard.ValidateRecord;
import org.apache.nifi.schema.access.SchemaAccessUtils;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.record.ListRecordSet;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GenerateFakeCustomer vs NiFi's GenerateRecord, and ValidateCustomerRecord vs NiFi's ValidateRecord, each pair under
 * nifi-mock with the same CSV writer (and reader), in one run. Run with
 * {@code ./mvnw -q -pl nifi-customertrack-processors test-compile exec:java -Pbenchmarks}; with
 * {@code -Dbench.declaration} (see {@link BenchDeclaration}) both sides read and write that declaration's columns.
 */
final class ProcessorBenchmarks {

    private static final BenchDeclaration DECLARATION = BenchDeclaration.fromSystemProperty();

    private static final RecordSchema CUSTOMER_EVENT = CustomerSchema.of(DECLARATION.declaration()).recordSchema();

    static final int RECORDS_PER_FLOWFILE = 10_000;

    private ProcessorBenchmarks() {
    }

    static Harness.Outcome generate(final int warmup, final int rounds) throws Exception {
        final TestRunner candidate = TestRunners.newTestRunner(GenerateFakeCustomer.class);
        csvWriter(candidate);
        candidate.setProperty(GenerateFakeCustomer.RECORD_WRITER, "writer");
        candidate.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, Integer.toString(RECORDS_PER_FLOWFILE));
        declare(candidate);

        final TestRunner baseline = TestRunners.newTestRunner(GenerateRecord.class);
        csvWriter(baseline);
        baseline.setProperty("record-writer", "writer");
        baseline.setProperty("number-of-records", Integer.toString(RECORDS_PER_FLOWFILE));
        fakerFields(DECLARATION.declaration()).forEach(baseline::setProperty);

        final Harness.Outcome outcome = Harness.compare("GenerateFakeCustomer vs GenerateRecord (records, CSV)" + DECLARATION.suffix(),
                () -> trigger(candidate, GenerateFakeCustomer.REL_SUCCESS.getName()),
                () -> trigger(baseline, "success"), warmup, rounds);
        writerCeiling(candidate, warmup, rounds);
        return outcome;
    }

    /**
     * How close generation comes to the limit its writer sets: GenerateFakeCustomer against the same CSV writer writing
     * the same number of records built beforehand (read back from a generated FlowFile), nothing else.
     */
    private static void writerCeiling(final TestRunner generator, final int warmup, final int rounds) throws Exception {
        generator.clearTransferState();
        generator.run();
        final byte[] generated = generator.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst().toByteArray();
        final TestRunner services = TestRunners.newTestRunner(GenerateFakeCustomer.class);
        final CSVReader reader = new CSVReader();
        services.addControllerService("reader", reader);
        services.setProperty(reader, SchemaAccessUtils.SCHEMA_ACCESS_STRATEGY, "csv-header-derived");
        services.enableControllerService(reader);
        csvWriter(services);
        final List<Record> records = new ArrayList<>();
        try (RecordReader in = reader.createRecordReader(Map.of(), new ByteArrayInputStream(generated), generated.length, services.getLogger())) {
            for (Record record; (record = in.nextRecord(false, false)) != null; ) {
                records.add(new MapRecord(CUSTOMER_EVENT, record.toMap()));
            }
        }
        final RecordSetWriterFactory writer = (RecordSetWriterFactory) services.getControllerService("writer");
        Harness.compare("GenerateFakeCustomer vs its CSV writer alone on pre-built records (the ceiling)" + DECLARATION.suffix(),
                () -> trigger(generator, GenerateFakeCustomer.REL_SUCCESS.getName()),
                () -> {
                    try (RecordSetWriter out = writer.createWriter(services.getLogger(), CUSTOMER_EVENT,
                            OutputStream.nullOutputStream(), Map.of())) {
                        out.write(new ListRecordSet(CUSTOMER_EVENT, records));
                    }
                    return records.size();
                }, warmup, rounds);
    }

    static Harness.Outcome validate(final int warmup, final int rounds) throws Exception {
        // Input: the generator's own output with 5% broken records, the same bytes for both processors.
        final TestRunner generator = TestRunners.newTestRunner(GenerateFakeCustomer.class);
        csvWriter(generator);
        generator.setProperty(GenerateFakeCustomer.RECORD_WRITER, "writer");
        generator.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, Integer.toString(RECORDS_PER_FLOWFILE));
        generator.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, System.getProperty("bench.invalid", "5"));
        generator.setProperty(GenerateFakeCustomer.RANDOM_SEED, "7");
        declare(generator);
        generator.run();
        final byte[] input = generator.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst().toByteArray();

        final TestRunner candidate = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        csvReader(candidate);
        csvWriter(candidate);
        candidate.setProperty(ValidateCustomerRecord.RECORD_READER, "reader");
        candidate.setProperty(ValidateCustomerRecord.RECORD_WRITER, "writer");
        declare(candidate);

        final TestRunner baseline = TestRunners.newTestRunner(ValidateRecord.class);
        csvReader(baseline);
        csvWriter(baseline);
        baseline.setProperty("record-reader", "reader");
        baseline.setProperty("record-writer", "writer");
        baseline.setProperty("schema-access-strategy", "schema-text-property");
        baseline.setProperty(SchemaAccessUtils.SCHEMA_TEXT, avroSchema(DECLARATION.declaration()));
        baseline.setProperty("allow-extra-fields", "false");
        baseline.setProperty("strict-type-checking", "false");

        return Harness.compare("ValidateCustomerRecord vs ValidateRecord (records, CSV)" + DECLARATION.suffix(),
                () -> validateOnce(candidate, input), () -> validateOnce(baseline, input), warmup, rounds);
    }

    /**
     * NiFi's CSV parsers under ValidateCustomerRecord, with the flow's CSV services and the same input: Jackson CSV
     * against Apache Commons CSV, CSVReader's default. FastCSV is not measured: it does not keep the flow's dialect
     * (CsvDialectTest). The faster of the two that pass goes into the flow.
     */
    static Harness.Outcome csvParsers(final int warmup, final int rounds) throws Exception {
        final TestRunner generator = TestRunners.newTestRunner(GenerateFakeCustomer.class);
        CsvServices.addWriter(generator, CsvServices.WRITER_ID);
        generator.setProperty(GenerateFakeCustomer.RECORD_WRITER, CsvServices.WRITER_ID);
        generator.setProperty(GenerateFakeCustomer.RECORDS_PER_FLOWFILE, Integer.toString(RECORDS_PER_FLOWFILE));
        generator.setProperty(GenerateFakeCustomer.INVALID_PERCENTAGE, System.getProperty("bench.invalid", "5"));
        generator.setProperty(GenerateFakeCustomer.RANDOM_SEED, "7");
        generator.run();
        final byte[] input = generator.getFlowFilesForRelationship(GenerateFakeCustomer.REL_SUCCESS).getFirst().toByteArray();
        final TestRunner jackson = validatorWithParser("jackson-csv");
        final TestRunner commons = validatorWithParser("commons-csv");
        return Harness.compare("ValidateCustomerRecord reading with Jackson CSV vs Apache Commons CSV (records, flow's CSV dialect)",
                () -> validateOnce(jackson, input), () -> validateOnce(commons, input), warmup, rounds);
    }

    private static TestRunner validatorWithParser(final String parser) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ValidateCustomerRecord.class);
        CsvServices.addReader(runner, Map.of(CsvServices.CSV_PARSER, parser));
        CsvServices.addWriter(runner, CsvServices.WRITER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_READER, CsvServices.READER_ID);
        runner.setProperty(ValidateCustomerRecord.RECORD_WRITER, CsvServices.WRITER_ID);
        return runner;
    }

    /**
     * The declaration's file columns as ValidateRecord needs them: customer_id a long, every attribute a nullable
     * string, op and updated_at strings. Strings as the CSV reader derives them from the header: with lenient type
     * checking a typed field would only add ValidateRecord's conversions, not CustomerTrack's checks.
     */
    static String avroSchema(final Declaration declaration) {
        final StringBuilder fields = new StringBuilder("{\"name\": \"customer_id\", \"type\": \"long\"}");
        for (final String name : declaration.names()) {
            fields.append(", {\"name\": \"").append(name).append("\", \"type\": [\"null\", \"string\"]}");
        }
        fields.append(", {\"name\": \"op\", \"type\": \"string\"}, {\"name\": \"updated_at\", \"type\": \"string\"}");
        return "{\"type\": \"record\", \"name\": \"customer\", \"fields\": [" + fields + "]}";
    }

    /**
     * GenerateRecord's faker property for each field GenerateFakeCustomer generates from values: the attribute's own
     * datafaker method where it has one, the nearest NiFi offers otherwise, and a word for op. For the default
     * declaration these are the eight string fields of the tutorial's customer.
     */
    static Map<String, String> fakerFields(final Declaration declaration) {
        final Map<String, String> fields = new LinkedHashMap<>();
        for (final Attribute attribute : declaration.attributes()) {
            fields.put(attribute.name(), fakerMethod(attribute));
        }
        fields.put("op", "Lorem.word");
        return fields;
    }

    private static String fakerMethod(final Attribute attribute) {
        final ValueSource source = attribute.generate();
        if (source.faker() != null && source.faker().matches("[A-Za-z]+\\.[A-Za-z]+")) {
            return source.faker();
        }
        if (source.emailFrom() != null) {
            return "Internet.emailAddress";
        }
        if (source.localeCountry()) {
            return "Address.country";
        }
        return switch (attribute.type()) {
            case AttributeType.Varchar ignored -> "Lorem.word";
            case AttributeType.Number ignored -> "Number.Integer";
            // NiFi offers no boolean faker: two values as a boolean has.
            case AttributeType.Boolean ignored -> "Coin.flip";
            case AttributeType.Date ignored -> "DateAndTime.birthday";
            case AttributeType.TimestampNtz ignored -> "DateAndTime.pastDate";
        };
    }

    /** Sets the benchmark's declaration on a CustomerTrack processor; the default leaves the property unset. */
    private static void declare(final TestRunner runner) {
        if (!DECLARATION.isDefault()) {
            runner.setProperty(CustomerDeclarations.CUSTOMER_DECLARATION, DECLARATION.propertyValue());
        }
    }

    private static long validateOnce(final TestRunner runner, final byte[] input) {
        runner.clearTransferState();
        runner.enqueue(input);
        runner.run();
        long records = 0;
        for (final String relationship : new String[]{"valid", "invalid"}) {
            for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(relationship)) {
                records += Long.parseLong(flowFile.getAttribute("record.count"));
            }
        }
        if (records != RECORDS_PER_FLOWFILE) {
            throw new IllegalStateException(runner.getProcessor().getClass().getSimpleName() + " accounted for " + records + " records");
        }
        return records;
    }

    private static long trigger(final TestRunner runner, final String relationship) {
        runner.clearTransferState();
        runner.run();
        final MockFlowFile flowFile = runner.getFlowFilesForRelationship(relationship).getFirst();
        return Long.parseLong(flowFile.getAttribute("record.count"));
    }

    private static void csvWriter(final TestRunner runner) throws Exception {
        final CSVRecordSetWriter writer = new CSVRecordSetWriter();
        runner.addControllerService("writer", writer);
        runner.enableControllerService(writer);
    }

    private static void csvReader(final TestRunner runner) throws Exception {
        final CSVReader reader = new CSVReader();
        runner.addControllerService("reader", reader);
        runner.setProperty(reader, SchemaAccessUtils.SCHEMA_ACCESS_STRATEGY, "csv-header-derived");
        runner.enableControllerService(reader);
    }
}

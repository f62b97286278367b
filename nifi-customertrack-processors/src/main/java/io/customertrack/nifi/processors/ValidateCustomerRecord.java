package io.customertrack.nifi.processors;

import io.customertrack.declaration.check.EventTimes;
import io.customertrack.nifi.customer.CompiledDeclaration;
import io.customertrack.nifi.customer.CustomerRecordValidator;
import io.customertrack.nifi.customer.CustomerSchema;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.SideEffectFree;
import org.apache.nifi.annotation.behavior.SupportsBatching;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.RawRecordWriter;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

@SupportsBatching
@SideEffectFree
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"customertrack", "customer", "record", "validate", "quality", "csv", "snowflake"})
@CapabilityDescription("Checks each customer change event against the customer declaration (each attribute's type and rules) and "
        + "CustomerTrack's rules and splits the input into valid records, ready for Snowpipe, "
        + "and invalid records with their reasons in 'validation_errors'. Input that cannot be parsed goes to 'failure'.")
@SeeAlso({GenerateFakeCustomer.class, TriggerSnowflakeMerge.class})
@UseCase(
        description = "Keep customer records that would fail Snowpipe or corrupt the SCD tables out of the load, with a reason per record.",
        keywords = {"validate", "quarantine", "customer", "snowpipe", "csv", "data quality"},
        configuration = """
                Set "Record Reader" to the reader of the incoming format (for CSV: the schema from the header and \
                "Allow Duplicate Header Names" false) and "Record Writer" to the writer Snowpipe's file format expects.
                Connect 'valid' to the load (e.g. PutS3Object under the stage's prefix) and 'invalid' to a quarantine \
                destination, or auto-terminate 'invalid': its records are then only counted. Connect 'failure' (unreadable input).
                Connect 'unresolved erasure' to a queue that people watch, never auto-terminate it: \
                its ERASE requests name no usable customer and are applied only once someone resolves them.
                """)
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Number of records in the outgoing FlowFile"),
        @WritesAttribute(attribute = "mime.type", description = "MIME type of the writer used for the outgoing FlowFile"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_INPUT_COUNT,
                description = "Number of records read from the input FlowFile (valid plus invalid)"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_ERRORS,
                description = "On 'invalid': how often each rule was broken, e.g. 'email.invalid_syntax=2, op.unknown=1'"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_ERASURE_CORRECTIONS,
                description = "On 'valid': how often each rule was broken by erasure requests written in corrected form, "
                        + "e.g. 'email.not_allowed_in_erasure=1, updated_at.unparseable=1'"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_RECEIVED_AT,
                description = "On 'valid', when a corrected erasure request had no usable updated_at: the time the request was "
                        + "received (ISO-8601), which it carries instead"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_FAILURE_REASON,
                description = "On 'failure': why the input could not be read (the reader's error type and position, never a value)")
})
public class ValidateCustomerRecord extends AbstractProcessor {

    static final String ATTR_INPUT_COUNT = "validation.input.record.count";
    static final String ATTR_ERRORS = "validation.errors";
    static final String ATTR_FAILURE_REASON = "validation.failure.reason";
    static final String ATTR_ERASURE_CORRECTIONS = "validation.erasure.corrections";
    static final String ATTR_RECEIVED_AT = "validation.received.at";

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the incoming customer change events.")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer")
            .description("Writes valid records, in the canonical customer field order.")
            .identifiesControllerService(RecordSetWriterFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor INVALID_RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Invalid Record Writer")
            .description("Writes invalid records with their 'validation_errors' field. Uses the Record Writer when not set.")
            .identifiesControllerService(RecordSetWriterFactory.class)
            .required(false)
            .build();

    public static final PropertyDescriptor MAX_CLOCK_SKEW = new PropertyDescriptor.Builder()
            .name("Maximum Clock Skew")
            .description("How far in the future an event's updated_at may lie, relative to this node's clock, before the record "
                    + "is rejected. Allows for producers whose clocks run slightly ahead.")
            .required(true)
            .defaultValue("5 min")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    public static final PropertyDescriptor NORMALIZE_VALUES = new PropertyDescriptor.Builder()
            .name("Normalize Values")
            .description("Trim surrounding white space from every value, lower-case the email and upper-case op before the "
                    + "rules are checked; valid records are written normalised.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();

    public static final Relationship REL_VALID = new Relationship.Builder()
            .name("valid")
            .description("Records that pass every rule, in the canonical customer schema")
            .build();

    public static final Relationship REL_INVALID = new Relationship.Builder()
            .name("invalid")
            .description("Records that break at least one rule, with a 'validation_errors' field; also an input holding no records")
            .build();

    public static final Relationship REL_UNRESOLVED_ERASURE = new Relationship.Builder()
            .name("unresolved erasure")
            .description("Erasure requests (op ERASE) without a usable customer_id, with their 'validation_errors': nothing can be "
                    + "erased by them as sent, so a person must find the customer and send the request again. Each raises an error "
                    + "bulletin; never auto-terminate this relationship.")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("The unchanged input when it cannot be read as records (broken quoting, wrong format...)")
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(CustomerDeclarations.CUSTOMER_DECLARATION, RECORD_READER,
            RECORD_WRITER, INVALID_RECORD_WRITER, MAX_CLOCK_SKEW, NORMALIZE_VALUES);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_VALID, REL_INVALID, REL_UNRESOLVED_ERASURE, REL_FAILURE);

    private volatile CompiledDeclaration declaration;
    private volatile Duration maxClockSkew;
    private volatile boolean normalizeValues;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final ValidationResult declared = CustomerDeclarations.validate(context.getProperty(CustomerDeclarations.CUSTOMER_DECLARATION));
        return declared.isValid() ? List.of() : List.of(declared);
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        // Compiled once: records are judged by prepared checks, never by reading the declaration.
        declaration = CustomerDeclarations.compile(context.getProperty(CustomerDeclarations.CUSTOMER_DECLARATION));
        maxClockSkew = Duration.ofMillis(context.getProperty(MAX_CLOCK_SKEW).asTimePeriod(TimeUnit.MILLISECONDS));
        normalizeValues = context.getProperty(NORMALIZE_VALUES).asBoolean();
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) {
        final FlowFile flowFile = session.get();
        if (flowFile == null) {
            return;
        }
        final RecordReaderFactory readerFactory = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final RecordSetWriterFactory validWriterFactory = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final RecordSetWriterFactory invalidWriterFactory = context.getProperty(INVALID_RECORD_WRITER).isSet()
                ? context.getProperty(INVALID_RECORD_WRITER).asControllerService(RecordSetWriterFactory.class)
                : validWriterFactory;
        // Nobody reads invalid records that are auto-terminated: count them, do not write them.
        final boolean writeInvalid = !context.isAutoTerminated(REL_INVALID);

        // One "now" per FlowFile: every record of it gets the same verdict wherever it sits, and it is when they were received.
        final Instant received = Instant.now().truncatedTo(ChronoUnit.MICROS);
        final CustomerRecordValidator validator = new CustomerRecordValidator(declaration, maxClockSkew, normalizeValues, received);
        final Output valid = new Output(session, flowFile, validWriterFactory);
        final Output invalid = new Output(session, flowFile, invalidWriterFactory);
        final Output unresolved = new Output(session, flowFile, invalidWriterFactory);
        final Map<String, Integer> violationCounts = new TreeMap<>();
        final Map<String, Integer> erasureCorrections = new TreeMap<>();
        long inputCount = 0;
        long invalidCount = 0;
        long correctedErasures = 0;
        long erasuresAtReceivedTime = 0;
        long unresolvedErasures = 0;
        try (InputStream in = session.read(flowFile);
             RecordReader reader = readerFactory.createRecordReader(flowFile, in, getLogger())) {
            final RecordSchema inputSchema = reader.getSchema();
            final RecordSchema validSchema = validWriterFactory.getSchema(flowFile.getAttributes(), declaration.schema().recordSchema());
            final RecordSchema invalidSchema = CustomerSchema.withValidationErrors(inputSchema);
            Record record;
            // Keep fields beyond the schema (a row with more values than the header is reported, not trimmed);
            // no type coercion (the rules read values as they came).
            while ((record = reader.nextRecord(false, false)) != null) {
                inputCount++;
                final CustomerRecordValidator.Result result = validator.validate(record);
                if (result.isValid()) {
                    valid.write(validSchema, declaration.schema().toRecord(result.event(), validSchema));
                    if (result.isCorrectedErasure()) {
                        correctedErasures++;
                        result.corrections().forEach(correction -> erasureCorrections.merge(correction.summaryKey(), 1, Integer::sum));
                        erasuresAtReceivedTime += result.hasReceivedTime() ? 1 : 0;
                    }
                    continue;
                }
                // The record as it was read, every value unchanged, plus its reasons.
                record.setValue(CustomerSchema.VALIDATION_ERRORS_FIELD, result.describeViolations());
                if (result.isUnresolvedErasure()) {
                    unresolvedErasures++;
                    unresolved.writeRaw(invalidSchema, record);
                    continue;
                }
                invalidCount++;
                result.violations().forEach(violation -> violationCounts.merge(violation.summaryKey(), 1, Integer::sum));
                if (writeInvalid) {
                    invalid.writeRaw(invalidSchema, record);
                }
            }
            valid.finish();
            invalid.finish();
            unresolved.finish();
        } catch (final Exception e) {
            valid.discard();
            invalid.discard();
            unresolved.discard();
            // The reader's message can quote the input (a value around a broken quote): only its type and position go out.
            final String reason = ErrorText.describe(e);
            getLogger().error("Cannot read {} as customer records; routing to failure: {}", flowFile, reason);
            session.transfer(session.putAttribute(flowFile, ATTR_FAILURE_REASON, reason), REL_FAILURE);
            return;
        }

        session.adjustCounter("Records Validated", inputCount, false);
        session.adjustCounter("Records Found Valid", inputCount - invalidCount - unresolvedErasures, false);
        session.adjustCounter("Records Found Invalid", invalidCount, false);
        session.adjustCounter("Erasure Requests Corrected", correctedErasures, false);
        session.adjustCounter("Erasure Requests Unresolved", unresolvedErasures, false);
        violationCounts.forEach((rule, count) -> session.adjustCounter("Violations of " + rule, count, false));

        if (inputCount == 0) {
            final Map<String, String> attributes = Map.of(
                    "record.count", "0",
                    ATTR_INPUT_COUNT, "0",
                    ATTR_ERRORS, "input.no_records=1 (the FlowFile is empty or holds only a header)");
            session.transfer(session.putAllAttributes(flowFile, attributes), REL_INVALID);
            return;
        }
        final String inputCountText = Long.toString(inputCount);
        final Map<String, String> validAttributes = new HashMap<>();
        validAttributes.put(ATTR_INPUT_COUNT, inputCountText);
        String validDetails = "Records found valid";
        if (correctedErasures > 0) {
            final String corrections = summarize(erasureCorrections);
            validAttributes.put(ATTR_ERASURE_CORRECTIONS, corrections);
            validDetails += "; " + correctedErasures + " erasure request(s) written as a plain ERASE of their customer (" + corrections + ")";
            if (erasuresAtReceivedTime > 0) {
                validAttributes.put(ATTR_RECEIVED_AT, EventTimes.format(received));
                validDetails += "; " + erasuresAtReceivedTime + " of them at the time received, " + EventTimes.format(received) + ", their updated_at being unusable";
            }
            getLogger().warn("{} erasure request(s) of {} applied in corrected form ({}); {} at the time received, {}",
                    correctedErasures, flowFile, corrections, erasuresAtReceivedTime, EventTimes.format(received));
        }
        if (unresolvedErasures > 0) {
            getLogger().error("{} erasure request(s) of {} name no usable customer_id and cannot be applied; routed to '{}' for a person "
                    + "to resolve", unresolvedErasures, flowFile, REL_UNRESOLVED_ERASURE.getName());
        }
        final String errors = summarize(violationCounts);
        valid.transfer(REL_VALID, validAttributes, validDetails);
        invalid.transfer(REL_INVALID, Map.of(ATTR_INPUT_COUNT, inputCountText, ATTR_ERRORS, errors), "Records found invalid: " + errors);
        unresolved.transfer(REL_UNRESOLVED_ERASURE, Map.of(ATTR_INPUT_COUNT, inputCountText),
                "Erasure requests without a usable customer_id, to be resolved by a person");
        session.remove(flowFile);
    }

    private static String summarize(final Map<String, Integer> counts) {
        final StringBuilder summary = new StringBuilder();
        counts.forEach((key, count) -> {
            if (!summary.isEmpty()) {
                summary.append(", ");
            }
            summary.append(key).append('=').append(count);
        });
        return summary.toString();
    }

    /**
     * A child FlowFile and its record writer, created on the first record routed to it. Valid records are written in
     * the writer's schema (the customer fields in their order and types, nothing else: a corrected reject's empty
     * validation_errors column must not reach Snowpipe); invalid records raw, every field they came with.
     */
    private final class Output {
        private final ProcessSession session;
        private final FlowFile parent;
        private final RecordSetWriterFactory writerFactory;
        private FlowFile child;
        private RecordSetWriter writer;
        private WriteResult writeResult;

        Output(final ProcessSession session, final FlowFile parent, final RecordSetWriterFactory writerFactory) {
            this.session = session;
            this.parent = parent;
            this.writerFactory = writerFactory;
        }

        void write(final RecordSchema schema, final Record record) throws Exception {
            writer(schema).write(record);
        }

        /** Each field of the record, also those outside the schema, where the writer can (RawRecordWriter). */
        void writeRaw(final RecordSchema schema, final Record record) throws Exception {
            if (writer(schema) instanceof RawRecordWriter rawWriter) {
                rawWriter.writeRawRecord(record);
            } else {
                writer.write(record);
            }
        }

        private RecordSetWriter writer(final RecordSchema schema) throws Exception {
            if (writer == null) {
                child = session.create(parent);
                writer = writerFactory.createWriter(getLogger(), schema, session.write(child), child);
                writer.beginRecordSet();
            }
            return writer;
        }

        /** Ends the record set; closing the writer closes the FlowFile's stream. */
        void finish() throws Exception {
            if (writer != null) {
                writeResult = writer.finishRecordSet();
                writer.close();
            }
        }

        void discard() {
            if (child != null) {
                try {
                    writer.close();
                } catch (final Exception ignored) {
                    // The child is removed below; nothing written to it is kept.
                }
                session.remove(child);
                child = null;
            }
        }

        void transfer(final Relationship relationship, final Map<String, String> extraAttributes, final String details) {
            if (child == null) {
                return;
            }
            final Map<String, String> attributes = new HashMap<>(writeResult.getAttributes());
            attributes.putAll(extraAttributes);
            attributes.put("record.count", Long.toString(writeResult.getRecordCount()));
            attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
            final FlowFile routed = session.putAllAttributes(child, attributes);
            session.getProvenanceReporter().route(routed, relationship, writeResult.getRecordCount() + " " + details);
            session.transfer(routed, relationship);
        }
    }
}

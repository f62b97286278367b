package io.customertrack.nifi.processors;

import io.customertrack.nifi.customer.CustomerEventRecord;
import io.customertrack.nifi.customer.CustomerField;
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
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.serialization.record.RawRecordWriter;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

@SupportsBatching
@SideEffectFree
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"customertrack", "customer", "record", "validate", "quality", "csv", "snowflake"})
@CapabilityDescription("Checks every customer change event against CustomerTrack's record-level rules and splits the input "
        + "FlowFile into one FlowFile of valid records (written in the canonical customer field order, ready for Snowpipe) "
        + "and one FlowFile of invalid records, each carrying its reasons in a 'validation_errors' field. "
        + "Rules: required fields present and non-blank (DELETE events need only customer_id, op and updated_at); "
        + "customer_id a positive integer; email syntactically valid; op one of INSERT, UPDATE, DELETE; updated_at an "
        + "ISO-8601 timestamp no later than now plus the allowed clock skew (rewritten to UTC with microseconds); every value "
        + "within its Snowflake column size; no control characters and no undecodable bytes; no values beyond the customer fields. "
        + "Input that cannot be parsed goes to 'failure' unchanged, with the parser's message.")
@SeeAlso(GenerateFakeCustomer.class)
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Number of records in the outgoing FlowFile"),
        @WritesAttribute(attribute = "mime.type", description = "MIME type of the writer used for the outgoing FlowFile"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_INPUT_COUNT,
                description = "Number of records read from the input FlowFile (valid plus invalid)"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_ERRORS,
                description = "On 'invalid': how often each rule was broken, e.g. 'email.invalid_syntax=2, op.unknown=1'"),
        @WritesAttribute(attribute = ValidateCustomerRecord.ATTR_FAILURE_REASON,
                description = "On 'failure': why the input could not be read")
})
public class ValidateCustomerRecord extends AbstractProcessor {

    static final String ATTR_INPUT_COUNT = "validation.input.record.count";
    static final String ATTR_ERRORS = "validation.errors";
    static final String ATTR_FAILURE_REASON = "validation.failure.reason";

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

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("The unchanged input when it cannot be read as records (broken quoting, wrong format...)")
            .build();

    private static final List<PropertyDescriptor> PROPERTIES =
            List.of(RECORD_READER, RECORD_WRITER, INVALID_RECORD_WRITER, MAX_CLOCK_SKEW, NORMALIZE_VALUES);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_VALID, REL_INVALID, REL_FAILURE);
    private static final Map<String, CustomerField> FIELDS_BY_NAME = fieldsByName();
    private static final int FIELD_COUNT = CustomerField.values().length;

    private final Clock clock = Clock.systemUTC();
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

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
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

        // One reading of the clock per FlowFile: every record of it is judged against the same "now" (the same verdict
        // wherever a record sits in the FlowFile), and no record pays for reading the clock.
        final CustomerRecordValidator validator =
                new CustomerRecordValidator(maxClockSkew, normalizeValues, Clock.fixed(clock.instant(), ZoneOffset.UTC));
        final Output valid = new Output(session, flowFile, validWriterFactory, false);
        final Output invalid = new Output(session, flowFile, invalidWriterFactory, true);
        final Map<String, Integer> violationCounts = new TreeMap<>();
        long inputCount = 0;
        try (InputStream in = session.read(flowFile);
             RecordReader reader = readerFactory.createRecordReader(flowFile, in, getLogger())) {
            final RecordSchema validSchema = validWriterFactory.getSchema(flowFile.getAttributes(), CustomerSchema.CUSTOMER_EVENT);
            RecordSchema invalidSchema = null;
            final RecordValues recordValues = new RecordValues();
            Record record;
            // Keep unknown fields: a row with more values than the header must be reported, not silently trimmed.
            // No type coercion: the rules read values as text.
            while ((record = reader.nextRecord(false, false)) != null) {
                inputCount++;
                final Record input = record;
                final String[] rawValues = recordValues.read(input); // this record's own array, kept by the valid record
                if (validator.acceptsUnchanged(rawValues, recordValues.unexpectedFields())) {
                    valid.write(validSchema, new CustomerEventRecord(rawValues)); // the common case: no result built
                    continue;
                }
                final CustomerRecordValidator.Result result = validator.validate(rawValues, recordValues.unexpectedFields());
                if (result.isValid()) {
                    valid.write(validSchema, new CustomerEventRecord(result.values())); // normalised and canonical values
                } else {
                    if (invalidSchema == null) {
                        invalidSchema = CustomerSchema.withValidationErrors(reader.getSchema());
                    }
                    invalid.write(invalidSchema, withReasons(input, result));
                    result.violations().forEach(v -> violationCounts.merge(v.summaryKey(), 1, Integer::sum));
                }
            }
            valid.finish();
            invalid.finish();
        } catch (final Exception e) {
            valid.discard();
            invalid.discard();
            getLogger().error("Cannot read {} as customer records; routing to failure", flowFile, e);
            session.transfer(session.putAttribute(flowFile, ATTR_FAILURE_REASON, describe(e)), REL_FAILURE);
            return;
        }

        if (inputCount == 0) {
            final Map<String, String> attributes = Map.of(
                    "record.count", "0",
                    ATTR_INPUT_COUNT, "0",
                    ATTR_ERRORS, "input.no_records=1 (the FlowFile is empty or holds only a header)");
            session.transfer(session.putAllAttributes(flowFile, attributes), REL_INVALID);
            return;
        }

        final String inputCountText = Long.toString(inputCount);
        valid.transfer(REL_VALID, Map.of(ATTR_INPUT_COUNT, inputCountText));
        invalid.transfer(REL_INVALID, Map.of(ATTR_INPUT_COUNT, inputCountText, ATTR_ERRORS, summarize(violationCounts)));
        // The children carry FORK provenance events from their parent; the parent itself is done.
        session.remove(flowFile);
    }

    /**
     * Copies each record's customer field values, as text, into a new array per record (in {@link CustomerField} order,
     * null where absent) and collects the fields outside the customer schema that carry a value (e.g. extra CSV columns).
     * One pass over the record's own map: readers build every record of a FlowFile with the same key instances in the
     * same order, so a key is matched to its field by identity with the previous record's key at that position, and
     * looked up by name only when that fails. Ten hash look-ups per record cost more than the rules themselves.
     * One instance per FlowFile: processors run concurrently, and this holds per-record state.
     */
    static final class RecordValues implements BiConsumer<String, Object> {
        private String[] values;
        private String[] keys = new String[FIELD_COUNT];
        private CustomerField[] fields = new CustomerField[FIELD_COUNT];
        private int position;
        private List<String> unexpected;

        /** Reads {@code record} into a new array, which the caller may keep (a valid record is built on it). */
        String[] read(final Record record) {
            values = new String[FIELD_COUNT];
            position = 0;
            unexpected = List.of();
            record.toMap().forEach(this);
            return values;
        }

        /** Fields of the last record read that are not customer fields and carry a value. */
        List<String> unexpectedFields() {
            return unexpected;
        }

        @Override
        public void accept(final String key, final Object value) {
            if (position == keys.length) {
                keys = Arrays.copyOf(keys, position * 2);
                fields = Arrays.copyOf(fields, position * 2);
            }
            final CustomerField field;
            if (keys[position] == key) {
                field = fields[position];
            } else {
                field = FIELDS_BY_NAME.get(key);
                keys[position] = key;
                fields[position] = field;
            }
            position++;
            if (field != null) {
                values[field.ordinal()] = value == null ? null : value.toString();
            } else if (value != null && !CustomerSchema.VALIDATION_ERRORS_FIELD.equals(key)) {
                if (unexpected.isEmpty()) {
                    unexpected = new ArrayList<>(1);
                }
                unexpected.add(key);
            }
        }
    }

    /** The input record itself, every value as it was read, plus its reasons: nothing is copied for a rejected record. */
    private static Record withReasons(final Record input, final CustomerRecordValidator.Result result) {
        input.setValue(CustomerSchema.VALIDATION_ERRORS_FIELD, result.describeViolations());
        return input;
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

    private static String describe(final Throwable error) {
        final StringBuilder message = new StringBuilder();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && (message.isEmpty() || !message.toString().contains(cause.getMessage()))) {
                if (!message.isEmpty()) {
                    message.append(": ");
                }
                message.append(cause.getMessage());
            }
        }
        return message.isEmpty() ? error.getClass().getName() : message.toString();
    }

    private static Map<String, CustomerField> fieldsByName() {
        final Map<String, CustomerField> fields = new HashMap<>();
        for (final CustomerField field : CustomerField.values()) {
            fields.put(field.columnName(), field);
        }
        return Map.copyOf(fields);
    }

    /**
     * The session's stream for a child, closed at most once. Record writers close the stream they write to, and
     * {@link Output#finish()} closes it again for writers that do not; some sessions (nifi-mock's) copy the whole
     * content on every close.
     */
    private static final class CloseOnceOutputStream extends OutputStream {
        private final OutputStream delegate;
        private boolean closed;

        CloseOnceOutputStream(final OutputStream delegate) {
            this.delegate = delegate;
        }

        @Override
        public void write(final int b) throws IOException {
            delegate.write(b);
        }

        @Override
        public void write(final byte[] bytes, final int offset, final int length) throws IOException {
            delegate.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            delegate.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                delegate.close();
            }
        }
    }

    /**
     * A child FlowFile and its record writer, created on the first record routed to it. Valid records are written
     * through the writer's schema: exactly the customer fields in their canonical order and types, whatever else the
     * input carried (a corrected reject's empty validation_errors column must not reach Snowpipe). Invalid records are
     * written raw, every input value as it came, plus the reasons.
     */
    private final class Output {
        private final ProcessSession session;
        private final FlowFile parent;
        private final RecordSetWriterFactory writerFactory;
        private FlowFile child;
        private OutputStream out;
        private RecordSetWriter writer;
        private final boolean keepEveryField;
        private WriteResult writeResult;

        /**
         * @param keepEveryField write each record's own fields, also those outside the schema (raw writing, where the
         *                       writer offers it), instead of exactly the schema's fields with the schema's types
         */
        Output(final ProcessSession session, final FlowFile parent, final RecordSetWriterFactory writerFactory,
               final boolean keepEveryField) {
            this.session = session;
            this.parent = parent;
            this.writerFactory = writerFactory;
            this.keepEveryField = keepEveryField;
        }

        void write(final RecordSchema schema, final Record record) throws Exception {
            if (writer == null) {
                child = session.create(parent);
                out = new CloseOnceOutputStream(session.write(child));
                writer = writerFactory.createWriter(getLogger(), schema, out, child);
                writer.beginRecordSet();
            }
            if (keepEveryField && writer instanceof RawRecordWriter rawWriter) {
                rawWriter.writeRawRecord(record);
            } else {
                writer.write(record);
            }
        }

        void finish() throws Exception {
            if (writer != null) {
                writeResult = writer.finishRecordSet();
                writer.close();
                out.close();
            }
        }

        void discard() {
            if (child != null) {
                try {
                    if (writer != null) {
                        writer.close();
                    }
                    out.close();
                } catch (final Exception ignored) {
                    // The child is removed below; nothing written to it is kept.
                }
                session.remove(child);
                child = null;
            }
        }

        void transfer(final Relationship relationship, final Map<String, String> extraAttributes) {
            if (child == null) {
                return;
            }
            final Map<String, String> attributes = new HashMap<>(writeResult.getAttributes());
            attributes.putAll(extraAttributes);
            attributes.put("record.count", Long.toString(writeResult.getRecordCount()));
            attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
            session.transfer(session.putAllAttributes(child, attributes), relationship);
        }
    }
}

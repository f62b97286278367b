package io.customertrack.nifi.processors;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.DeclarationException;
import io.customertrack.nifi.customer.CompiledDeclaration;
import io.customertrack.nifi.customer.CustomerIdSpace;
import io.customertrack.nifi.customer.FakeCustomerGenerator;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.PrimaryNodeOnly;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.TriggerSerially;
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
import org.apache.nifi.components.Validator;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.components.state.StateMap;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

@PrimaryNodeOnly
@TriggerSerially
@InputRequirement(InputRequirement.Requirement.INPUT_FORBIDDEN)
@Tags({"customertrack", "customer", "generate", "fake", "test data", "datafaker", "record", "scd"})
@CapabilityDescription("Generates synthetic customer change events with datafaker: new customers, updates, deletes and re-registrations, "
        + "optionally also broken, late, replayed and erasure events. Customer ids live in cluster state and are never reissued.")
@Stateful(scopes = Scope.CLUSTER, description = "The next customer id to issue, which of the most recent ids (see Known Customer "
        + "Window) are deleted, the batch sequence number and the event clock. Clearing state restarts ids at Customer ID Start.")
@SeeAlso({ValidateCustomerRecord.class, TriggerSnowflakeMerge.class})
@UseCase(
        description = "Generate realistic customer change events with history (inserts, updates, deletes, re-inserts) to test a pipeline.",
        keywords = {"generate", "fake", "test data", "customer", "scd", "datafaker"},
        configuration = """
                Set "Record Writer" to the format the pipeline expects (CSV for Snowpipe), "Records Per FlowFile" and the \
                run schedule to the volume wanted, and "Invalid Record Percentage" above 0 to exercise the invalid path.
                Set "Random Seed" for byte-identical output from the same settings and state.
                """)
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Number of records in the FlowFile"),
        @WritesAttribute(attribute = "mime.type", description = "MIME type of the Record Writer's output")
})
public class GenerateFakeCustomer extends AbstractProcessor {

    /** Event times of seeded runs start here, so seeded output does not depend on the wall clock. */
    static final long SEEDED_CLOCK_ORIGIN_MICROS = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2025-01-01T00:00:00Z"));

    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer")
            .description("Writes the generated events (CSV for the Snowpipe path; JSON, Avro or Parquet work as well).")
            .identifiesControllerService(RecordSetWriterFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor RECORDS_PER_FLOWFILE = new PropertyDescriptor.Builder()
            .name("Records Per FlowFile")
            .description("Number of events in each generated FlowFile.")
            .required(true)
            .defaultValue("1000")
            .addValidator(StandardValidators.createLongValidator(1, 1_000_000, true))
            .build();

    public static final PropertyDescriptor UPDATE_PERCENTAGE = percentage("Update Percentage",
            "Percentage of events that update an existing customer: each draws a random non-empty set of the declaration's "
                    + "changesWith groups anew (for the default declaration a changed email address, a move, or both).", "20");
    public static final PropertyDescriptor DELETE_PERCENTAGE = percentage("Delete Percentage",
            "Percentage of events that delete an existing customer.", "5");
    public static final PropertyDescriptor INVALID_PERCENTAGE = percentage("Invalid Record Percentage",
            "Percentage of events broken on purpose to exercise the invalid path: unknown op, bad or future timestamp, negative id, "
                    + "and where the declaration has the rule or type for it a bad email, blank required value, over-long value, control "
                    + "character, pattern mismatch, value outside oneOf or outside min/max. Invalid events never create or delete a customer.", "0");

    public static final PropertyDescriptor LATE_PERCENTAGE = percentage("Late Event Percentage",
            "Percentage of events delivered late: an UPDATE of a live customer whose event time lies up to Maximum Lateness "
                    + "before the events around it, as a producer's delayed delivery sends it. The merge places it at its time "
                    + "in the history.", "0");

    public static final PropertyDescriptor MAX_LATENESS = new PropertyDescriptor.Builder()
            .name("Maximum Lateness")
            .description("How far before the events around it a late event's time may lie.")
            .required(true)
            .defaultValue("10 min")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    public static final PropertyDescriptor REPLAY_PERCENTAGE = percentage("Replay Percentage",
            "Percentage of events that repeat an earlier event of the same FlowFile exactly, as an at-least-once producer "
                    + "does. The merge applies each event once.", "0");

    public static final PropertyDescriptor ERASURE_PERCENTAGE = percentage("Erasure Percentage",
            "Percentage of events that are ERASE requests for a known customer (right to be forgotten): only customer_id, op "
                    + "and updated_at. The merge removes the customer's personal values everywhere and retires the id; the "
                    + "generator never uses the id again.", "0");

    public static final PropertyDescriptor UNTRACKED_CHANGE_PERCENTAGE = new PropertyDescriptor.Builder()
            .name("Untracked Change Percentage")
            .description("Of the UPDATEs (on time and late), the percentage that change only attributes the declaration marks "
                    + "\"trackHistory\": false, which the merge records in place in the customer's version instead of opening "
                    + "a new one; the other UPDATEs change at least one tracked attribute. Applies only to a declaration with "
                    + "untracked attributes. Not part of the 100 that the other percentages share.")
            .required(true)
            .defaultValue("20")
            .addValidator(StandardValidators.createLongValidator(0, 100, true))
            .build();

    public static final PropertyDescriptor PARTIAL_UPDATE_PERCENTAGE = new PropertyDescriptor.Builder()
            .name("Partial Update Percentage")
            .description("Of the UPDATEs (on time and late), the percentage sent as partial updates: only the attributes that "
                    + "changed carry a value, the others are empty (unchanged). The rest carry every value. Applies only to a "
                    + "declaration with \"partialUpdates\": true. Not part of the 100 that the other percentages share.")
            .required(true)
            .defaultValue("30")
            .addValidator(StandardValidators.createLongValidator(0, 100, true))
            .build();

    public static final PropertyDescriptor LOCALE = new PropertyDescriptor.Builder()
            .name("Locale")
            .description("IETF language tag of the datafaker locale for names and addresses, e.g. en-US, de-DE, fr-FR, ja-JP. "
                    + "Attributes generated with localeCountry get the locale's country.")
            .required(true)
            .defaultValue("en-US")
            .addValidator(new LocaleValidator())
            .build();

    public static final PropertyDescriptor RANDOM_SEED = new PropertyDescriptor.Builder()
            .name("Random Seed")
            .description("Makes output reproducible: the same seed, settings and starting state give byte-identical FlowFiles. "
                    + "Event times then follow a logical clock starting at 2025-01-01T00:00:00Z instead of the wall clock. "
                    + "With a declaration that has untracked attributes or partial updates, the updated customers' current "
                    + "values are kept in memory, not in state: output is then byte-identical only from a processor started on "
                    + "that state and with no batch discarded (after a restart, UPDATEs start again from the customers' base "
                    + "profiles; a batch discarded on a cluster-state conflict still moved them). "
                    + "Leave empty for different data on every run.")
            .required(false)
            .addValidator(StandardValidators.LONG_VALIDATOR)
            .build();

    public static final PropertyDescriptor CUSTOMER_ID_START = new PropertyDescriptor.Builder()
            .name("Customer ID Start")
            .description("First customer id to issue when the processor has no state. Raising it later moves the next id up; "
                    + "lowering it never reissues an id.")
            .required(true)
            .defaultValue("1")
            .addValidator(StandardValidators.createLongValidator(1, Long.MAX_VALUE / 2, true))
            .build();

    public static final PropertyDescriptor KNOWN_CUSTOMER_WINDOW = new PropertyDescriptor.Builder()
            .name("Known Customer Window")
            .description("Updates and deletes target one of this many most recently issued customers. State grows with it "
                    + "(one bit per customer); changing it forgets which customers of the window were deleted. With a "
                    + "declaration that has untracked attributes or partial updates, memory grows with it too (the current "
                    + "values of the updated customers of the window).")
            .required(true)
            .defaultValue("10000")
            .addValidator(StandardValidators.createLongValidator(1, 1_000_000, true))
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("Generated customer events")
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(CustomerDeclarations.CUSTOMER_DECLARATION, RECORD_WRITER, RECORDS_PER_FLOWFILE, UPDATE_PERCENTAGE,
            DELETE_PERCENTAGE, INVALID_PERCENTAGE, LATE_PERCENTAGE, MAX_LATENESS, REPLAY_PERCENTAGE, ERASURE_PERCENTAGE,
            UNTRACKED_CHANGE_PERCENTAGE, PARTIAL_UPDATE_PERCENTAGE, LOCALE, RANDOM_SEED, CUSTOMER_ID_START, KNOWN_CUSTOMER_WINDOW);

    private volatile FakeCustomerGenerator generator;
    private volatile Long seed;
    private volatile RecordSchema recordSchema;
    private volatile DeclarationVerdict lastVerdict;

    private static PropertyDescriptor percentage(final String name, final String description, final String defaultValue) {
        return new PropertyDescriptor.Builder()
                .name(name)
                .description(description + " Update, delete and invalid percentages together may not exceed 100.")
                .required(true)
                .defaultValue(defaultValue)
                .addValidator(StandardValidators.createLongValidator(0, 100, true))
                .build();
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return Set.of(REL_SUCCESS);
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>(declarationResults(context));
        results.addAll(percentageResults(context));
        return results;
    }

    /**
     * The declaration, compiled and with its value pools prepared as {@link #onScheduled} would: a source none of whose
     * values pass the attribute's own checks makes the processor invalid. Preparing the pools takes a while, and NiFi
     * validates often: the verdict is kept for the settings it was reached with: the declaration as read (a file named
     * by the property may change), the locale and the seed the pools are drawn with.
     */
    private List<ValidationResult> declarationResults(final ValidationContext context) {
        Declaration declaration = null;
        String unusable = null;
        try {
            declaration = CustomerDeclarations.read(context.getProperty(CustomerDeclarations.CUSTOMER_DECLARATION));
        } catch (final DeclarationException e) {
            unusable = e.getMessage();
        }
        final List<Object> settings = Arrays.asList(declaration != null ? declaration : unusable,
                context.getProperty(LOCALE).getValue(), context.getProperty(RANDOM_SEED).getValue());
        final DeclarationVerdict last = lastVerdict;
        if (last != null && last.settings().equals(settings)) {
            return last.results();
        }
        final List<ValidationResult> results = declaration == null ? List.of(invalidDeclaration(unusable)) : judgeDeclaration(context, declaration);
        lastVerdict = new DeclarationVerdict(settings, results);
        return results;
    }

    private static ValidationResult invalidDeclaration(final String explanation) {
        return new ValidationResult.Builder().subject(CustomerDeclarations.CUSTOMER_DECLARATION.getDisplayName())
                .valid(false).explanation(explanation).build();
    }

    private record DeclarationVerdict(List<Object> settings, List<ValidationResult> results) {
    }

    /** The declaration as read, compiled once and its pools prepared with the locale and seed onScheduled uses. */
    private static List<ValidationResult> judgeDeclaration(final ValidationContext context, final Declaration declaration) {
        final String languageTag = context.getProperty(LOCALE).getValue();
        if (languageTag == null || Locale.forLanguageTag(languageTag.trim()).getLanguage().isEmpty()) {
            return List.of(); // the Locale property reports it
        }
        try {
            // With a seed, the pools onScheduled will draw; without one, a seed of its own, as onScheduled draws one.
            final String seedText = context.getProperty(RANDOM_SEED).getValue();
            final long seed = seedText == null ? ThreadLocalRandom.current().nextLong() : Long.parseLong(seedText.trim());
            new FakeCustomerGenerator(CustomerDeclarations.compile(declaration), Locale.forLanguageTag(languageTag.trim()), seed);
            return List.of();
        } catch (final NumberFormatException e) {
            return List.of(); // the Random Seed property reports it
        } catch (final DeclarationException e) {
            return List.of(invalidDeclaration(e.getMessage()));
        }
    }

    private static List<ValidationResult> percentageResults(final ValidationContext context) {
        final List<PropertyDescriptor> shares = List.of(UPDATE_PERCENTAGE, DELETE_PERCENTAGE, INVALID_PERCENTAGE, LATE_PERCENTAGE, REPLAY_PERCENTAGE,
                ERASURE_PERCENTAGE);
        long total = 0;
        final List<String> parts = new ArrayList<>();
        for (final PropertyDescriptor share : shares) {
            final String value = context.getProperty(share).getValue();
            try {
                total += Long.parseLong(value);
            } catch (final NumberFormatException e) {
                return List.of(); // the property's own validator reports the value that is not a number
            }
            parts.add(share.getName() + " (" + value + ")");
        }
        if (total > 100) {
            return List.of(new ValidationResult.Builder().subject("Percentages").valid(false)
                    .explanation(String.join(", ", parts) + " add up to " + total + ", more than 100").build());
        }
        return List.of();
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        seed = context.getProperty(RANDOM_SEED).isSet() ? context.getProperty(RANDOM_SEED).asLong() : null;
        final Locale locale = Locale.forLanguageTag(context.getProperty(LOCALE).getValue());
        final CompiledDeclaration declaration = CustomerDeclarations.compile(context.getProperty(CustomerDeclarations.CUSTOMER_DECLARATION));
        generator = new FakeCustomerGenerator(declaration, locale, seed == null ? ThreadLocalRandom.current().nextLong() : seed);
        recordSchema = declaration.schema().recordSchema();
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final RecordSetWriterFactory writerFactory = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final int count = context.getProperty(RECORDS_PER_FLOWFILE).asInteger();
        final FakeCustomerGenerator.Mix mix = new FakeCustomerGenerator.Mix(context.getProperty(UPDATE_PERCENTAGE).asInteger(),
                context.getProperty(DELETE_PERCENTAGE).asInteger(), context.getProperty(INVALID_PERCENTAGE).asInteger(),
                context.getProperty(LATE_PERCENTAGE).asInteger(),
                Duration.ofMillis(context.getProperty(MAX_LATENESS).asTimePeriod(TimeUnit.MILLISECONDS)),
                context.getProperty(REPLAY_PERCENTAGE).asInteger(), context.getProperty(ERASURE_PERCENTAGE).asInteger(),
                context.getProperty(UNTRACKED_CHANGE_PERCENTAGE).asInteger(), context.getProperty(PARTIAL_UPDATE_PERCENTAGE).asInteger());
        final long idStart = context.getProperty(CUSTOMER_ID_START).asLong();
        final int window = context.getProperty(KNOWN_CUSTOMER_WINDOW).asInteger();

        final StateMap stateMap;
        try {
            stateMap = context.getStateManager().getState(Scope.CLUSTER);
        } catch (final IOException e) {
            throw new ProcessException("Cannot read the generator's cluster state", e);
        }
        final CustomerIdSpace ids = CustomerIdSpace.fromState(stateMap.toMap(), idStart, window);
        final long batchSequence = ids.nextBatchSequence();
        final SplittableRandom random = seed == null
                ? new SplittableRandom()
                : new SplittableRandom(seed * 0x9E3779B97F4A7C15L + batchSequence);
        final long wallClockMicros = seed == null
                ? ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now())
                : SEEDED_CLOCK_ORIGIN_MICROS;

        FlowFile flowFile = session.create();
        final WriteResult writeResult;
        final String mimeType;
        try {
            final RecordSchema schema = writerFactory.getSchema(Map.of(), recordSchema);
            try (OutputStream out = session.write(flowFile);
                 RecordSetWriter writer = writerFactory.createWriter(getLogger(), schema, out, flowFile)) {
                writer.beginRecordSet();
                generator.generate(count, mix, ids, random, wallClockMicros,
                        schema, writer::write);
                writeResult = writer.finishRecordSet();
                mimeType = writer.getMimeType();
            }
        } catch (final Exception e) {
            session.remove(flowFile);
            throw new ProcessException("Cannot write generated customers with " + writerFactory, e);
        }

        // Compare-and-set through the state manager, before anything is transferred: the session's replaceState only
        // writes at commit, unconditionally and after the FlowFiles, so a crash or an old primary could reissue ids.
        // If another node moved the state meanwhile, nothing is emitted. A crash after this write skips ids; none repeats.
        try {
            if (!context.getStateManager().replace(stateMap, ids.toState(), Scope.CLUSTER)) {
                session.remove(flowFile);
                getLogger().warn("Cluster state changed while generating; discarding this batch and yielding so no id is issued twice");
                context.yield();
                return;
            }
        } catch (final IOException e) {
            session.remove(flowFile);
            throw new ProcessException("Cannot save the generator's cluster state", e);
        }

        final Map<String, String> attributes = new HashMap<>(writeResult.getAttributes());
        attributes.put("record.count", Integer.toString(writeResult.getRecordCount()));
        attributes.put(CoreAttributes.MIME_TYPE.key(), mimeType);
        flowFile = session.putAllAttributes(flowFile, attributes);
        session.getProvenanceReporter().create(flowFile, "Generated " + writeResult.getRecordCount() + " customer events");
        session.transfer(flowFile, REL_SUCCESS);
    }

    /** Accepts IETF language tags that name at least a language, such as en-US or de. */
    static final class LocaleValidator implements Validator {
        @Override
        public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
            final Locale locale = input == null ? Locale.ROOT : Locale.forLanguageTag(input.trim());
            final boolean valid = !locale.getLanguage().isEmpty();
            return new ValidationResult.Builder().subject(subject).input(input).valid(valid)
                    .explanation(valid ? null : "'" + input + "' is not an IETF language tag such as en-US").build();
        }
    }
}

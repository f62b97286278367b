package io.customertrack.nifi.processors;

import io.customertrack.declaration.Declaration;
import io.customertrack.declaration.sql.SqlRenderer;
import io.customertrack.nifi.merge.MergeRunner;
import io.customertrack.nifi.merge.MergeScript;
import io.customertrack.nifi.merge.RawColumns;
import io.customertrack.nifi.merge.WarehouseDialect;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
import org.apache.nifi.annotation.behavior.ReadsAttributes;
import org.apache.nifi.annotation.behavior.TriggerSerially;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.MultiProcessorUseCase;
import org.apache.nifi.annotation.documentation.ProcessorConfiguration;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.DescribedValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.dbcp.DBCPService;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

// Not @PrimaryNodeOnly: a primary-only processor with an incoming connection strands the FlowFiles queued on the
// other nodes. One merge at a time per cluster comes from the flow instead (the incoming connection load-balances
// to a single node); concurrent merges would still be safe (Snowflake serialises DML per table; replays are no-ops).
@TriggerSerially
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"customertrack", "snowflake", "snowpipe", "merge", "scd", "scd2", "cdc", "sql", "jdbc"})
@CapabilityDescription("Merges the files PutS3Object landed into the CustomerTrack SCD1 and SCD2 tables in one transaction once they are "
        + "loaded into CUSTOMER_RAW, by Snowpipe or by its own COPY. Each FlowFile goes to 'success' with its file's receipt, "
        + "or to 'retry' until its file is loaded.")
@SeeAlso({GenerateFakeCustomer.class, ValidateCustomerRecord.class})
@MultiProcessorUseCase(
        description = "Stream customer change events into Snowflake and keep an SCD Type 1 table (CUSTOMER) and an SCD Type 2 "
                + "history table (CUSTOMER_HISTORY) correct, merging as soon as each file is loaded.",
        notes = "The Snowflake objects (CUSTOMER_RAW, the CUSTOMER_CSV file format, the stage and pipe, the SCD tables, the "
                + "stream, task and procedure) come with CustomerTrack's SQL scripts and must exist first. Replace "
                + "GenerateFakeCustomer with any source of customer events in the customer field order.",
        keywords = {"snowflake", "snowpipe", "scd", "scd2", "history", "customer", "cdc", "s3", "merge"},
        configurations = {
            @ProcessorConfiguration(processorClass = GenerateFakeCustomer.class, configuration = """
                    Set "Record Writer" to a CSVRecordSetWriter with "Escape Character" empty and "Trim Fields" false: \
                    the dialect of the CUSTOMER_CSV file format.
                    Run it on the primary node only; connect 'success' to ValidateCustomerRecord.
                    """),
            @ProcessorConfiguration(processorClass = ValidateCustomerRecord.class, configuration = """
                    Set "Record Reader" to a CSVReader with the schema from the header, "Escape Character" empty, \
                    "Trim Fields" false and "Allow Duplicate Header Names" false; "Record Writer" to the CSVRecordSetWriter above.
                    Connect 'valid' to the PutS3Object that writes under the prefix the pipe loads, and 'invalid' to a second \
                    PutS3Object that writes to a quarantine prefix (each record carries its validation_errors).
                    """),
            @ProcessorConfiguration(processorClassName = "org.apache.nifi.processors.aws.s3.PutS3Object", configuration = """
                    "Bucket" = "#{s3.bucket}" and "Object Key" = a unique name under the prefix the stage points at, \
                    e.g. "customers/valid/${now():format('yyyy/MM/dd/HH')}/${uuid}.csv".
                    Connect 'success' of the valid records' PutS3Object to TriggerSnowflakeMerge.
                    """),
            @ProcessorConfiguration(processorClass = TriggerSnowflakeMerge.class, configuration = """
                    Set "Database Connection Pooling Service" to a DBCPConnectionPool with snowflake-jdbc and key-pair \
                    authentication whose default database and schema hold the CustomerTrack tables, "Load Mode" to \
                    "Wait for Snowpipe" and "Staged File Name" to the key relative to the stage URL, \
                    e.g. ${s3.key:substringAfter('customers/valid/')}.
                    Route 'retry' back to this processor. In a cluster, load-balance the incoming connection to a single node.
                    """)
        })
@ReadsAttributes({
        @ReadsAttribute(attribute = "s3.key", description = "Object key written by PutS3Object (the default Staged File Name); "
                + "CUSTOMER_RAW.source_file may hold it, or s3://<s3.bucket>/<s3.key>, instead of the Staged File Name"),
        @ReadsAttribute(attribute = "s3.bucket", description = "Bucket written by PutS3Object"),
        @ReadsAttribute(attribute = CustomerTrackAttributes.WAIT_STARTED, description = "Set by this processor on first sight")
})
@WritesAttributes({
        @WritesAttribute(attribute = CustomerTrackAttributes.STAGED_FILE, description = "The file name looked up in CUSTOMER_RAW.source_file"),
        @WritesAttribute(attribute = CustomerTrackAttributes.WAIT_STARTED, description = "Epoch millis when this processor first saw the FlowFile"),
        @WritesAttribute(attribute = CustomerTrackAttributes.FILE_ROWS, description = "Rows of this file that were merged"),
        @WritesAttribute(attribute = CustomerTrackAttributes.MERGED_AT, description = "When the merge that applied this file committed"),
        @WritesAttribute(attribute = CustomerTrackAttributes.MERGED_BY, description = "'" + CustomerTrackAttributes.MERGED_BY_THIS_RUN
                + "' if this processor's merge applied the file, '" + CustomerTrackAttributes.MERGED_BY_EARLIER_RUN
                + "' if the scheduled task or an earlier run had"),
        @WritesAttribute(attribute = CustomerTrackAttributes.VERSIONS_OPENED, description = "From the file's receipt "
                + "(CUSTOMER_MERGE_RECEIPT), whichever run merged it: versions its events opened"),
        @WritesAttribute(attribute = CustomerTrackAttributes.VERSIONS_CLOSED, description = "Receipt: open versions its events closed"),
        @WritesAttribute(attribute = CustomerTrackAttributes.VERSIONS_RECUT, description = "Receipt: closed versions its late events re-cut "
                + "(each one in CUSTOMER_HISTORY_RECUT)"),
        @WritesAttribute(attribute = CustomerTrackAttributes.VERSIONS_REMOVED, description = "Receipt: versions its late events made redundant"),
        @WritesAttribute(attribute = CustomerTrackAttributes.EVENTS_QUARANTINED, description = "Receipt: events set aside in "
                + "CUSTOMER_MERGE_QUARANTINE (beyond the lateness budget, or of an erased customer)"),
        @WritesAttribute(attribute = CustomerTrackAttributes.QUERY_ID, description = "Receipt: Snowflake query id of the last statement "
                + "of the merge that applied the file; QUERY_HISTORY's TRANSACTION_ID of it finds the others (absent elsewhere)"),
        @WritesAttribute(attribute = CustomerTrackAttributes.RETRY_REASON, description = "Why the FlowFile went to retry"),
        @WritesAttribute(attribute = CustomerTrackAttributes.FAILURE_REASON, description = "Why the FlowFile went to failure")
})
public class TriggerSnowflakeMerge extends AbstractProcessor {

    /** Counters: what the merges of this processor did, summed over its runs. */
    static final String COUNTER_MERGES = "Merges";
    static final String COUNTER_FILES_MERGED = "Files merged";
    static final String COUNTER_MERGE_MILLIS = "Merge time (ms)";
    static final String COUNTER_HISTORY_ROWS = "CUSTOMER_HISTORY rows changed";
    static final String COUNTER_CUSTOMER_ROWS = "CUSTOMER rows changed";
    static final String COUNTER_MERGES_RETRIED = "Merges rolled back for retry";
    static final String FILES_PLACEHOLDER = "{files}";

    /** Who loads the files into CUSTOMER_RAW. */
    public enum LoadMode implements DescribedValue {
        SNOWPIPE("snowpipe", "Wait for Snowpipe",
                "Snowpipe (AUTO_INGEST) loads the files; this processor waits until they appear in CUSTOMER_RAW."),
        COPY("copy", "COPY files",
                "This processor loads files not yet in CUSTOMER_RAW with the Copy Statement, for accounts without S3 event "
                        + "notifications (or emulators without pipes). Never while the AUTO_INGEST pipe runs: the pipe's and "
                        + "COPY's load histories are separate, so a file would load twice.");

        private final String value;
        private final String displayName;
        private final String description;

        LoadMode(final String value, final String displayName, final String description) {
            this.value = value;
            this.displayName = displayName;
            this.description = description;
        }

        @Override
        public String getValue() {
            return value;
        }

        @Override
        public String getDisplayName() {
            return displayName;
        }

        @Override
        public String getDescription() {
            return description;
        }
    }

    public static final PropertyDescriptor CONNECTION_POOL = new PropertyDescriptor.Builder()
            .name("Database Connection Pooling Service")
            .description("Connection to the database holding CUSTOMER_RAW and the SCD tables, e.g. a DBCPConnectionPool or "
                    + "SnowflakeComputingConnectionPool using snowflake-jdbc with key-pair authentication. Its default "
                    + "database and schema must be the CustomerTrack ones.")
            .identifiesControllerService(DBCPService.class)
            .required(true)
            .build();

    public static final PropertyDescriptor LOAD_MODE = new PropertyDescriptor.Builder()
            .name("Load Mode")
            .description("Who loads the files into CUSTOMER_RAW.")
            .allowableValues(LoadMode.class)
            .defaultValue(LoadMode.SNOWPIPE)
            .required(true)
            .build();

    public static final PropertyDescriptor STAGED_FILE_NAME = new PropertyDescriptor.Builder()
            .name("Staged File Name")
            .description("The FlowFile's file as the stage names it: the path relative to the stage URL, which COPY's FILES "
                    + "list takes. When the stage URL ends in a prefix, strip it, e.g. ${s3.key:substringAfter('customers/valid/')}. "
                    + "CUSTOMER_RAW.source_file (METADATA$FILENAME) matches it whether it holds that relative path or the full path.")
            .required(true)
            .defaultValue("${s3.key}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor COPY_STATEMENT = new PropertyDescriptor.Builder()
            .name("Copy Statement")
            .description("COPY used in the COPY files mode. " + FILES_PLACEHOLDER + " is replaced by the quoted, comma-separated "
                    + "staged file names (quotes escaped). It must fill source_file, source_row_number and loaded_at as the pipe does. "
                    + "When not set, the pipe's COPY for the Customer Declaration: its file columns from @customer_stage with the "
                    + "CUSTOMER_CSV file format, " + FILES_PLACEHOLDER + " as the FILES list, ON_ERROR = ABORT_STATEMENT.")
            .required(false)
            .dependsOn(LOAD_MODE, LoadMode.COPY)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("Most FlowFiles handled by one merge. One merge per batch keeps warehouse time low.")
            .required(true)
            .defaultValue("100")
            .addValidator(StandardValidators.createLongValidator(1, 10_000, true))
            .build();

    public static final PropertyDescriptor LOAD_WAIT_TIMEOUT = new PropertyDescriptor.Builder()
            .name("Load Wait Timeout")
            .description("How long a FlowFile may wait for its file to be loaded and merged before it goes to 'failure'. "
                    + "Snowpipe usually loads within a minute; a file it skipped (see COPY_HISTORY) never arrives.")
            .required(true)
            .defaultValue("15 min")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    public static final PropertyDescriptor QUERY_TAG = new PropertyDescriptor.Builder()
            .name("Query Tag")
            .description("Snowflake QUERY_TAG of this processor's statements, set on the session while it works and unset "
                    + "after, so they can be found in QUERY_HISTORY, e.g. customertrack:TriggerSnowflakeMerge. "
                    + "Not set: no tag. Ignored on other databases.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor MERGE_TIMEOUT = new PropertyDescriptor.Builder()
            .name("Merge Timeout")
            .description("The longest any statement of this processor may wait for a lock or run on Snowflake (the session's "
                    + "LOCK_TIMEOUT and STATEMENT_TIMEOUT_IN_SECONDS while it works; whole seconds). A merge waits here "
                    + "for another one (the scheduled task's) to commit; one that waits or runs longer is rolled back "
                    + "and its FlowFiles go to 'retry'. Snowflake's defaults are 12 hours and 2 days.")
            .required(true)
            .defaultValue("5 min")
            .addValidator(StandardValidators.createTimePeriodValidator(1, TimeUnit.SECONDS, 12, TimeUnit.HOURS))
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success").description("The FlowFile's file is loaded and its rows are merged into CUSTOMER and CUSTOMER_HISTORY").build();
    public static final Relationship REL_RETRY = new Relationship.Builder()
            .name("retry").description("Not loaded or not merged yet, the connection failed, or the merge met another one "
                    + "(Merge Timeout); penalized. Route back to this processor.").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure").description("Not loaded within the Load Wait Timeout, a bad staged file name, an SQL error, or "
                    + "CUSTOMER_RAW's columns not those of the Customer Declaration (message in " + CustomerTrackAttributes.FAILURE_REASON
                    + ")").build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(CONNECTION_POOL, CustomerDeclarations.CUSTOMER_DECLARATION,
            LOAD_MODE, STAGED_FILE_NAME, COPY_STATEMENT, BATCH_SIZE, LOAD_WAIT_TIMEOUT, MERGE_TIMEOUT, QUERY_TAG);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_RETRY, REL_FAILURE);

    private volatile Declaration declaration;
    private volatile MergeScript mergeScript;
    private volatile String copyStatement;
    /** Set once CUSTOMER_RAW matched the declaration; a mismatch is checked again on the next trigger. */
    private volatile boolean rawColumnsMatch;

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
        final List<ValidationResult> results = new ArrayList<>();
        final ValidationResult declared = CustomerDeclarations.validate(context.getProperty(CustomerDeclarations.CUSTOMER_DECLARATION));
        if (!declared.isValid()) {
            results.add(declared);
        }
        if (context.getProperty(LOAD_MODE).asAllowableValue(LoadMode.class) == LoadMode.COPY) {
            final String copy = context.getProperty(COPY_STATEMENT).getValue();
            if (copy != null && !copy.contains(FILES_PLACEHOLDER)) {
                results.add(new ValidationResult.Builder().subject(COPY_STATEMENT.getName()).valid(false)
                        .explanation("must contain " + FILES_PLACEHOLDER + " where the file list goes").build());
            }
        }
        return results;
    }

    /** What one batch found and did in the warehouse. */
    private record BatchOutcome(Map<String, Warehouse.MergedFile> merged, Set<String> mergedThisRun,
                                MergeRunner.Result mergeResult, Map<String, String> copyFailures) {
    }

    @OnScheduled
    public void readDeclaration(final ProcessContext context) {
        declaration = CustomerDeclarations.read(context.getProperty(CustomerDeclarations.CUSTOMER_DECLARATION));
        mergeScript = MergeScript.of(declaration);
        final boolean copyMode = context.getProperty(LOAD_MODE).asAllowableValue(LoadMode.class) == LoadMode.COPY;
        final String configured = copyMode ? context.getProperty(COPY_STATEMENT).getValue() : null;
        copyStatement = configured == null ? new SqlRenderer(declaration).copyStatement() : configured;
        rawColumnsMatch = false;
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final List<FlowFile> flowFiles = session.get(context.getProperty(BATCH_SIZE).asInteger());
        if (flowFiles.isEmpty()) {
            return;
        }
        final long now = System.currentTimeMillis();
        final Map<String, List<FlowFile>> byFile = groupByStagedFile(context, session, flowFiles, now);
        if (byFile.isEmpty()) {
            return;
        }
        final DBCPService pool = context.getProperty(CONNECTION_POOL).asControllerService(DBCPService.class);
        final long timeoutSeconds = context.getProperty(MERGE_TIMEOUT).asTimePeriod(TimeUnit.SECONDS);
        final Connection connection;
        try {
            connection = pool.getConnection();
        } catch (final ProcessException e) {
            // DBCPService wraps "cannot get a connection" in ProcessException: the database may be back soon.
            final String reason = "Cannot get a database connection: " + ErrorText.describe(e);
            getLogger().warn("{} from {}; {} FlowFile(s) to retry", reason, pool, flowFiles.size());
            byFile.values().forEach(waiting -> waiting.forEach(flowFile -> retry(session, flowFile, reason)));
            context.yield();
            return;
        }
        WarehouseDialect dialect = WarehouseDialect.OTHER;
        final BatchOutcome outcome;
        final String mismatch;
        try {
            dialect = WarehouseDialect.of(connection);
            final Warehouse warehouse = Warehouse.open(connection, timeoutSeconds, context.getProperty(QUERY_TAG).getValue());
            try {
                mismatch = rawColumnsMismatch(connection);
                outcome = mismatch == null ? confirmLoadsAndMerge(context, warehouse, connection, byFile) : null;
            } finally {
                resetSession(warehouse);
            }
        } catch (final SQLException e) {
            routeAfterSqlError(context, session, byFile, dialect, e);
            return;
        } finally {
            // After a commit, a failed close changes nothing merged: it must not send the merged FlowFiles anywhere else.
            close(connection);
        }
        if (mismatch != null) {
            getLogger().error("{}; {} FlowFile(s) to failure", mismatch, flowFiles.size());
            byFile.values().forEach(waiting -> waiting.forEach(flowFile -> fail(session, flowFile, mismatch)));
            return;
        }
        route(context, session, byFile, outcome, now);
    }

    /**
     * Null when CUSTOMER_RAW has the declaration's columns (checked until it once has), else what differs. A mismatch
     * sends the batch to failure, not retry: waiting does not change a table, and the error bulletin and each
     * FlowFile's reason name the columns to fix before routing them back.
     */
    private String rawColumnsMismatch(final Connection connection) throws SQLException {
        if (rawColumnsMatch) {
            return null;
        }
        final List<String> differences = RawColumns.differences(connection, declaration);
        if (differences.isEmpty()) {
            rawColumnsMatch = true;
            return null;
        }
        return "CUSTOMER_RAW does not match the Customer Declaration: " + String.join("; ", differences)
                + ". Create the tables from the SQL rendered for this declaration (scripts/render-sql.sh), or set the declaration "
                + "they were made for; then route the FlowFiles back";
    }

    private void close(final Connection connection) {
        try {
            connection.close();
        } catch (final SQLException e) {
            getLogger().warn("Could not return the connection to its pool: {}", ErrorText.describe(e));
        }
    }

    /** A session left with this processor's settings is harmless (its own timeouts and tag) and not worth failing a batch for. */
    private void resetSession(final Warehouse warehouse) {
        try {
            warehouse.resetSession();
        } catch (final SQLException e) {
            getLogger().warn("Could not unset the session's LOCK_TIMEOUT, STATEMENT_TIMEOUT_IN_SECONDS and QUERY_TAG: {}", ErrorText.describe(e));
        }
    }

    /**
     * The batch's FlowFiles by staged file name, each stamped with when it was first seen. A FlowFile whose name is empty
     * or whose wait start is not a number goes to failure here: it would fail every later run the same way.
     */
    private Map<String, List<FlowFile>> groupByStagedFile(final ProcessContext context, final ProcessSession session,
                                                          final List<FlowFile> flowFiles, final long now) {
        final Map<String, List<FlowFile>> byFile = new LinkedHashMap<>();
        for (FlowFile flowFile : flowFiles) {
            final String waitStarted = flowFile.getAttribute(CustomerTrackAttributes.WAIT_STARTED);
            if (waitStarted == null) {
                flowFile = session.putAttribute(flowFile, CustomerTrackAttributes.WAIT_STARTED, Long.toString(now));
            } else if (!waitStarted.matches("\\d{1,18}")) {
                fail(session, flowFile, "Attribute " + CustomerTrackAttributes.WAIT_STARTED + " was '" + waitStarted
                        + "', not the epoch milliseconds this processor writes; it is removed, so the FlowFile waits anew when routed back");
                continue;
            }
            final String stagedFile = context.getProperty(STAGED_FILE_NAME).evaluateAttributeExpressions(flowFile).getValue();
            if (stagedFile == null || stagedFile.isBlank()) {
                fail(session, flowFile, "Staged File Name evaluated to an empty value; is the s3.key attribute missing?");
                continue;
            }
            byFile.computeIfAbsent(stagedFile, name -> new ArrayList<>())
                    .add(session.putAttribute(flowFile, CustomerTrackAttributes.STAGED_FILE, stagedFile));
        }
        return byFile;
    }

    /**
     * Every value CUSTOMER_RAW.source_file may hold for the batch's files. Snowflake documents METADATA$FILENAME as the
     * full path to the file, where the Staged File Name is relative to the stage URL (what COPY's FILES list takes): so
     * the name itself, and the FlowFile's object key, bare and as an s3:// URL, where that key ends in '/' and the name.
     */
    private static Set<String> sourceFiles(final Map<String, List<FlowFile>> byFile) {
        final Set<String> sourceFiles = new LinkedHashSet<>(byFile.keySet());
        byFile.forEach((stagedFile, flowFiles) -> {
            for (final FlowFile flowFile : flowFiles) {
                final String key = flowFile.getAttribute("s3.key");
                if (key != null && key.endsWith("/" + stagedFile)) {
                    sourceFiles.add(key);
                    final String bucket = flowFile.getAttribute("s3.bucket");
                    if (bucket != null && !bucket.isBlank()) {
                        sourceFiles.add("s3://" + bucket + "/" + key);
                    }
                }
            }
        });
        return sourceFiles;
    }

    /** Confirms which files are loaded (COPYing the missing ones in COPY mode) and merges when a loaded file is unmerged. */
    private BatchOutcome confirmLoadsAndMerge(final ProcessContext context, final Warehouse warehouse, final Connection connection,
                                              final Map<String, List<FlowFile>> byFile) throws SQLException {
        final Set<String> files = byFile.keySet();
        final Set<String> sourceFiles = sourceFiles(byFile);
        final Map<String, String> copyFailures = new LinkedHashMap<>();
        Set<String> loaded = warehouse.loadedFiles(files, sourceFiles);
        if (context.getProperty(LOAD_MODE).asAllowableValue(LoadMode.class) == LoadMode.COPY && loaded.size() < files.size()) {
            final Set<String> missing = new LinkedHashSet<>(files);
            missing.removeAll(loaded);
            copyFailures.putAll(copy(warehouse, copyStatement, missing));
            loaded = warehouse.loadedFiles(files, sourceFiles);
        }
        final Map<String, Warehouse.MergedFile> alreadyMerged = warehouse.mergedFiles(files, sourceFiles);
        if (alreadyMerged.keySet().containsAll(loaded)) {
            return new BatchOutcome(alreadyMerged, Set.of(), null, copyFailures);
        }
        final MergeRunner.Result result = MergeRunner.run(connection, mergeScript);
        final Map<String, Warehouse.MergedFile> merged = warehouse.mergedFiles(files, sourceFiles);
        final Set<String> mergedThisRun = new LinkedHashSet<>(merged.keySet());
        mergedThisRun.removeAll(alreadyMerged.keySet());
        getLogger().info("Merged {} file(s) of this batch in {} ms", mergedThisRun.size(), result.durationMillis());
        return new BatchOutcome(merged, mergedThisRun, result, copyFailures);
    }

    /** Each FlowFile by what became of its file: merged (success), COPY failed or waited too long (failure), else retry. */
    private void route(final ProcessContext context, final ProcessSession session, final Map<String, List<FlowFile>> byFile,
                       final BatchOutcome outcome, final long now) {
        outcome.copyFailures().forEach((file, reason) -> {
            for (final FlowFile flowFile : byFile.remove(file)) {
                fail(session, flowFile, "COPY of " + file + " failed: " + reason);
            }
        });
        if (outcome.mergeResult() != null) {
            countMerge(session, outcome.mergeResult(), outcome.mergedThisRun().size());
        }
        final long timeoutMillis = context.getProperty(LOAD_WAIT_TIMEOUT).asTimePeriod(TimeUnit.MILLISECONDS);
        for (final Map.Entry<String, List<FlowFile>> entry : byFile.entrySet()) {
            final Warehouse.MergedFile file = outcome.merged().get(entry.getKey());
            final boolean byThisRun = outcome.mergedThisRun().contains(entry.getKey());
            for (final FlowFile flowFile : entry.getValue()) {
                if (file != null) {
                    final Map<String, String> attributes = new HashMap<>();
                    attributes.put(CustomerTrackAttributes.FILE_ROWS, Long.toString(file.rowCount()));
                    attributes.put(CustomerTrackAttributes.MERGED_AT, file.mergedAt());
                    attributes.put(CustomerTrackAttributes.MERGED_BY,
                            byThisRun ? CustomerTrackAttributes.MERGED_BY_THIS_RUN : CustomerTrackAttributes.MERGED_BY_EARLIER_RUN);
                    if (file.receipt() != null) {
                        attributes.putAll(receiptAttributes(file.receipt()));
                    }
                    final String receivedAt = flowFile.getAttribute(ValidateCustomerRecord.ATTR_RECEIVED_AT);
                    // A FlowFile that waited, or came back from failure, carries the old reasons: they no longer hold.
                    final FlowFile done = session.putAllAttributes(session.removeAllAttributes(flowFile,
                            Set.of(CustomerTrackAttributes.RETRY_REASON, CustomerTrackAttributes.FAILURE_REASON)), attributes);
                    session.getProvenanceReporter().modifyAttributes(done,
                            provenanceDetails(entry.getKey(), file, byThisRun ? outcome.mergeResult() : null, outcome.mergedThisRun().size())
                                    + erasureTime(receivedAt));
                    session.transfer(done, REL_SUCCESS);
                } else if (now - Long.parseLong(flowFile.getAttribute(CustomerTrackAttributes.WAIT_STARTED)) >= timeoutMillis) {
                    fail(session, flowFile, "File " + entry.getKey() + " was not loaded into CUSTOMER_RAW and merged within "
                            + context.getProperty(LOAD_WAIT_TIMEOUT).getValue() + "; check COPY_HISTORY and SYSTEM$PIPE_STATUS (sql/05_monitoring.sql)");
                } else {
                    retry(session, flowFile, "File " + entry.getKey() + " is not loaded into CUSTOMER_RAW yet");
                }
            }
        }
    }

    private static Map<String, String> receiptAttributes(final Warehouse.Receipt receipt) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(CustomerTrackAttributes.VERSIONS_OPENED, Long.toString(receipt.versionsOpened()));
        attributes.put(CustomerTrackAttributes.VERSIONS_CLOSED, Long.toString(receipt.versionsClosed()));
        attributes.put(CustomerTrackAttributes.VERSIONS_RECUT, Long.toString(receipt.versionsRecut()));
        attributes.put(CustomerTrackAttributes.VERSIONS_REMOVED, Long.toString(receipt.versionsRemoved()));
        attributes.put(CustomerTrackAttributes.EVENTS_QUARANTINED, Long.toString(receipt.eventsQuarantined()));
        if (receipt.queryId() != null) {
            attributes.put(CustomerTrackAttributes.QUERY_ID, receipt.queryId());
        }
        return attributes;
    }

    /** The receipt in one line, for the provenance event: what the merge did with this file, and the run that did it. */
    private static String provenanceDetails(final String stagedFile, final Warehouse.MergedFile file, final MergeRunner.Result run,
                                            final int filesOfRun) {
        final Warehouse.Receipt receipt = file.receipt();
        final String merged = file.rowCount() + " rows of " + stagedFile + " merged into CUSTOMER and CUSTOMER_HISTORY";
        final String by = run == null ? " by an earlier run" : " by this run (" + filesOfRun + " files in " + run.durationMillis() + " ms)";
        if (receipt == null) {
            return merged + by + " (no receipt: merged before receipts were kept)";
        }
        return merged + by + ": " + receipt.versionsOpened()
                + " versions opened, " + receipt.versionsClosed() + " closed, " + receipt.versionsRecut() + " re-cut, "
                + receipt.versionsRemoved() + " removed; " + receipt.noopUpdates() + " no-op updates, " + receipt.inPlaceUpdates()
                + " in-place updates, " + receipt.eventsQuarantined()
                + " events quarantined, " + receipt.erasureRequests() + " erasure requests"
                + (receipt.queryId() == null ? "" : "; query " + receipt.queryId());
    }

    /**
     * Said on the receipt of a file whose erasure requests ValidateCustomerRecord had to date itself: CUSTOMER_ERASURE's
     * requested_at for them is when the request was received, not a time the requester gave.
     */
    private static String erasureTime(final String receivedAt) {
        return receivedAt == null ? "" : "; erasure requests without a usable time of their own are dated when received, " + receivedAt;
    }

    /** What a merge did to the tables goes to counters: it is the batch's, not any one FlowFile's. */
    private static void countMerge(final ProcessSession session, final MergeRunner.Result result, final int files) {
        final MergeRunner.StepResult history = result.step(MergeScript.Step.HISTORY_MERGE);
        final MergeRunner.StepResult customer = result.step(MergeScript.Step.CUSTOMER_MERGE);
        final MergeRunner.StepResult written = result.step(MergeScript.Step.CUSTOMER_INSERT);
        session.adjustCounter(COUNTER_MERGES, 1, false);
        session.adjustCounter(COUNTER_FILES_MERGED, files, false);
        session.adjustCounter(COUNTER_MERGE_MILLIS, result.durationMillis(), false);
        session.adjustCounter(COUNTER_HISTORY_ROWS, history.affected(), false);
        session.adjustCounter(COUNTER_CUSTOMER_ROWS, customer.affected() + written.affected(), false);
    }

    private void routeAfterSqlError(final ProcessContext context, final ProcessSession session,
                                    final Map<String, List<FlowFile>> byFile, final WarehouseDialect dialect, final SQLException e) {
        if (dialect.isRetryable(e)) {
            final String problem = dialect.isConnectionFailure(e) ? "Connection problem" : "Met another merge (lock wait or write conflict)";
            final String reason = problem + ", merge rolled back: " + ErrorText.describe(e);
            getLogger().warn("{}; FlowFiles to retry", reason);
            session.adjustCounter(COUNTER_MERGES_RETRIED, 1, false);
            byFile.values().forEach(flowFiles -> flowFiles.forEach(flowFile -> retry(session, flowFile, reason)));
            context.yield();
        } else {
            final String reason = (dialect.isStatementTimeout(e) ? "The merge ran longer than the Merge Timeout ("
                    + context.getProperty(MERGE_TIMEOUT).getValue() + ") and was canceled; a longer Merge Timeout or a larger "
                    + "warehouse lets it finish. " : "SQL error, ") + "merge rolled back: " + ErrorText.describe(e);
            getLogger().error("{}; FlowFiles to failure", reason);
            byFile.values().forEach(flowFiles -> flowFiles.forEach(flowFile -> fail(session, flowFile, reason)));
        }
    }

    /**
     * To failure with the reason. The wait start goes, so that a FlowFile an operator routes back from failure waits
     * its whole Load Wait Timeout again instead of failing at once.
     */
    private static void fail(final ProcessSession session, final FlowFile flowFile, final String reason) {
        final FlowFile failed = session.removeAllAttributes(flowFile,
                Set.of(CustomerTrackAttributes.WAIT_STARTED, CustomerTrackAttributes.RETRY_REASON));
        session.transfer(session.putAttribute(failed, CustomerTrackAttributes.FAILURE_REASON, reason), REL_FAILURE);
    }

    /** To retry, penalized, with the reason (and without a failure reason from an earlier trip through failure). */
    private static void retry(final ProcessSession session, final FlowFile flowFile, final String reason) {
        final FlowFile waiting = session.removeAttribute(flowFile, CustomerTrackAttributes.FAILURE_REASON);
        session.transfer(session.penalize(session.putAttribute(waiting, CustomerTrackAttributes.RETRY_REASON, reason)), REL_RETRY);
    }

    /**
     * Loads the files with the Copy Statement, at most {@value Warehouse#MAX_COPY_FILES} per COPY (Snowflake's limit
     * for FILES). If a COPY fails for a reason other than the connection, each of its files is tried alone, so that one
     * bad or missing file fails only its own FlowFiles.
     *
     * @return the files that could not be loaded, each with its error (ErrorText: no value of the file)
     */
    private Map<String, String> copy(final Warehouse warehouse, final String copyStatement, final Set<String> files) throws SQLException {
        final Map<String, String> failures = new LinkedHashMap<>();
        for (final List<String> chunk : Warehouse.chunks(files)) {
            try {
                warehouse.copy(copyStatement, chunk);
                getLogger().info("Ran COPY for {} file(s) not yet in CUSTOMER_RAW", chunk.size());
            } catch (final SQLException chunkFailure) {
                if (warehouse.dialect().isRetryable(chunkFailure)) {
                    throw chunkFailure;
                }
                if (chunk.size() == 1) {
                    failures.put(chunk.getFirst(), ErrorText.describe(chunkFailure));
                    continue;
                }
                getLogger().warn("COPY of {} files failed ({}); loading them one by one", chunk.size(), ErrorText.describe(chunkFailure));
                for (final String file : chunk) {
                    try {
                        warehouse.copy(copyStatement, List.of(file));
                    } catch (final SQLException fileFailure) {
                        if (warehouse.dialect().isRetryable(fileFailure)) {
                            throw fileFailure;
                        }
                        failures.put(file, ErrorText.describe(fileFailure));
                    }
                }
            }
        }
        return failures;
    }
}

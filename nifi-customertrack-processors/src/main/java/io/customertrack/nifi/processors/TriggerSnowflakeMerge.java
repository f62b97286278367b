package io.customertrack.nifi.processors;

import io.customertrack.nifi.merge.MergeRunner;
import io.customertrack.nifi.merge.MergeScript;
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
        @ReadsAttribute(attribute = "s3.key", description = "Object key written by PutS3Object (the default Staged File Name)"),
        @ReadsAttribute(attribute = TriggerSnowflakeMerge.ATTR_WAIT_STARTED, description = "Set by this processor on first sight")
})
@WritesAttributes({
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_STAGED_FILE, description = "The file name looked up in CUSTOMER_RAW.source_file"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_WAIT_STARTED, description = "Epoch millis when this processor first saw the FlowFile"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_FILE_ROWS, description = "Rows of this file that were merged"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_MERGED_AT, description = "When the merge that applied this file committed"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_PERFORMED_BY, description = "'this-run' if this processor's merge "
                + "applied the file, 'earlier-run' if the scheduled task or an earlier run had"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_OPENED, description = "From the file's receipt "
                + "(CUSTOMER_MERGE_RECEIPT), whichever run merged it: versions its events opened"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_CLOSED, description = "Receipt: open versions its events closed"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_RECUT, description = "Receipt: closed versions its late events re-cut "
                + "(each one in CUSTOMER_HISTORY_RECUT)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_REMOVED, description = "Receipt: versions its late events made redundant"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_NOOP, description = "Receipt: INSERTs and UPDATEs that began no version"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_QUARANTINED, description = "Receipt: events set aside in "
                + "CUSTOMER_MERGE_QUARANTINE (beyond the lateness budget, or of an erased customer)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_ERASURES, description = "Receipt: ERASE requests in the file"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RECEIPT_QUERY_ID, description = "Receipt: query id of the merge that "
                + "applied the file (its last statement; absent where the driver reports none)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_HISTORY_ROWS, description = "Rows of CUSTOMER_HISTORY the merge inserted, updated or removed (this-run only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_CUSTOMER_ROWS, description = "Rows of CUSTOMER the merge removed, flagged or wrote; "
                + "a row replaced by new content counts twice (this-run only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_VERSIONS_OPENED, description = "New versions in CUSTOMER_HISTORY (this-run, Snowflake only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_VERSIONS_CHANGED, description = "Versions closed or corrected by late events (this-run, Snowflake only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_VERSIONS_REMOVED, description = "Versions a late event made redundant (this-run, Snowflake only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_CUSTOMER_ROWS_WRITTEN, description = "Current rows written to CUSTOMER: new customers and customers with new content (this-run only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_CUSTOMER_ROWS_FLAGGED, description = "CUSTOMER rows whose delete flag changed in place (this-run, Snowflake only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_CUSTOMER_ROWS_REMOVED, description = "CUSTOMER rows removed: replaced by new content, "
                + "or of a customer left without any version (this-run, Snowflake only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_FILES, description = "Files the merge applied (this-run only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_QUERY_IDS, description = "Snowflake query ids of the merge statements, comma-separated (this-run only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_DURATION, description = "Duration of the merge transaction (this-run only)"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_RETRY_REASON, description = "Why the FlowFile went to retry"),
        @WritesAttribute(attribute = TriggerSnowflakeMerge.ATTR_FAILURE_REASON, description = "Why the FlowFile went to failure")
})
public class TriggerSnowflakeMerge extends AbstractProcessor {

    /** The staged file name a FlowFile was matched by; also on its provenance events, where tools look files up. */
    public static final String ATTR_STAGED_FILE = "snowflake.staged.file";
    static final String ATTR_WAIT_STARTED = "merge.wait.started";
    static final String ATTR_FILE_ROWS = "merge.file.row.count";
    static final String ATTR_MERGED_AT = "merge.merged.at";
    static final String ATTR_PERFORMED_BY = "merge.performed.by";
    static final String ATTR_RECEIPT_OPENED = "merge.receipt.versions.opened";
    static final String ATTR_RECEIPT_CLOSED = "merge.receipt.versions.closed";
    static final String ATTR_RECEIPT_RECUT = "merge.receipt.versions.recut";
    static final String ATTR_RECEIPT_REMOVED = "merge.receipt.versions.removed";
    static final String ATTR_RECEIPT_NOOP = "merge.receipt.noop.updates";
    static final String ATTR_RECEIPT_QUARANTINED = "merge.receipt.events.quarantined";
    static final String ATTR_RECEIPT_ERASURES = "merge.receipt.erasure.requests";
    static final String ATTR_RECEIPT_QUERY_ID = "merge.receipt.query.id";
    static final String ATTR_HISTORY_ROWS = "merge.history.rows";
    static final String ATTR_CUSTOMER_ROWS = "merge.customer.rows";
    static final String ATTR_VERSIONS_OPENED = "merge.history.versions.opened";
    static final String ATTR_VERSIONS_CHANGED = "merge.history.versions.changed";
    static final String ATTR_VERSIONS_REMOVED = "merge.history.versions.removed";
    static final String ATTR_CUSTOMER_ROWS_WRITTEN = "merge.customer.rows.written";
    static final String ATTR_CUSTOMER_ROWS_FLAGGED = "merge.customer.rows.flagged";
    static final String ATTR_CUSTOMER_ROWS_REMOVED = "merge.customer.rows.removed";
    static final String ATTR_FILES = "merge.files";
    static final String ATTR_QUERY_IDS = "merge.query.id";
    static final String ATTR_DURATION = "merge.duration.millis";
    static final String ATTR_RETRY_REASON = "merge.retry.reason";
    static final String ATTR_FAILURE_REASON = "merge.failure.reason";
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
                    + "staged file names (quotes escaped). It must fill source_file, source_row_number and loaded_at as the pipe does.")
            .required(true)
            .defaultValue("""
                    COPY INTO customer_raw (customer_id, first_name, last_name, email, street, city, state, country, op, updated_at,
                                            source_file, source_row_number, loaded_at)
                    FROM (SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                                 METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME
                          FROM @customer_stage)
                    FILES = ({files})
                    FILE_FORMAT = (FORMAT_NAME = 'CUSTOMER_CSV')
                    ON_ERROR = ABORT_STATEMENT""")
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
            .description("Snowflake QUERY_TAG of this processor's statements, sent with each statement (nothing is left on "
                    + "the pooled session), so they can be found in QUERY_HISTORY, e.g. customertrack:TriggerSnowflakeMerge. "
                    + "Not set: no tag. Ignored on other databases.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success").description("The FlowFile's file is loaded and its rows are merged into CUSTOMER and CUSTOMER_HISTORY").build();
    public static final Relationship REL_RETRY = new Relationship.Builder()
            .name("retry").description("Not loaded or not merged yet, or the connection failed; penalized. Route back to this processor.").build();
    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure").description("Not loaded within the Load Wait Timeout, a bad staged file name, or an SQL error (message in merge.failure.reason)").build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(CONNECTION_POOL, LOAD_MODE, STAGED_FILE_NAME, COPY_STATEMENT,
            BATCH_SIZE, LOAD_WAIT_TIMEOUT, QUERY_TAG);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_RETRY, REL_FAILURE);

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
        if (context.getProperty(LOAD_MODE).asAllowableValue(LoadMode.class) == LoadMode.COPY) {
            final String copy = context.getProperty(COPY_STATEMENT).getValue();
            if (copy == null || !copy.contains(FILES_PLACEHOLDER)) {
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
        WarehouseDialect dialect = WarehouseDialect.OTHER;
        final BatchOutcome outcome;
        try (Connection connection = pool.getConnection()) {
            dialect = WarehouseDialect.of(connection);
            outcome = confirmLoadsAndMerge(context, connection, dialect, byFile.keySet());
        } catch (final SQLException e) {
            routeAfterSqlError(context, session, byFile, dialect, e);
            return;
        } catch (final ProcessException e) {
            // DBCPService wraps "cannot get a connection" in ProcessException: the database may be back soon.
            routeAll(session, byFile, REL_RETRY, ATTR_RETRY_REASON, "Cannot get a database connection: " + e.getMessage(), true);
            getLogger().warn("Cannot get a connection from {}; {} FlowFile(s) to retry", pool, flowFiles.size(), e);
            return;
        }
        route(context, session, byFile, outcome, now);
    }

    /**
     * The batch's FlowFiles by staged file name, each stamped with when it was first seen. A FlowFile whose name is empty
     * or whose wait start is not a number goes to failure here: it would fail every later run the same way.
     */
    private Map<String, List<FlowFile>> groupByStagedFile(final ProcessContext context, final ProcessSession session,
                                                          final List<FlowFile> flowFiles, final long now) {
        final Map<String, List<FlowFile>> byFile = new LinkedHashMap<>();
        for (FlowFile flowFile : flowFiles) {
            final String waitStarted = flowFile.getAttribute(ATTR_WAIT_STARTED);
            if (waitStarted == null) {
                flowFile = session.putAttribute(flowFile, ATTR_WAIT_STARTED, Long.toString(now));
            } else if (!waitStarted.matches("\\d{1,18}")) {
                session.transfer(session.putAttribute(flowFile, ATTR_FAILURE_REASON, "Attribute " + ATTR_WAIT_STARTED + " is '"
                        + waitStarted + "', not the epoch milliseconds this processor writes; remove it to start waiting anew"), REL_FAILURE);
                continue;
            }
            final String stagedFile = context.getProperty(STAGED_FILE_NAME).evaluateAttributeExpressions(flowFile).getValue();
            if (stagedFile == null || stagedFile.isBlank()) {
                session.transfer(session.putAttribute(flowFile, ATTR_FAILURE_REASON,
                        "Staged File Name evaluated to an empty value; is the s3.key attribute missing?"), REL_FAILURE);
                continue;
            }
            byFile.computeIfAbsent(stagedFile, name -> new ArrayList<>()).add(session.putAttribute(flowFile, ATTR_STAGED_FILE, stagedFile));
        }
        return byFile;
    }

    /** Confirms which files are loaded (COPYing the missing ones in COPY mode) and merges when a loaded file is unmerged. */
    private BatchOutcome confirmLoadsAndMerge(final ProcessContext context, final Connection connection, final WarehouseDialect dialect,
                                              final Set<String> files) throws SQLException {
        final Warehouse warehouse = new Warehouse(connection, dialect, context.getProperty(QUERY_TAG).getValue());
        final Map<String, String> copyFailures = new LinkedHashMap<>();
        Set<String> loaded = warehouse.loadedFiles(files);
        if (context.getProperty(LOAD_MODE).asAllowableValue(LoadMode.class) == LoadMode.COPY && loaded.size() < files.size()) {
            final Set<String> missing = new LinkedHashSet<>(files);
            missing.removeAll(loaded);
            copyFailures.putAll(copy(warehouse, context.getProperty(COPY_STATEMENT).getValue(), missing));
            loaded = warehouse.loadedFiles(files);
        }
        final Map<String, Warehouse.MergedFile> alreadyMerged = warehouse.mergedFiles(files);
        if (alreadyMerged.keySet().containsAll(loaded)) {
            return new BatchOutcome(alreadyMerged, Set.of(), null, copyFailures);
        }
        final MergeRunner.Result result = MergeRunner.run(connection, warehouse.queryTag());
        final Map<String, Warehouse.MergedFile> merged = warehouse.mergedFiles(files);
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
                session.transfer(session.putAttribute(flowFile, ATTR_FAILURE_REASON, "COPY of " + file + " failed: " + reason), REL_FAILURE);
            }
        });
        final long timeoutMillis = context.getProperty(LOAD_WAIT_TIMEOUT).asTimePeriod(TimeUnit.MILLISECONDS);
        final Map<String, String> runAttributes = outcome.mergeResult() == null ? Map.of()
                : runAttributes(outcome.mergeResult(), outcome.mergedThisRun().size());
        for (final Map.Entry<String, List<FlowFile>> entry : byFile.entrySet()) {
            final Warehouse.MergedFile file = outcome.merged().get(entry.getKey());
            final boolean byThisRun = outcome.mergedThisRun().contains(entry.getKey());
            for (final FlowFile flowFile : entry.getValue()) {
                if (file != null) {
                    final Map<String, String> attributes = new HashMap<>();
                    attributes.put(ATTR_FILE_ROWS, Long.toString(file.rowCount()));
                    attributes.put(ATTR_MERGED_AT, file.mergedAt());
                    attributes.put(ATTR_PERFORMED_BY, byThisRun ? "this-run" : "earlier-run");
                    if (byThisRun) {
                        attributes.putAll(runAttributes);
                    }
                    if (file.receipt() != null) {
                        attributes.putAll(receiptAttributes(file.receipt()));
                    }
                    final FlowFile done = session.putAllAttributes(flowFile, attributes);
                    session.getProvenanceReporter().modifyAttributes(done, provenanceDetails(entry.getKey(), file));
                    session.transfer(done, REL_SUCCESS);
                } else if (now - Long.parseLong(flowFile.getAttribute(ATTR_WAIT_STARTED)) >= timeoutMillis) {
                    session.transfer(session.putAttribute(flowFile, ATTR_FAILURE_REASON, "File " + entry.getKey()
                            + " was not loaded into CUSTOMER_RAW and merged within " + context.getProperty(LOAD_WAIT_TIMEOUT).getValue()
                            + "; check COPY_HISTORY and SYSTEM$PIPE_STATUS (sql/05_monitoring.sql)"), REL_FAILURE);
                } else {
                    session.transfer(session.penalize(session.putAttribute(flowFile, ATTR_RETRY_REASON,
                            "File " + entry.getKey() + " is not loaded into CUSTOMER_RAW yet")), REL_RETRY);
                }
            }
        }
    }

    private static Map<String, String> receiptAttributes(final Warehouse.Receipt receipt) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(ATTR_RECEIPT_OPENED, Long.toString(receipt.versionsOpened()));
        attributes.put(ATTR_RECEIPT_CLOSED, Long.toString(receipt.versionsClosed()));
        attributes.put(ATTR_RECEIPT_RECUT, Long.toString(receipt.versionsRecut()));
        attributes.put(ATTR_RECEIPT_REMOVED, Long.toString(receipt.versionsRemoved()));
        attributes.put(ATTR_RECEIPT_NOOP, Long.toString(receipt.noopUpdates()));
        attributes.put(ATTR_RECEIPT_QUARANTINED, Long.toString(receipt.eventsQuarantined()));
        attributes.put(ATTR_RECEIPT_ERASURES, Long.toString(receipt.erasureRequests()));
        if (receipt.queryId() != null) {
            attributes.put(ATTR_RECEIPT_QUERY_ID, receipt.queryId());
        }
        return attributes;
    }

    /** The receipt in one line, for the provenance event: what the merge did with this file. */
    private static String provenanceDetails(final String stagedFile, final Warehouse.MergedFile file) {
        final Warehouse.Receipt receipt = file.receipt();
        final String merged = file.rowCount() + " rows of " + stagedFile + " merged into CUSTOMER and CUSTOMER_HISTORY";
        if (receipt == null) {
            return merged + " (no receipt: merged before receipts were kept)";
        }
        return merged + ": " + receipt.versionsOpened()
                + " versions opened, " + receipt.versionsClosed() + " closed, " + receipt.versionsRecut() + " re-cut, "
                + receipt.versionsRemoved() + " removed; " + receipt.noopUpdates() + " no-op updates, " + receipt.eventsQuarantined()
                + " events quarantined, " + receipt.erasureRequests() + " erasure requests"
                + (receipt.queryId() == null ? "" : "; query " + receipt.queryId());
    }

    private static Map<String, String> runAttributes(final MergeRunner.Result result, final int files) {
        final Map<String, String> attributes = new HashMap<>();
        final MergeRunner.StepResult history = result.step(MergeScript.Step.HISTORY_MERGE);
        final MergeRunner.StepResult customer = result.step(MergeScript.Step.CUSTOMER_MERGE);
        final MergeRunner.StepResult written = result.step(MergeScript.Step.CUSTOMER_INSERT);
        attributes.put(ATTR_HISTORY_ROWS, Long.toString(history.affected()));
        attributes.put(ATTR_CUSTOMER_ROWS, Long.toString(customer.affected() + written.affected()));
        attributes.put(ATTR_CUSTOMER_ROWS_WRITTEN, Long.toString(written.affected()));
        putIfKnown(attributes, ATTR_VERSIONS_OPENED, history.inserted());
        putIfKnown(attributes, ATTR_VERSIONS_CHANGED, history.updated());
        putIfKnown(attributes, ATTR_VERSIONS_REMOVED, history.deleted());
        putIfKnown(attributes, ATTR_CUSTOMER_ROWS_FLAGGED, customer.updated());
        putIfKnown(attributes, ATTR_CUSTOMER_ROWS_REMOVED, customer.deleted());
        attributes.put(ATTR_FILES, Integer.toString(files));
        attributes.put(ATTR_DURATION, Long.toString(result.durationMillis()));
        if (!result.queryIds().isEmpty()) {
            attributes.put(ATTR_QUERY_IDS, String.join(",", result.queryIds()));
        }
        return attributes;
    }

    private static void putIfKnown(final Map<String, String> attributes, final String name, final long value) {
        if (value >= 0) {
            attributes.put(name, Long.toString(value));
        }
    }

    private void routeAfterSqlError(final ProcessContext context, final ProcessSession session,
                                    final Map<String, List<FlowFile>> byFile, final WarehouseDialect dialect, final SQLException e) {
        if (dialect.isConnectionFailure(e)) {
            getLogger().warn("Connection problem during the merge; rolled back, FlowFiles to retry", e);
            routeAll(session, byFile, REL_RETRY, ATTR_RETRY_REASON, "Connection problem, merge rolled back: " + e.getMessage(), true);
            context.yield();
        } else {
            getLogger().error("SQL error during the merge; rolled back, FlowFiles to failure", e);
            routeAll(session, byFile, REL_FAILURE, ATTR_FAILURE_REASON,
                    "SQL error (SQLState " + e.getSQLState() + ", code " + e.getErrorCode() + "): " + e.getMessage(), false);
        }
    }

    private static void routeAll(final ProcessSession session, final Map<String, List<FlowFile>> byFile, final Relationship relationship,
                                 final String attribute, final String reason, final boolean penalize) {
        for (final List<FlowFile> flowFiles : byFile.values()) {
            for (final FlowFile flowFile : flowFiles) {
                final FlowFile updated = session.putAttribute(flowFile, attribute, reason);
                session.transfer(penalize ? session.penalize(updated) : updated, relationship);
            }
        }
    }

    /**
     * Loads the files with the Copy Statement, at most {@value Warehouse#MAX_COPY_FILES} per COPY (Snowflake's limit
     * for FILES). If a COPY fails for a reason other than the connection, each of its files is tried alone, so that one
     * bad or missing file fails only its own FlowFiles.
     *
     * @return the files that could not be loaded, with the database's message
     */
    private Map<String, String> copy(final Warehouse warehouse, final String copyStatement, final Set<String> files) throws SQLException {
        final Map<String, String> failures = new LinkedHashMap<>();
        for (final List<String> chunk : Warehouse.chunks(files)) {
            try {
                warehouse.copy(copyStatement, chunk);
                getLogger().info("Ran COPY for {} file(s) not yet in CUSTOMER_RAW", chunk.size());
            } catch (final SQLException chunkFailure) {
                if (warehouse.dialect().isConnectionFailure(chunkFailure)) {
                    throw chunkFailure;
                }
                if (chunk.size() == 1) {
                    failures.put(chunk.getFirst(), chunkFailure.getMessage());
                    continue;
                }
                getLogger().warn("COPY of {} files failed ({}); loading them one by one", chunk.size(), chunkFailure.getMessage());
                for (final String file : chunk) {
                    try {
                        warehouse.copy(copyStatement, List.of(file));
                    } catch (final SQLException fileFailure) {
                        if (warehouse.dialect().isConnectionFailure(fileFailure)) {
                            throw fileFailure;
                        }
                        failures.put(file, fileFailure.getMessage());
                    }
                }
            }
        }
        return failures;
    }
}

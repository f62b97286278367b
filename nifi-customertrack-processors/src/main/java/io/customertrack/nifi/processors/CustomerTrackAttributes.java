package io.customertrack.nifi.processors;

/** The FlowFile attributes TriggerSnowflakeMerge reads and writes, under the prefix customertrack. */
public final class CustomerTrackAttributes {

    /** The staged file name TriggerSnowflakeMerge matched a FlowFile by; also on its provenance events. */
    public static final String STAGED_FILE = "customertrack.staged.file";

    /** Epoch milliseconds when TriggerSnowflakeMerge first saw the FlowFile. */
    public static final String WAIT_STARTED = "customertrack.wait.started";

    /** Rows of the FlowFile's file that were merged. */
    public static final String FILE_ROWS = "customertrack.file.rows";

    /** When the merge that applied the file committed, an ISO-8601 instant. */
    public static final String MERGED_AT = "customertrack.merged.at";

    /** {@value #MERGED_BY_THIS_RUN} or {@value #MERGED_BY_EARLIER_RUN}. */
    public static final String MERGED_BY = "customertrack.merged.by";
    public static final String MERGED_BY_THIS_RUN = "this-run";
    public static final String MERGED_BY_EARLIER_RUN = "earlier-run";

    /** From the file's receipt (CUSTOMER_MERGE_RECEIPT): versions its events opened. */
    public static final String VERSIONS_OPENED = "customertrack.receipt.versions.opened";

    /** Receipt: open versions its events closed. */
    public static final String VERSIONS_CLOSED = "customertrack.receipt.versions.closed";

    /** Receipt: closed versions its late events re-cut. */
    public static final String VERSIONS_RECUT = "customertrack.receipt.versions.recut";

    /** Receipt: versions its late events made redundant. */
    public static final String VERSIONS_REMOVED = "customertrack.receipt.versions.removed";

    /** Receipt: events set aside in CUSTOMER_MERGE_QUARANTINE. */
    public static final String EVENTS_QUARANTINED = "customertrack.receipt.events.quarantined";

    /** Receipt: query id of the merge that applied the file. */
    public static final String QUERY_ID = "customertrack.receipt.query.id";

    /** Why the FlowFile went to retry. */
    public static final String RETRY_REASON = "customertrack.retry.reason";

    /** Why the FlowFile went to failure. */
    public static final String FAILURE_REASON = "customertrack.failure.reason";

    private CustomerTrackAttributes() {
    }
}

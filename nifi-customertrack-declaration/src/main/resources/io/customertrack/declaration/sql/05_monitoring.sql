-- =====================================================================================================
-- 05_monitoring.sql: is the pipeline healthy? Read-only queries; run any of them as CUSTOMERTRACK_LOADER or admin.
-- =====================================================================================================

USE SCHEMA CUSTOMERTRACK.CORE;

-- Snowpipe: executionState should be RUNNING; pendingFileCount should drain; lastIngestedTimestamp should move.
SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('CUSTOMERTRACK.CORE.CUSTOMER_RAW_PIPE')) AS pipe_status;

-- Files loaded or not in the last 24 hours (COPY_HISTORY keeps 14 days). A file Snowpipe skipped (ON_ERROR =
-- SKIP_FILE) shows status 'Load failed'; that and 'Partially loaded' need attention: first_error_message says why.
SELECT file_name, status, row_count, row_parsed, first_error_message, last_load_time
FROM TABLE(INFORMATION_SCHEMA.COPY_HISTORY(TABLE_NAME => 'CUSTOMER_RAW',
                                           START_TIME => DATEADD(HOUR, -24, CURRENT_TIMESTAMP())))
ORDER BY last_load_time DESC;

-- Merge task runs of the last 24 hours: state FAILED or a growing gap between runs needs attention.
-- After SUSPEND_TASK_AFTER_NUM_FAILURES consecutive failures the task suspends itself.
SELECT name, state, scheduled_time, completed_time, error_code, error_message
-- RESULT_LIMIT defaults to 100 rows, about 1.5 hours of a 1-minute task: ask for the day (10,000 is the maximum).
FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'MERGE_CUSTOMER_CHANGES_TASK',
                                           SCHEDULED_TIME_RANGE_START => DATEADD(HOUR, -24, CURRENT_TIMESTAMP()),
                                           RESULT_LIMIT => 10000))
ORDER BY scheduled_time DESC;

-- Events loaded but not yet merged, and how old the oldest is.
SELECT COUNT(*) AS pending_events, MIN(loaded_at) AS oldest_pending_load
FROM CUSTOMER_RAW_STREAM;

-- Is the stream stale, or about to be? A stream not consumed within CUSTOMER_RAW's retention, extended up to
-- MAX_DATA_EXTENSION_TIME_IN_DAYS (7 on CUSTOMER_RAW, set in 03_scd_tables.sql; 14 by default), goes stale: its offset is lost and its pending events can no longer
-- be read through it. The merge consumes it every run, so a stream near stale_after means no merge has committed for
-- days: the task is suspended (SUSPEND_TASK_AFTER_NUM_FAILURES, or by hand) or failing, and NiFi is not merging either.
-- Returns a row when stale, or when stale_after is less than 6 days away: with MAX_DATA_EXTENSION_TIME_IN_DAYS = 7 on
-- CUSTOMER_RAW (03_scd_tables.sql) that is after one day without a committed merge, 6 days before rows would be lost to
-- the stream; keep the two in step. Action: find why merges stop (task history above), fix it, and as
-- CUSTOMERTRACK_ADMIN ALTER TASK MERGE_CUSTOMER_CHANGES_TASK RESUME (or EXECUTE TASK) before stale_after; one merge
-- resets it.
-- Already stale: suspend the task, re-create the stream with SHOW_INITIAL_ROWS = TRUE (CREATE OR REPLACE STREAM
-- CUSTOMER_RAW_STREAM ON TABLE CUSTOMER_RAW APPEND_ONLY = TRUE SHOW_INITIAL_ROWS = TRUE), GRANT SELECT on it to
-- CUSTOMERTRACK_LOADER again, resume the task. Its first read returns every row of CUSTOMER_RAW; the merge skips rows of
-- files already in CUSTOMER_MERGE_LOG and applies the rest (those loaded since the last merge), once.
SHOW STREAMS LIKE 'CUSTOMER_RAW_STREAM';
SELECT "name", "stale", "stale_after"
FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))
WHERE "stale" = 'true' OR "stale_after" < DATEADD(day, 6, CURRENT_TIMESTAMP());

-- Loaded files not yet merged (should be empty a minute after the last load).
SELECT r.source_file, COUNT(*) AS events, MIN(r.loaded_at) AS loaded_at
FROM CUSTOMER_RAW AS r
LEFT JOIN CUSTOMER_MERGE_LOG AS m ON m.source_file = r.source_file
WHERE m.source_file IS NULL
GROUP BY r.source_file
ORDER BY loaded_at;

-- What each file's merge did, the last 24 hours (README: "Receipts and audit"). versions_recut and versions_removed
-- count history a late event rewrote; in_place_updates, events that changed only untracked attributes;
-- events_quarantined, events the merge set aside (reason below).
SELECT source_file, rows_loaded, versions_opened, versions_closed, versions_recut, versions_removed, noop_updates,
       in_place_updates, events_quarantined, erasure_requests, merged_at, merge_query_id
FROM CUSTOMER_MERGE_RECEIPT
WHERE merged_at >= DATEADD(hour, -24, CURRENT_TIMESTAMP())
ORDER BY merged_at DESC;

-- The files whose late events re-cut the most history in the last 7 days, and the event-time span they re-cut.
SELECT caused_by_file, COUNT(*) AS versions, COUNT_IF(change_kind = 'REMOVED') AS removed,
       COUNT_IF(content_changed) AS content_changed, MIN(valid_from) AS earliest_version, MAX(valid_from) AS latest_version
FROM CUSTOMER_HISTORY_RECUT
WHERE merged_at >= DATEADD(day, -7, CURRENT_TIMESTAMP())
GROUP BY caused_by_file
ORDER BY versions DESC
LIMIT 20;

-- Quarantined events by reason and day. A growing beyond_lateness_budget means a source delivering late, or a budget
-- (CUSTOMER_MERGE_SETTINGS) too tight for it: max_lateness_seconds says how late.
SELECT reason, DATE_TRUNC('day', quarantined_at) AS day, COUNT(*) AS events,
       MAX(DATEDIFF(second, updated_at, newest_merged_at)) AS max_lateness_seconds
FROM CUSTOMER_MERGE_QUARANTINE
GROUP BY reason, DATE_TRUNC('day', quarantined_at)
ORDER BY day DESC, reason;

-- How long an erased value can outlive the merge that erased it, per table that holds personal values (the bound
-- docs/design/merge.md derives, "Erasure"). Time Travel keeps a table's old rows for its effective retention, the larger
-- of its own DATA_RETENTION_TIME_IN_DAYS and the account's MIN_DATA_RETENTION_TIME_IN_DAYS (at most 1 day on a transient
-- table); Snowflake may keep CUSTOMER_RAW's for up to its MAX_DATA_EXTENSION_TIME_IN_DAYS while the stream lags; then
-- Fail-safe keeps a permanent table's for 7 days. Expected with sql/03's settings and no account minimum: 8 days for
-- CUSTOMER and CUSTOMER_HISTORY, 14 for CUSTOMER_RAW, 0 for the transient CUSTOMER_MERGE_PLAN. A larger figure means
-- an account minimum (or a retention set by hand) above what sql/03 set: the documented bound grows with it.
SHOW PARAMETERS LIKE 'MIN_DATA_RETENTION_TIME_IN_DAYS' IN ACCOUNT;
SET account_min_retention_days = (SELECT "value"::NUMBER FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())));
SHOW PARAMETERS LIKE 'MAX_DATA_EXTENSION_TIME_IN_DAYS' IN TABLE CUSTOMER_RAW;
SET raw_extension_days = (SELECT "value"::NUMBER FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())));
SELECT table_name, is_transient, retention_time AS table_retention_days,
       $account_min_retention_days AS account_min_retention_days,
       IFF(is_transient = 'YES', LEAST(1, GREATEST(retention_time, $account_min_retention_days)),
           GREATEST(retention_time, $account_min_retention_days)) AS effective_retention_days,
       IFF(table_name = 'CUSTOMER_RAW', $raw_extension_days, 0) AS stream_extension_days,
       IFF(is_transient = 'YES', 0, 7) AS failsafe_days,
       GREATEST(IFF(is_transient = 'YES', LEAST(1, GREATEST(retention_time, $account_min_retention_days)),
                    GREATEST(retention_time, $account_min_retention_days)),
                IFF(table_name = 'CUSTOMER_RAW', $raw_extension_days, 0))
           + IFF(is_transient = 'YES', 0, 7) AS erasure_bound_days
FROM INFORMATION_SCHEMA.TABLES
WHERE table_schema = 'CORE' AND table_name IN ('CUSTOMER_RAW', 'CUSTOMER_HISTORY', 'CUSTOMER', 'CUSTOMER_MERGE_PLAN')
ORDER BY erasure_bound_days DESC, table_name;

-- Erasure receipts of the last 30 days.
SELECT customer_id, requested_at, erased_at, raw_rows, history_rows, customer_rows, source_file, merge_query_id
FROM CUSTOMER_ERASURE
WHERE erased_at >= DATEADD(day, -30, CURRENT_TIMESTAMP())
ORDER BY erased_at DESC;

-- SCD invariants (each should return no rows).
-- Declared keys: Snowflake enforces neither PRIMARY KEY nor UNIQUE, so a doubled key only shows here (and a doubled
-- (customer_id, valid_from) in CUSTOMER_HISTORY makes every later merge of that customer fail with error 100090).
-- One query per declared key of 03_scd_tables.sql.
SELECT customer_id FROM CUSTOMER GROUP BY customer_id HAVING COUNT(*) > 1;
SELECT customer_id FROM CUSTOMER_HISTORY GROUP BY customer_id, valid_from HAVING COUNT(*) > 1;
SELECT source_file FROM CUSTOMER_MERGE_LOG GROUP BY source_file HAVING COUNT(*) > 1;
SELECT customer_id FROM CUSTOMER_MERGE_WATERMARK GROUP BY customer_id HAVING COUNT(*) > 1;
SELECT source_file FROM CUSTOMER_MERGE_QUARANTINE GROUP BY source_file, source_row_number HAVING COUNT(*) > 1;
SELECT source_file FROM CUSTOMER_MERGE_RECEIPT GROUP BY source_file HAVING COUNT(*) > 1;
SELECT customer_id FROM CUSTOMER_ERASURE GROUP BY customer_id HAVING COUNT(*) > 1;
-- The SCD rules.
SELECT customer_id FROM CUSTOMER_HISTORY WHERE is_current GROUP BY customer_id HAVING COUNT(*) > 1;
SELECT c.customer_id FROM CUSTOMER AS c
LEFT JOIN CUSTOMER_HISTORY AS h ON h.customer_id = c.customer_id AND h.is_current
WHERE (NOT c.is_deleted AND (h.customer_id IS NULL OR h.row_hash <> c.row_hash)) OR (c.is_deleted AND h.customer_id IS NOT NULL);
-- Every customer with a version has a merge watermark no older than that version's start or end: a missing or older
-- one would let a late event of that customer be placed as if it were in order.
SELECT h.customer_id FROM CUSTOMER_HISTORY AS h
LEFT JOIN CUSTOMER_MERGE_WATERMARK AS w ON w.customer_id = h.customer_id
GROUP BY h.customer_id, w.last_event_at
HAVING w.last_event_at IS NULL OR w.last_event_at < MAX(COALESCE(h.valid_to, h.valid_from));
-- An erased customer has no version and no current row, and none of its merged events keeps a personal value.
SELECT e.customer_id FROM CUSTOMER_ERASURE AS e
WHERE EXISTS (SELECT 1 FROM CUSTOMER_HISTORY AS h WHERE h.customer_id = e.customer_id)
   OR EXISTS (SELECT 1 FROM CUSTOMER AS c WHERE c.customer_id = e.customer_id)
   OR EXISTS (SELECT 1 FROM CUSTOMER_RAW AS r
              WHERE r.customer_id = e.customer_id
                AND r.source_file IN (SELECT source_file FROM CUSTOMER_MERGE_LOG)
                AND ({{any_personal_value r.}}));

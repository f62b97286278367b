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

-- Is the stream about to go stale (not consumed within the table's data retention period)?
SHOW STREAMS LIKE 'CUSTOMER_RAW_STREAM';

-- Loaded files not yet merged (should be empty a minute after the last load).
SELECT r.source_file, COUNT(*) AS events, MIN(r.loaded_at) AS loaded_at
FROM CUSTOMER_RAW AS r
LEFT JOIN CUSTOMER_MERGE_LOG AS m ON m.source_file = r.source_file
WHERE m.source_file IS NULL
GROUP BY r.source_file
ORDER BY loaded_at;

-- SCD invariants (each should return no rows).
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

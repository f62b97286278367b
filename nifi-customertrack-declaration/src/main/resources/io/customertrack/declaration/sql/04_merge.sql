-- =====================================================================================================
-- 04_merge.sql: the merge procedure and the task that runs it. (The stream it reads, CUSTOMER_RAW_STREAM, is created
--           in 02_ingest.sql before the pipe, so that no loaded row predates it.)
--
-- Run as:   CUSTOMERTRACK_ADMIN.   Idempotent: the procedure is CREATE OR REPLACE (it holds no state); the task is
--           CREATE OR ALTER (a re-run applies changed settings to the existing task).
--
-- The merge DML below, between the `customertrack:merge:begin` and `:end` marker lines, exists only here. The scheduled
-- task runs it through the procedure; TriggerSnowflakeMerge runs the very same statements (this script, rendered for
-- its declaration) in one transaction on its own connection; the tests run it on DuckDB, where a view named
-- customer_raw_stream stands in for the stream. Nothing else may differ. Each statement follows a
-- `customertrack:step NAME` line, the name the Java reads it by. The one statement the procedure runs only under a
-- condition (the erasure scrub of CUSTOMER_RAW, inside an IF between two marked sections) is skipped by MergeRunner
-- under the same condition, read from the same text.
--
-- Why it is correct where the tutorial design was not:
-- * It reads CUSTOMER_RAW through an APPEND_ONLY stream and never truncates: rows that Snowpipe commits during a
--   merge stay in the stream for the next run. All its statements run in one explicit transaction, so they see
--   the same stream rows, and the stream offset moves only when that transaction commits.
-- * Versions are rebuilt, for every customer the stream mentions, in event-time order from the last version that
--   began before the customer's earliest new event: from its events in CUSTOMER_RAW when a new event is not newer
--   than everything merged for it before (late, replayed, tied), else from that version and the stream. A late event
--   therefore lands at its event time, however late it arrives; SCD1 follows the newest version; replays and
--   duplicates collapse; the result does not depend on arrival order or batching.
-- * Per customer and event time one event counts (a DELETE wins a tie, then the larger row hash, then an INSERT):
--   the MERGE source has one row per key, so the MERGE is deterministic (no error 100090 and no
--   ERROR_ON_NONDETERMINISTIC_MERGE).
-- * An event whose tracked attributes hash equal to the previous event's opens no version; its untracked attributes
--   (declared without history) update the version it falls into, which holds those of its latest event. A DELETE
--   closes the current version at the delete's event time; a later INSERT or UPDATE opens a new one.
-- * With partial updates, an UPDATE's empty attribute resolves to the newest value set before it in event-time order
--   (since the last INSERT), before versions are cut: a late partial update is resolved where it belongs.
-- * Comparisons are NULL-safe: attributes go through a length-prefixed MD5 row hash, timestamps use IS DISTINCT FROM.
-- * An event more than the lateness budget (CUSTOMER_MERGE_SETTINGS) older than its customer's newest merged event
--   is quarantined, not placed; so is every event of an erased customer. CUSTOMER_MERGE_QUARANTINE says which and
--   why; the event stays in CUSTOMER_RAW, and no later merge applies it.
-- * An ERASE event removes its customer's versions and current row and the personal values of all its events in
--   CUSTOMER_RAW, and writes an erasure receipt (CUSTOMER_ERASURE). The id is retired: later events of it, however
--   timed, are quarantined and their values removed in the same merge.
-- * Each file gets a receipt (CUSTOMER_MERGE_RECEIPT) and every re-cut or removed version an audit row
--   (CUSTOMER_HISTORY_RECUT), both from the plan the history MERGE applies, so they count what it did.
-- Cost: a customer whose new events are all newer than every event of it merged before (CUSTOMER_MERGE_WATERMARK
--   says) is rebuilt from its latest version, read from CUSTOMER (one row per customer), and the stream alone.
--   Only customers with a late, replayed or tied event re-read CUSTOMER_RAW, and of those only the events from the
--   anchor on, which the lateness budget bounds.
--   CUSTOMER is never rewritten column by column: rows with new content are removed and written again (attributes
--   from the stream where this batch opened the version), and a delete only flips the flag columns in place.
-- =====================================================================================================

USE ROLE CUSTOMERTRACK_ADMIN;
USE SCHEMA CUSTOMERTRACK.CORE;

CREATE OR REPLACE PROCEDURE MERGE_CUSTOMER_CHANGES()
    RETURNS VARCHAR
    LANGUAGE SQL
    COMMENT = 'CustomerTrack: merge pending raw events into CUSTOMER (SCD1) and CUSTOMER_HISTORY (SCD2)'
    EXECUTE AS OWNER
AS
$$
BEGIN
    BEGIN TRANSACTION;
-- customertrack:merge:begin
-- customertrack:step MERGE_LOCK
-- Merges run one at a time: this UPDATE holds CUSTOMER_MERGE_LOCK until COMMIT, so a concurrent merge waits here,
-- before it reads anything, for at most its LOCK_TIMEOUT.
UPDATE customer_merge_lock SET merge_started_at = CURRENT_TIMESTAMP;

-- The plan (below) of the previous merge goes first; it stays readable until then, for a look at what that merge did.
-- customertrack:step PLAN_CLEAR
DELETE FROM customer_merge_plan;

-- Erasure requests first: an ERASE event of a customer not erased before gets its receipt, with the rows the
-- statements below will clear, counted before they do. Tables are read as committed when each statement begins, so
-- rows Snowpipe commits between this count and the clearing would be cleared uncounted: both count and clear only the
-- CUSTOMER_RAW rows of files this transaction sees (merged before, or in the stream, which is fixed at BEGIN). Later
-- rows of an erased customer reach a later merge's stream, which quarantines and clears them.
-- customertrack:step ERASURE_INSERT
INSERT INTO customer_erasure
    (customer_id, requested_at, source_file, raw_rows, history_rows, customer_rows, erased_at)
SELECT customer_id, requested_at, source_file, raw_rows, history_rows, customer_rows, CURRENT_TIMESTAMP
FROM (
    WITH requests AS (
        -- A customer's earliest request; replayed copies tie on time, so the first file and row decide.
        SELECT customer_id, updated_at AS requested_at, source_file
        FROM customer_raw_stream
        WHERE op = 'ERASE' AND customer_id NOT IN (SELECT customer_id FROM customer_erasure)
        QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at, source_file, source_row_number) = 1
    )
    SELECT r.customer_id, r.requested_at, r.source_file, COALESCE(raw.row_count, 0) AS raw_rows,
           COALESCE(history.row_count, 0) AS history_rows, COALESCE(current_rows.row_count, 0) AS customer_rows
    FROM requests AS r
    LEFT JOIN (
        SELECT customer_id, COUNT(*) AS row_count FROM customer_raw
        WHERE customer_id IN (SELECT customer_id FROM requests)
          AND (source_file IN (SELECT source_file FROM customer_merge_log)
               OR source_file IN (SELECT source_file FROM customer_raw_stream))
          AND ({{any_personal_value}})
        GROUP BY customer_id
    ) AS raw ON raw.customer_id = r.customer_id
    LEFT JOIN (
        SELECT customer_id, COUNT(*) AS row_count FROM customer_history
        WHERE customer_id IN (SELECT customer_id FROM requests)
        GROUP BY customer_id
    ) AS history ON history.customer_id = r.customer_id
    LEFT JOIN (
        SELECT customer_id, COUNT(*) AS row_count FROM customer
        WHERE customer_id IN (SELECT customer_id FROM requests)
        GROUP BY customer_id
    ) AS current_rows ON current_rows.customer_id = r.customer_id
) AS receipts;

-- Events this merge will not apply: those of an erased customer (whenever they happened: an erased id is retired),
-- and those more than the lateness budget older than the newest event merged for their customer. The statements
-- below read the stream without them. A file already in the merge log is not judged again: a merge that waited for
-- another one reads the same stream rows (the stream is fixed at BEGIN), and that merge applied or quarantined them
-- (judged against the watermark it then raised, they would look late, and be quarantined twice).
-- customertrack:step QUARANTINE_INSERT
INSERT INTO customer_merge_quarantine
    (source_file, source_row_number, customer_id, op, updated_at, reason, newest_merged_at, quarantined_at)
SELECT s.source_file, s.source_row_number, s.customer_id, s.op, s.updated_at,
       CASE WHEN e.customer_id IS NOT NULL THEN 'customer_erased' ELSE 'beyond_lateness_budget' END,
       w.last_event_at, CURRENT_TIMESTAMP
FROM customer_raw_stream AS s
LEFT JOIN customer_erasure AS e ON e.customer_id = s.customer_id
LEFT JOIN customer_merge_watermark AS w ON w.customer_id = s.customer_id
WHERE s.op <> 'ERASE'
  AND s.source_file NOT IN (SELECT source_file FROM customer_merge_log)
  AND (e.customer_id IS NOT NULL
       OR FLOOR(EXTRACT(EPOCH FROM w.last_event_at)) - FLOOR(EXTRACT(EPOCH FROM s.updated_at))
          > (SELECT MAX(lateness_budget_seconds) FROM customer_merge_settings));

-- The plan: every version to open, close, re-cut or remove, and every new event that begins no version, each with the
-- file it is owed to. The MERGE below applies it; the receipts and the re-cut audit read it.
-- customertrack:step PLAN_INSERT
INSERT INTO customer_merge_plan
    (customer_id, {{attributes}}, row_hash, valid_from, valid_to, is_current,
     change_kind, previous_valid_to, content_changed, source_file)
SELECT customer_id, {{attributes}}, row_hash, valid_from, valid_to, is_current,
       change_kind, previous_valid_to, content_changed, source_file
FROM (
    WITH admitted AS (
        -- The stream's customer events: no erasure requests, nothing quarantined, no file merged before (above).
        SELECT s.* FROM customer_raw_stream AS s
        WHERE s.op <> 'ERASE'
          AND s.source_file NOT IN (SELECT source_file FROM customer_merge_log)
          AND NOT EXISTS (SELECT 1 FROM customer_merge_quarantine AS q
                          WHERE q.source_file = s.source_file AND q.source_row_number = s.source_row_number)
    ),
    changed_keys AS (
        -- Per customer the earliest new event; of events at the same time, the first file and row.
        SELECT customer_id, updated_at AS first_new_at, source_file AS first_new_file
        FROM admitted
        QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at, source_file, source_row_number) = 1
    ),
    ordered AS (
        -- A customer needs its merged events from CUSTOMER_RAW only when a new event is not newer than every event
        -- of it merged before (a late event, a replay, a tie): the watermark says.
        SELECT k.customer_id, k.first_new_at, COALESCE(k.first_new_at <= w.last_event_at, FALSE) AS reads_raw
        FROM changed_keys AS k
        LEFT JOIN customer_merge_watermark AS w ON w.customer_id = k.customer_id
    ),
    anchors AS (
        -- Versions that began before a customer's earliest new event cannot change, except the last of them
        -- (its end may move). Rebuilding from that version's start (the anchor) gives the same result as
        -- rebuilding from the customer's first event: the state after an event depends on that event alone.
        -- In order, the anchor is the customer's latest version, which CUSTOMER holds (its start, hash and the
        -- DELETE that closed it): one row per customer however long the history, so an in-order batch reads no
        -- more of the tables as they grow than the customers it touches. Its values are the version's, needed only
        -- with untracked attributes (as of its latest event, which a new event in it replaces) or partial updates (the
        -- value an UPDATE that leaves one out keeps); otherwise NULL: that version keeps its content.
        SELECT o.customer_id, c.updated_at AS anchor_at, c.row_hash AS anchor_hash,
               {{tracked_hash c.}} AS anchor_tracked_hash,
               CASE WHEN c.is_deleted THEN c.deleted_at END AS anchor_closed_at, FALSE AS reads_raw,
               {{current_values c.}}
        FROM ordered AS o
        LEFT JOIN customer AS c ON c.customer_id = o.customer_id
        WHERE NOT o.reads_raw
        UNION ALL
        -- Late, replayed or tied: the last version that began before the earliest new event, from the history.
        SELECT o.customer_id, MAX(h.valid_from) AS anchor_at,
               MAX_BY(h.row_hash, h.valid_from) AS anchor_hash, NULL AS anchor_tracked_hash,
               {{newest_valid_to h.}} AS anchor_closed_at,
               TRUE AS reads_raw, {{nulls}}
        FROM ordered AS o
        LEFT JOIN customer_history AS h
            ON h.customer_id = o.customer_id AND h.valid_from < o.first_new_at
        WHERE o.reads_raw
        GROUP BY o.customer_id
    ),
    pending AS (
        -- Customers with late events: their merged events from the anchor on, from CUSTOMER_RAW (files in the merge
        -- log; inside the transaction the stream is fixed at BEGIN while CUSTOMER_RAW is read as committed at each
        -- statement, so a file Snowpipe commits meanwhile waits for the next run, as its rows in the stream do) ...
        SELECT r.customer_id, {{attributes r.}}, r.op, r.updated_at,
               r.source_file, r.source_row_number, FALSE AS is_new, FALSE AS is_version
        FROM customer_raw AS r
        JOIN anchors AS a ON a.customer_id = r.customer_id
        WHERE a.reads_raw AND (a.anchor_at IS NULL OR r.updated_at >= a.anchor_at)
          AND r.op <> 'ERASE'
          AND r.source_file IN (SELECT source_file FROM customer_merge_log)
          AND NOT EXISTS (SELECT 1 FROM customer_merge_quarantine AS q
                          WHERE q.source_file = r.source_file AND q.source_row_number = r.source_row_number)
        UNION ALL
        -- ... and every customer's new events, from the stream.
        SELECT s.customer_id, {{attributes s.}}, s.op, s.updated_at,
               s.source_file, s.source_row_number, TRUE AS is_new, FALSE AS is_version
        FROM admitted AS s
    ),
    hashed AS (
        SELECT p.*,
               {{row_hash p.}} AS row_hash
        FROM pending AS p
        UNION ALL
        -- For the others, their latest version stands for the event that opened it (with the version's values), and a
        -- DELETE that closed it for itself.
        SELECT a.customer_id, {{attributes a.}},
               CASE WHEN d.is_delete THEN 'DELETE' ELSE 'UPDATE' END,
               CASE WHEN d.is_delete THEN a.anchor_closed_at ELSE a.anchor_at END, NULL, NULL, FALSE, NOT d.is_delete,
               a.anchor_hash
        FROM anchors AS a
        JOIN (SELECT FALSE AS is_delete UNION ALL SELECT TRUE) AS d ON NOT d.is_delete OR a.anchor_closed_at IS NOT NULL
        WHERE NOT a.reads_raw AND a.anchor_at IS NOT NULL
    ),
    events AS (
        -- One event per customer and time: a DELETE, else the larger row hash, then an INSERT (with partial updates an
        -- INSERT and an UPDATE of equal values differ: the INSERT starts afresh). Copies of one event (a replay) tie on
        -- all three; a total order picks the same copy every run (Snowflake picks any among ties): a merged copy before
        -- a new one, so a replay is credited with nothing, then the first file and row.
        SELECT * FROM hashed
        QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id, updated_at
                                   ORDER BY CASE WHEN op = 'DELETE' THEN 1 ELSE 0 END DESC, row_hash DESC,
                                            CASE WHEN op = 'INSERT' THEN 1 ELSE 0 END DESC, is_new,
                                            source_file, source_row_number) = 1
    ),
    resolved AS (
        {{resolved_events}}
    ),
    sequenced AS (
        SELECT hashed_events.*,
               LAG(op) OVER (PARTITION BY customer_id ORDER BY updated_at) AS previous_op,
               LAG(row_hash) OVER (PARTITION BY customer_id ORDER BY updated_at) AS previous_hash,
               LAG(tracked_hash) OVER (PARTITION BY customer_id ORDER BY updated_at) AS previous_tracked_hash
        FROM (
            SELECT resolved.*,
                   {{tracked_hash resolved.}} AS tracked_hash
            FROM resolved
        ) AS hashed_events
    ),
    judged AS (
        -- An upsert opens a version unless its tracked attributes equal the live one's; a DELETE closes the live one,
        -- if any.
        SELECT sequenced.*,
               (op <> 'DELETE' AND (previous_op IS NULL OR previous_op = 'DELETE' OR previous_tracked_hash <> tracked_hash))
               OR (op = 'DELETE' AND previous_op IS NOT NULL AND previous_op <> 'DELETE') AS is_effective
        FROM sequenced
    ),
    valued AS (
        {{version_values}}
    ),
    versions AS (
        SELECT customer_id, {{attributes}}, row_hash, tracked_hash, op,
               source_file, is_new, updated_at AS valid_from,
               LEAD(updated_at) OVER (PARTITION BY customer_id ORDER BY updated_at) AS valid_to,
               LEAD(source_file) OVER (PARTITION BY customer_id ORDER BY updated_at) AS closed_by_file,
               LEAD(is_new) OVER (PARTITION BY customer_id ORDER BY updated_at) AS closed_by_new
        FROM valued
        WHERE is_effective
    ),
    desired AS (
        SELECT customer_id, {{attributes}}, row_hash, tracked_hash,
               valid_from, valid_to, valid_to IS NULL AS is_current, source_file, is_new, closed_by_file, closed_by_new
        FROM versions
        WHERE op <> 'DELETE'
    ),
    existing AS (
        SELECT h.customer_id, h.valid_from, h.valid_to, h.row_hash, h.is_current,
               {{tracked_hash h.}} AS tracked_hash
        FROM customer_history AS h
        JOIN anchors AS a ON a.customer_id = h.customer_id
        WHERE a.reads_raw AND (a.anchor_at IS NULL OR h.valid_from >= a.anchor_at)
        UNION ALL
        -- In order, the anchor is the latest version, the only one from the anchor on: the anchors pass read it.
        SELECT a.customer_id, a.anchor_at, a.anchor_closed_at, a.anchor_hash, a.anchor_closed_at IS NULL,
               a.anchor_tracked_hash
        FROM anchors AS a
        WHERE NOT a.reads_raw AND a.anchor_at IS NOT NULL
    ),
    changes AS (
        SELECT COALESCE(d.customer_id, e.customer_id) AS customer_id,
               COALESCE(d.valid_from, e.valid_from) AS valid_from,
               {{attributes d.}}, d.row_hash,
               d.valid_to, d.is_current,
               CASE WHEN e.customer_id IS NULL THEN 'OPENED'
                    WHEN d.customer_id IS NULL THEN 'REMOVED'
                    WHEN e.tracked_hash = d.tracked_hash AND e.valid_to IS NULL AND d.valid_to IS NOT NULL THEN 'CLOSED'
                    -- Same interval, same tracked values: only untracked values changed.
                    WHEN e.tracked_hash = d.tracked_hash AND e.valid_to IS NOT DISTINCT FROM d.valid_to THEN 'UPDATED'
                    ELSE 'RECUT' END AS change_kind,
               e.valid_to AS previous_valid_to,
               COALESCE(e.row_hash <> d.row_hash, FALSE) AS content_changed,
               d.source_file AS opened_by_file, d.is_new AS opened_by_new,
               d.closed_by_file, d.closed_by_new
        FROM desired AS d
        FULL OUTER JOIN existing AS e
            ON e.customer_id = d.customer_id AND e.valid_from = d.valid_from
        WHERE d.customer_id IS NULL
           OR e.customer_id IS NULL
           OR e.row_hash <> d.row_hash
           OR e.is_current <> d.is_current
           OR e.valid_to IS DISTINCT FROM d.valid_to
    )
    -- A change is owed to the new event that opened or closed the version where there is one; otherwise (an old
    -- event's version re-cut around a late one) to the file with the customer's earliest new event.
    SELECT c.customer_id, {{attributes c.}}, c.row_hash,
           c.valid_from, c.valid_to, c.is_current, c.change_kind, c.previous_valid_to, c.content_changed,
           CASE WHEN c.change_kind = 'OPENED' AND c.opened_by_new THEN c.opened_by_file
                WHEN c.change_kind = 'CLOSED' AND c.closed_by_new THEN c.closed_by_file
                ELSE k.first_new_file END AS source_file
    FROM changes AS c
    JOIN changed_keys AS k ON k.customer_id = c.customer_id
    UNION ALL
    -- A new upsert that opens no version: equal to the event before it (NOOP), or changing only untracked attributes,
    -- which the version it falls into takes in place (IN_PLACE).
    SELECT customer_id, {{nulls}}, row_hash, updated_at, NULL, NULL,
           CASE WHEN row_hash = previous_hash THEN 'NOOP' ELSE 'IN_PLACE' END, NULL, NULL, source_file
    FROM judged
    WHERE is_new AND op <> 'DELETE' AND NOT is_effective
) AS planned;

-- customertrack:step HISTORY_MERGE
MERGE INTO customer_history AS target
USING (SELECT * FROM customer_merge_plan WHERE change_kind NOT IN ('NOOP', 'IN_PLACE')) AS source
ON target.customer_id = source.customer_id AND target.valid_from = source.valid_from
WHEN MATCHED AND source.change_kind = 'REMOVED' THEN DELETE
-- Usually only the interval changes (a version closed or re-closed): update just those two columns.
WHEN MATCHED AND target.row_hash = source.row_hash THEN UPDATE SET
    valid_to = source.valid_to, is_current = source.is_current
WHEN MATCHED THEN UPDATE SET
    {{attributes_from source.}}, row_hash = source.row_hash,
    valid_to = source.valid_to, is_current = source.is_current
WHEN NOT MATCHED THEN INSERT
    (customer_id, {{attributes}}, row_hash, valid_from, valid_to, is_current)
    VALUES (source.customer_id, {{attributes source.}}, source.row_hash, source.valid_from,
            source.valid_to, source.is_current);

-- The audit: every version a late event re-cut or removed, with its old and new end, and every closed version whose
-- untracked values a late event changed in place.
-- customertrack:step RECUT_INSERT
INSERT INTO customer_history_recut
    (customer_id, valid_from, previous_valid_to, valid_to, change_kind, content_changed, caused_by_file, merged_at)
SELECT customer_id, valid_from, previous_valid_to, valid_to, change_kind, content_changed, source_file, CURRENT_TIMESTAMP
FROM customer_merge_plan
WHERE change_kind IN ('RECUT', 'REMOVED') OR (change_kind = 'UPDATED' AND previous_valid_to IS NOT NULL);

-- SCD1 follows the newest version of every customer of the batch, in two steps. Rewriting a row in place would
-- update every text column; instead this MERGE removes the rows whose content changed (and those of customers left
-- without any version) and only flags deletes in place; the INSERT below writes the new current rows.
-- The latest version per customer: MAX_BY over valid_from, unique per customer. valid_to goes through a sentinel
-- because MAX_BY may skip NULL values (DuckDB does), and NULL is exactly the open version's valid_to.
-- customertrack:step CUSTOMER_MERGE
MERGE INTO customer AS target
USING (
    SELECT k.customer_id, v.valid_from, v.valid_to, v.row_hash
    FROM (SELECT DISTINCT customer_id FROM customer_raw_stream) AS k
    LEFT JOIN (
        {{newest_versions}}
    ) AS v ON v.customer_id = k.customer_id
) AS source
ON target.customer_id = source.customer_id
-- No version left (its only INSERT lost a tie to a DELETE at the same time), or new content: the row goes.
WHEN MATCHED AND (source.valid_from IS NULL
                  OR target.row_hash <> source.row_hash
                  OR target.updated_at <> source.valid_from) THEN DELETE
WHEN MATCHED AND (target.is_deleted <> (source.valid_to IS NOT NULL)
                  OR target.deleted_at IS DISTINCT FROM source.valid_to) THEN UPDATE SET
    is_deleted = source.valid_to IS NOT NULL, deleted_at = source.valid_to;

-- Customers of the batch with a version but (now) no row. Their newest version was usually opened by an event of
-- this batch: its attributes come from the stream, which is small; CUSTOMER_HISTORY is read only for the others.
-- customertrack:step CUSTOMER_INSERT
INSERT INTO customer
    (customer_id, {{attributes}}, row_hash, updated_at, is_deleted, deleted_at)
SELECT customer_id, {{attributes}}, row_hash,
       valid_from, valid_to IS NOT NULL, valid_to
FROM (
    WITH missing AS (
        SELECT v.*
        FROM (
            {{newest_versions}}
        ) AS v
        WHERE NOT EXISTS (SELECT 1 FROM customer AS c WHERE c.customer_id = v.customer_id)
    ),
    batch_contents AS (
        SELECT DISTINCT s.customer_id, s.updated_at, {{attributes s.}},
               {{row_hash s.}} AS row_hash
        FROM customer_raw_stream AS s
        WHERE s.op IN ('INSERT', 'UPDATE')
    )
    SELECT m.customer_id, {{attributes b.}}, m.row_hash,
           m.valid_from, m.valid_to
    FROM missing AS m
    JOIN batch_contents AS b
        ON b.customer_id = m.customer_id AND b.updated_at = m.valid_from AND b.row_hash = m.row_hash
    UNION ALL
    SELECT m.customer_id, {{attributes h.}}, m.row_hash,
           m.valid_from, m.valid_to
    FROM missing AS m
    JOIN customer_history AS h ON h.customer_id = m.customer_id AND h.valid_from = m.valid_from
    WHERE NOT EXISTS (SELECT 1 FROM batch_contents AS b
                      WHERE b.customer_id = m.customer_id AND b.updated_at = m.valid_from AND b.row_hash = m.row_hash)
) AS current_rows;

-- Erasure: the history and current row of every customer the batch asks to erase go, and CUSTOMER_RAW keeps their
-- events (their keys, times and files stay the load record) without personal values: the rows the receipt counted
-- (above). The batch's other events of erased customers were quarantined above; their values go here too.
-- customertrack:step HISTORY_ERASE
DELETE FROM customer_history
WHERE customer_id IN (SELECT customer_id FROM customer_raw_stream WHERE op = 'ERASE');

-- customertrack:step CUSTOMER_ERASE
DELETE FROM customer
WHERE customer_id IN (SELECT customer_id FROM customer_raw_stream WHERE op = 'ERASE');
-- customertrack:merge:end
    -- CUSTOMER_RAW is written only when the batch holds an event of an erased customer. An UPDATE takes a lock on the
    -- table Snowpipe loads into (its COPY runs beside that lock only sometimes), held until COMMIT, whether or not a
    -- row matches; so without an erasure the statement does not run at all. MergeScript reads this SELECT as the
    -- guard of the statement in the IF, and MergeRunner skips that statement the same way.
    LET erasing BOOLEAN := FALSE;
    SELECT COUNT(*) > 0 INTO :erasing
    FROM customer_raw_stream AS s JOIN customer_erasure AS e ON e.customer_id = s.customer_id;
    IF (erasing) THEN
-- customertrack:merge:begin
-- customertrack:step RAW_ERASE
UPDATE customer_raw
SET {{personal_values_to_null}}
WHERE customer_id IN (SELECT s.customer_id FROM customer_raw_stream AS s
                      JOIN customer_erasure AS e ON e.customer_id = s.customer_id)
  AND (source_file IN (SELECT source_file FROM customer_merge_log)
       OR source_file IN (SELECT source_file FROM customer_raw_stream))
  AND ({{any_personal_value}});
-- customertrack:merge:end
    END IF;
-- customertrack:merge:begin

-- The newest event time merged per customer, for the next run's choice above. Same transaction, same stream rows.
-- customertrack:step WATERMARK_MERGE
MERGE INTO customer_merge_watermark AS target
USING (
    SELECT customer_id, MAX(updated_at) AS last_event_at
    FROM customer_raw_stream
    GROUP BY customer_id
) AS source
ON target.customer_id = source.customer_id
WHEN MATCHED AND source.last_event_at > target.last_event_at THEN UPDATE SET last_event_at = source.last_event_at
WHEN NOT MATCHED THEN INSERT (customer_id, last_event_at) VALUES (source.customer_id, source.last_event_at);

-- The receipt of every file of the batch. merge_query_id is filled in after the last statement (the procedure and
-- TriggerSnowflakeMerge each know it).
-- customertrack:step RECEIPT_INSERT
INSERT INTO customer_merge_receipt
    (source_file, rows_loaded, versions_opened, versions_closed, versions_recut, versions_removed, noop_updates,
     in_place_updates, events_quarantined, erasure_requests, merged_at)
SELECT f.source_file, f.rows_loaded,
       COALESCE(p.opened, 0), COALESCE(p.closed, 0), COALESCE(p.recut, 0), COALESCE(p.removed, 0), COALESCE(p.noop, 0),
       COALESCE(p.in_place, 0), COALESCE(q.quarantined, 0), f.erasure_requests, CURRENT_TIMESTAMP
FROM (
    SELECT source_file, COUNT(*) AS rows_loaded, COUNT_IF(op = 'ERASE') AS erasure_requests
    FROM customer_raw_stream
    GROUP BY source_file
) AS f
LEFT JOIN (
    SELECT source_file, COUNT_IF(change_kind = 'OPENED') AS opened, COUNT_IF(change_kind = 'CLOSED') AS closed,
           COUNT_IF(change_kind = 'RECUT') AS recut, COUNT_IF(change_kind = 'REMOVED') AS removed,
           COUNT_IF(change_kind = 'NOOP') AS noop, COUNT_IF(change_kind = 'IN_PLACE') AS in_place
    FROM customer_merge_plan
    GROUP BY source_file
) AS p ON p.source_file = f.source_file
LEFT JOIN (
    SELECT source_file, COUNT(*) AS quarantined
    FROM customer_merge_quarantine
    WHERE source_file IN (SELECT source_file FROM customer_raw_stream)
    GROUP BY source_file
) AS q ON q.source_file = f.source_file
WHERE f.source_file NOT IN (SELECT source_file FROM customer_merge_receipt);

-- customertrack:step MERGE_LOG_INSERT
INSERT INTO customer_merge_log (source_file, row_count, merged_at)
SELECT source_file, COUNT(*), CURRENT_TIMESTAMP
FROM customer_raw_stream
WHERE source_file NOT IN (SELECT source_file FROM customer_merge_log)
GROUP BY source_file;
-- customertrack:merge:end
    -- The receipts of this run name its last statement; TriggerSnowflakeMerge does the same with LAST_QUERY_ID().
    LET merge_query_id VARCHAR := SQLID;
    UPDATE customer_merge_receipt SET merge_query_id = :merge_query_id WHERE merge_query_id IS NULL;
    UPDATE customer_erasure SET merge_query_id = :merge_query_id WHERE merge_query_id IS NULL;
    COMMIT;
    RETURN 'merged';
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        RAISE;
END;
$$;

-- Keeps SCD1 and SCD2 converging while NiFi is stopped. The WHEN clause is evaluated in cloud services, without
-- resuming the warehouse: an idle pipeline costs no warehouse credits, only the small cloud-services charge of one
-- SYSTEM$STREAM_HAS_DATA check a minute (billed where cloud services exceed 10% of the day's compute).
-- OVERLAP_POLICY defaults to NO_OVERLAP, so runs never overlap.
-- CREATE OR ALTER applies every setting written here to an existing task (CREATE ... IF NOT EXISTS would keep the old
-- ones) and keeps the task object itself (CREATE OR REPLACE would drop it and its grants). A task must be suspended
-- to be altered (a resumed standalone task may be altered in place only from the 2026_06 behaviour bundle on):
-- suspend, alter, resume. Events loaded meanwhile wait in the stream.
ALTER TASK IF EXISTS MERGE_CUSTOMER_CHANGES_TASK SUSPEND;
CREATE OR ALTER TASK MERGE_CUSTOMER_CHANGES_TASK
    WAREHOUSE = CUSTOMERTRACK_WH
    SCHEDULE = '1 MINUTE'
    SUSPEND_TASK_AFTER_NUM_FAILURES = 10
    COMMENT = 'CustomerTrack: merge pending customer events every minute when there are any'
    WHEN SYSTEM$STREAM_HAS_DATA('CUSTOMERTRACK.CORE.CUSTOMER_RAW_STREAM')
AS
    CALL MERGE_CUSTOMER_CHANGES();

ALTER TASK MERGE_CUSTOMER_CHANGES_TASK RESUME;
-- MONITOR only: the loader reads the task's history (05_monitoring.sql); suspending, resuming or running it is the
-- admin's (a stolen key must not be able to stop the merge that keeps the SCD tables current).
GRANT MONITOR ON TASK MERGE_CUSTOMER_CHANGES_TASK TO ROLE CUSTOMERTRACK_LOADER;

-- =====================================================================================================
-- 03_scd_tables.sql: the SCD Type 1 table CUSTOMER, the SCD Type 2 table CUSTOMER_HISTORY, and the merge's own
-- tables: log, watermark, settings, quarantine, receipts, the audit of re-cut versions, erasures and its work table.
--
-- Run as:   CUSTOMERTRACK_ADMIN.   Idempotent: IF NOT EXISTS.
-- CUSTOMER (SCD1):          one row per customer_id ever seen with an INSERT/UPDATE: the attributes of its latest
--                           version by event time; is_deleted/deleted_at when its latest event was a DELETE.
-- CUSTOMER_HISTORY (SCD2):  one row per distinct version, [valid_from, valid_to) in event time. valid_to is the
--                           valid_from of the next version, or the time of the DELETE that closed it, or NULL
--                           while current. is_current = (valid_to IS NULL). row_hash = MD5 of the attributes.
--                           (customer_id, valid_from) is unique; at most one current row per customer.
-- CUSTOMER_MERGE_LOG:       one row per source file whose rows a merge has applied; TriggerSnowflakeMerge reads it to
--                           report each file as merged, whichever run (processor or scheduled task) merged it.
-- CUSTOMER_MERGE_WATERMARK: per customer_id, the newest event time a merge has applied (whatever the event did).
--                           The merge keeps it; a customer whose new events are all newer needs no CUSTOMER_RAW read.
--                           Upgrading from a release without it: the MERGE at the end of this file fills it from
--                           CUSTOMER_RAW before the next merge runs (suspend the task meanwhile).
-- CUSTOMER_MERGE_SETTINGS:  one row: the lateness budget (see the table).
-- CUSTOMER_MERGE_QUARANTINE: events the merge did not apply, with the reason: later than the lateness budget allows,
--                           or of an erased customer. Keys into CUSTOMER_RAW, no personal values.
-- CUSTOMER_MERGE_RECEIPT:   per source file, what its merge did (rows, versions opened/closed/re-cut/removed, no-op
--                           updates, quarantined events, erasure requests) and a query id of that merge.
-- CUSTOMER_HISTORY_RECUT:   every version a late event re-cut or removed: old and new end, the file that caused it.
-- CUSTOMER_ERASURE:         per erased customer_id, the erasure receipt: request, rows touched per table, when, query id.
--                           An erased id is retired: the merge quarantines every later event of it.
-- CUSTOMER_MERGE_PLAN:      the merge's work table: what the last merge changed, cleared when the next begins.
-- CUSTOMER_MERGE_LOCK:      one row, which every merge updates first: merges run one at a time.
-- =====================================================================================================

USE ROLE CUSTOMERTRACK_ADMIN;
USE SCHEMA CUSTOMERTRACK.CORE;

CREATE TABLE IF NOT EXISTS CUSTOMER (
    customer_id   NUMBER(19,0)      NOT NULL PRIMARY KEY,
    {{column_definitions 14}}
    row_hash      VARCHAR(32)       NOT NULL,
    updated_at    TIMESTAMP_NTZ(6)  NOT NULL COMMENT 'event time of the current version',
    is_deleted    BOOLEAN           NOT NULL,
    deleted_at    TIMESTAMP_NTZ(6)           COMMENT 'event time of the DELETE, when is_deleted'
)
COMMENT = 'CustomerTrack SCD Type 1: current state of every customer';

-- No clustering key, as for CUSTOMER_RAW (02_ingest.sql): one row per version is far below the sizes where
-- automatic clustering pays for its reclustering of a table every merge writes to.
CREATE TABLE IF NOT EXISTS CUSTOMER_HISTORY (
    customer_id   NUMBER(19,0)      NOT NULL,
    {{column_definitions 14}}
    row_hash      VARCHAR(32)       NOT NULL,
    valid_from    TIMESTAMP_NTZ(6)  NOT NULL,
    valid_to      TIMESTAMP_NTZ(6),
    is_current    BOOLEAN           NOT NULL,
    PRIMARY KEY (customer_id, valid_from)
)
COMMENT = 'CustomerTrack SCD Type 2: every version of every customer, by event time';

CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_LOG (
    source_file   VARCHAR(1024)     NOT NULL PRIMARY KEY,
    row_count     NUMBER(19,0)      NOT NULL,
    merged_at     TIMESTAMP_LTZ(6)  NOT NULL
)
COMMENT = 'CustomerTrack: files whose rows are merged into CUSTOMER and CUSTOMER_HISTORY';

CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_WATERMARK (
    customer_id   NUMBER(19,0)      NOT NULL PRIMARY KEY,
    last_event_at TIMESTAMP_NTZ(6)  NOT NULL COMMENT 'newest event time of this customer that a merge has applied'
)
COMMENT = 'CustomerTrack: per customer, the newest event merged, so in-order events need no CUSTOMER_RAW read';

-- The lateness budget: an event more than this many seconds older than the newest event merged for its customer
-- is quarantined instead of re-cutting that customer's history. It bounds what one late event can cost a merge (the
-- events it re-reads span at most the budget) and what history may change under a reader's feet. The default, 7 days,
-- covers a weekend's outage of a source system replayed on Monday and Snowpipe's retries, with room to spare; an
-- event a week late is a data correction that deserves a person's look (CUSTOMER_MERGE_QUARANTINE keeps it). NULL,
-- or no row: no budget. Change it with UPDATE CUSTOMER_MERGE_SETTINGS SET lateness_budget_seconds = ...; the next
-- merge applies it.
CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_SETTINGS (
    lateness_budget_seconds NUMBER(19,0)
)
COMMENT = 'CustomerTrack: merge settings, one row';

CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_QUARANTINE (
    source_file        VARCHAR(1024)     NOT NULL,
    source_row_number  NUMBER(19,0)      NOT NULL,
    customer_id        NUMBER(19,0)      NOT NULL,
    op                 VARCHAR(6)        NOT NULL,
    updated_at         TIMESTAMP_NTZ(6)  NOT NULL,
    reason             VARCHAR(32)       NOT NULL COMMENT 'beyond_lateness_budget or customer_erased',
    newest_merged_at   TIMESTAMP_NTZ(6)           COMMENT 'the customer''s merge watermark the event was judged against',
    quarantined_at     TIMESTAMP_LTZ(6)  NOT NULL,
    PRIMARY KEY (source_file, source_row_number)
)
COMMENT = 'CustomerTrack: events the merge did not apply, with the reason (the events stay in CUSTOMER_RAW)';

CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_RECEIPT (
    source_file        VARCHAR(1024)     NOT NULL PRIMARY KEY,
    rows_loaded        NUMBER(19,0)      NOT NULL,
    versions_opened    NUMBER(19,0)      NOT NULL,
    versions_closed    NUMBER(19,0)      NOT NULL COMMENT 'open versions this file closed (a newer version or a DELETE)',
    versions_recut     NUMBER(19,0)      NOT NULL COMMENT 'closed versions whose end or content a late event of this file moved',
    versions_removed   NUMBER(19,0)      NOT NULL COMMENT 'versions a late event of this file made redundant',
    noop_updates       NUMBER(19,0)      NOT NULL COMMENT 'INSERTs and UPDATEs that began no version (equal to the one before)',
    in_place_updates   NUMBER(19,0)      NOT NULL COMMENT 'INSERTs and UPDATEs that differ from the event before only in untracked attributes',
    events_quarantined NUMBER(19,0)      NOT NULL,
    erasure_requests   NUMBER(19,0)      NOT NULL,
    merged_at          TIMESTAMP_LTZ(6)  NOT NULL,
    merge_query_id     VARCHAR(64)                COMMENT 'the merge''s last statement; QUERY_HISTORY.TRANSACTION_ID of it finds the others'
)
COMMENT = 'CustomerTrack: per file, what its merge did';
-- A receipt table of a release without per-attribute history tracking lacks the last count: added, 0 for old receipts.
ALTER TABLE CUSTOMER_MERGE_RECEIPT ADD COLUMN IF NOT EXISTS in_place_updates NUMBER(19,0) DEFAULT 0
    COMMENT 'INSERTs and UPDATEs that differ from the event before only in untracked attributes';

CREATE TABLE IF NOT EXISTS CUSTOMER_HISTORY_RECUT (
    customer_id        NUMBER(19,0)      NOT NULL,
    valid_from         TIMESTAMP_NTZ(6)  NOT NULL,
    previous_valid_to  TIMESTAMP_NTZ(6)           COMMENT 'the end before the re-cut (NULL: it was open)',
    valid_to           TIMESTAMP_NTZ(6)           COMMENT 'the end after it (NULL: open now, or removed)',
    change_kind        VARCHAR(8)        NOT NULL COMMENT 'RECUT, REMOVED, or UPDATED (untracked values changed in place)',
    content_changed    BOOLEAN           NOT NULL COMMENT 'the version now carries other values (a tie won, or untracked values changed)',
    caused_by_file     VARCHAR(1024)     NOT NULL COMMENT 'the file with the customer''s earliest event of that merge',
    merged_at          TIMESTAMP_LTZ(6)  NOT NULL
)
COMMENT = 'CustomerTrack: every version a late event re-cut, removed or updated in place';

CREATE TABLE IF NOT EXISTS CUSTOMER_ERASURE (
    customer_id        NUMBER(19,0)      NOT NULL PRIMARY KEY,
    requested_at       TIMESTAMP_NTZ(6)  NOT NULL COMMENT 'event time of the ERASE request',
    source_file        VARCHAR(1024)     NOT NULL COMMENT 'the file that carried the request',
    raw_rows           NUMBER(19,0)      NOT NULL COMMENT 'CUSTOMER_RAW rows whose personal values were removed',
    history_rows       NUMBER(19,0)      NOT NULL COMMENT 'CUSTOMER_HISTORY rows deleted',
    customer_rows      NUMBER(19,0)      NOT NULL COMMENT 'CUSTOMER rows deleted',
    erased_at          TIMESTAMP_LTZ(6)  NOT NULL,
    merge_query_id     VARCHAR(64)
)
COMMENT = 'CustomerTrack: erasure receipts (an erased customer_id is retired)';

-- Transient, without Time Travel: it holds personal values of the last merge's changes until the next merge clears
-- it first, so neither Time Travel nor Fail-safe should keep copies of it (README: "Erasure"). An erasure clears it too.
CREATE TRANSIENT TABLE IF NOT EXISTS CUSTOMER_MERGE_PLAN (
    customer_id        NUMBER(19,0)      NOT NULL,
    {{column_definitions 19}}
    row_hash           VARCHAR(32),
    valid_from         TIMESTAMP_NTZ(6)  NOT NULL,
    valid_to           TIMESTAMP_NTZ(6),
    is_current         BOOLEAN,
    change_kind        VARCHAR(8)        NOT NULL COMMENT 'OPENED, CLOSED, RECUT, REMOVED, UPDATED; NOOP or IN_PLACE: an event that began no version',
    previous_valid_to  TIMESTAMP_NTZ(6),
    content_changed    BOOLEAN,
    source_file        VARCHAR(1024)
)
DATA_RETENTION_TIME_IN_DAYS = 0
COMMENT = 'CustomerTrack: the work table of the merge, what the last merge changed';

-- Every merge (the task's procedure and TriggerSnowflakeMerge) updates this row first, so a second merge waits for the
-- first one's COMMIT, up to its LOCK_TIMEOUT, before it reads anything. The row says when the last merge began.
CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_LOCK (
    merge_started_at   TIMESTAMP_LTZ(6)
)
COMMENT = 'CustomerTrack: the lock every merge takes first, one row';

-- Point in time: every customer as CUSTOMER_HISTORY has them at event time AS_OF, one row per customer who was live
-- then (a customer deleted at or before AS_OF, or first seen after it, has no row). The history is the merged one: a
-- late event that arrived since re-cut it, so a later call for the same AS_OF can differ. An attribute declared without
-- history shows its value at the end of the version AS_OF falls into (its latest event's), not at AS_OF. The same as the plain query
--   SELECT ... FROM CUSTOMER_HISTORY WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
-- e.g. SELECT * FROM TABLE(CUSTOMER_AS_OF('2026-01-31 12:00:00'::TIMESTAMP_NTZ)) WHERE customer_id = 42.
-- Event times are UTC wall-clock times (TIMESTAMP_NTZ). One overload per timestamp type, so that no argument is cast
-- implicitly: Snowflake would turn a TIMESTAMP_LTZ or _TZ into TIMESTAMP_NTZ by keeping its wall-clock time in the
-- session's time zone, which is UTC only by chance. A TIMESTAMP_NTZ is taken as UTC; a TIMESTAMP_LTZ or TIMESTAMP_TZ
-- is an instant, converted to UTC explicitly (CONVERT_TIMEZONE), whatever the session's time zone. A plain string is
-- ambiguous between the overloads: cast it (to TIMESTAMP_NTZ for a UTC time).
CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF(AS_OF TIMESTAMP_NTZ)
RETURNS TABLE (customer_id NUMBER(19,0), {{returns_columns}}, valid_from TIMESTAMP_NTZ,
               valid_to TIMESTAMP_NTZ)
COMMENT = 'CustomerTrack: every customer live at event time AS_OF (UTC), from CUSTOMER_HISTORY'
AS
$$
    SELECT customer_id, {{attributes}}, valid_from, valid_to
    FROM CUSTOMER_HISTORY
    WHERE valid_from <= AS_OF AND (valid_to IS NULL OR valid_to > AS_OF)
$$;

CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF(AS_OF TIMESTAMP_LTZ)
RETURNS TABLE (customer_id NUMBER(19,0), {{returns_columns}}, valid_from TIMESTAMP_NTZ,
               valid_to TIMESTAMP_NTZ)
COMMENT = 'CustomerTrack: every customer live at the instant AS_OF, from CUSTOMER_HISTORY'
AS
$$
    SELECT customer_id, {{attributes}}, valid_from, valid_to
    FROM CUSTOMER_HISTORY
    WHERE valid_from <= CONVERT_TIMEZONE('UTC', AS_OF)::TIMESTAMP_NTZ
      AND (valid_to IS NULL OR valid_to > CONVERT_TIMEZONE('UTC', AS_OF)::TIMESTAMP_NTZ)
$$;

CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF(AS_OF TIMESTAMP_TZ)
RETURNS TABLE (customer_id NUMBER(19,0), {{returns_columns}}, valid_from TIMESTAMP_NTZ,
               valid_to TIMESTAMP_NTZ)
COMMENT = 'CustomerTrack: every customer live at the instant AS_OF, from CUSTOMER_HISTORY'
AS
$$
    SELECT customer_id, {{attributes}}, valid_from, valid_to
    FROM CUSTOMER_HISTORY
    WHERE valid_from <= CONVERT_TIMEZONE('UTC', AS_OF)::TIMESTAMP_NTZ
      AND (valid_to IS NULL OR valid_to > CONVERT_TIMEZONE('UTC', AS_OF)::TIMESTAMP_NTZ)
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE CUSTOMER TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE CUSTOMER_HISTORY TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT ON TABLE CUSTOMER_MERGE_LOG TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE ON TABLE CUSTOMER_MERGE_WATERMARK TO ROLE CUSTOMERTRACK_LOADER;
GRANT USAGE ON FUNCTION CUSTOMER_AS_OF(TIMESTAMP_NTZ) TO ROLE CUSTOMERTRACK_LOADER;
GRANT USAGE ON FUNCTION CUSTOMER_AS_OF(TIMESTAMP_LTZ) TO ROLE CUSTOMERTRACK_LOADER;
GRANT USAGE ON FUNCTION CUSTOMER_AS_OF(TIMESTAMP_TZ) TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT ON TABLE CUSTOMER_MERGE_SETTINGS TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT ON TABLE CUSTOMER_MERGE_QUARANTINE TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE ON TABLE CUSTOMER_MERGE_RECEIPT TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT ON TABLE CUSTOMER_HISTORY_RECUT TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE ON TABLE CUSTOMER_ERASURE TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, DELETE ON TABLE CUSTOMER_MERGE_PLAN TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, UPDATE ON TABLE CUSTOMER_MERGE_LOCK TO ROLE CUSTOMERTRACK_LOADER;
GRANT UPDATE ON TABLE CUSTOMER_RAW TO ROLE CUSTOMERTRACK_LOADER;      -- erasure removes personal values from it

-- The default lateness budget, 7 days, on a fresh install; a re-run keeps whatever was set.
INSERT INTO CUSTOMER_MERGE_SETTINGS (lateness_budget_seconds)
SELECT 604800 WHERE NOT EXISTS (SELECT 1 FROM CUSTOMER_MERGE_SETTINGS);

-- The lock's one row, which every merge updates.
INSERT INTO CUSTOMER_MERGE_LOCK (merge_started_at)
SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM CUSTOMER_MERGE_LOCK);

-- Time Travel keeps the old values of updated and deleted rows for the effective retention, then Fail-safe for 7 more
-- days (permanent tables; no one but Snowflake Support can read it). The effective retention is the larger of the
-- table's DATA_RETENTION_TIME_IN_DAYS, set to 1 here, and the account's MIN_DATA_RETENTION_TIME_IN_DAYS, which only an
-- account administrator sets (this file cannot lower it). While CUSTOMER_RAW_STREAM is not consumed, Snowflake also
-- keeps CUSTOMER_RAW's history for up to its MAX_DATA_EXTENSION_TIME_IN_DAYS so that the stream does not go stale.
-- 05_monitoring.sql reads all three and the erasure bound they give (docs/design/merge.md, "Erasure").
ALTER TABLE CUSTOMER_RAW SET DATA_RETENTION_TIME_IN_DAYS = 1;
ALTER TABLE CUSTOMER_HISTORY SET DATA_RETENTION_TIME_IN_DAYS = 1;
ALTER TABLE CUSTOMER SET DATA_RETENTION_TIME_IN_DAYS = 1;
-- 7 days instead of the default 14: an erased value can stay in CUSTOMER_RAW's history for at most that long, and the
-- staleness check of 05_monitoring.sql (stale_after less than 6 days away) fires after one day without a committed
-- merge, leaving 6 days to resume merging before the stream goes stale. Keep the two in step.
ALTER TABLE CUSTOMER_RAW SET MAX_DATA_EXTENSION_TIME_IN_DAYS = 7;

-- Customers merged before CUSTOMER_MERGE_WATERMARK existed get the newest event time merged for them: of the files in
-- the merge log only. An event still pending must not raise it: the merge would judge the customer's other pending
-- events against it and quarantine those more than the lateness budget earlier, though nothing of them was merged.
-- On a fresh install CUSTOMER_RAW is empty and this inserts nothing; a re-run finds every merged customer already there.
MERGE INTO CUSTOMER_MERGE_WATERMARK AS target
USING (SELECT customer_id, MAX(updated_at) AS last_event_at FROM CUSTOMER_RAW
       WHERE source_file IN (SELECT source_file FROM CUSTOMER_MERGE_LOG)
       GROUP BY customer_id) AS source
ON target.customer_id = source.customer_id
WHEN NOT MATCHED THEN INSERT (customer_id, last_event_at) VALUES (source.customer_id, source.last_event_at);

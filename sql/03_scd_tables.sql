-- =====================================================================================================
-- 03_scd_tables.sql: the SCD Type 1 table CUSTOMER, the SCD Type 2 table CUSTOMER_HISTORY, the merge log and the
-- merge watermark.
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
-- =====================================================================================================

USE ROLE CUSTOMERTRACK_ADMIN;
USE SCHEMA CUSTOMERTRACK.CORE;

CREATE TABLE IF NOT EXISTS CUSTOMER (
    customer_id   NUMBER(19,0)      NOT NULL PRIMARY KEY,
    first_name    VARCHAR(100),
    last_name     VARCHAR(100),
    email         VARCHAR(254),
    street        VARCHAR(200),
    city          VARCHAR(100),
    state         VARCHAR(100),
    country       VARCHAR(100),
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
    first_name    VARCHAR(100),
    last_name     VARCHAR(100),
    email         VARCHAR(254),
    street        VARCHAR(200),
    city          VARCHAR(100),
    state         VARCHAR(100),
    country       VARCHAR(100),
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

-- Point in time: every customer as CUSTOMER_HISTORY has them at event time AS_OF, one row per customer who was live
-- then (a customer deleted at or before AS_OF, or first seen after it, has no row). The history is the merged one: a
-- late event that arrived since re-cut it, so a later call for the same AS_OF can differ. The same as the plain query
--   SELECT ... FROM CUSTOMER_HISTORY WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)
-- e.g. SELECT * FROM TABLE(CUSTOMER_AS_OF('2026-01-31 12:00:00'::TIMESTAMP_NTZ)) WHERE country = 'Norway'.
CREATE OR REPLACE FUNCTION CUSTOMER_AS_OF(AS_OF TIMESTAMP_NTZ)
RETURNS TABLE (customer_id NUMBER(19,0), first_name VARCHAR, last_name VARCHAR, email VARCHAR, street VARCHAR,
               city VARCHAR, state VARCHAR, country VARCHAR, valid_from TIMESTAMP_NTZ, valid_to TIMESTAMP_NTZ)
COMMENT = 'CustomerTrack: every customer live at event time AS_OF, from CUSTOMER_HISTORY'
AS
$$
    SELECT customer_id, first_name, last_name, email, street, city, state, country, valid_from, valid_to
    FROM CUSTOMER_HISTORY
    WHERE valid_from <= AS_OF AND (valid_to IS NULL OR valid_to > AS_OF)
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE CUSTOMER TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE CUSTOMER_HISTORY TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT ON TABLE CUSTOMER_MERGE_LOG TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE ON TABLE CUSTOMER_MERGE_WATERMARK TO ROLE CUSTOMERTRACK_LOADER;
GRANT USAGE ON FUNCTION CUSTOMER_AS_OF(TIMESTAMP_NTZ) TO ROLE CUSTOMERTRACK_LOADER;

-- Customers merged before CUSTOMER_MERGE_WATERMARK existed get the newest event time CUSTOMER_RAW holds for them.
-- Higher than the truth for events still pending is safe: it only sends their customer through CUSTOMER_RAW.
-- On a fresh install CUSTOMER_RAW is empty and this inserts nothing; a re-run only adds customers whose events are
-- all still pending, which is as safe.
MERGE INTO CUSTOMER_MERGE_WATERMARK AS target
USING (SELECT customer_id, MAX(updated_at) AS last_event_at FROM CUSTOMER_RAW GROUP BY customer_id) AS source
ON target.customer_id = source.customer_id
WHEN NOT MATCHED THEN INSERT (customer_id, last_event_at) VALUES (source.customer_id, source.last_event_at);

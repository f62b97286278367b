-- =====================================================================================================
-- 03_scd_tables.sql: the SCD Type 1 table CUSTOMER, the SCD Type 2 table CUSTOMER_HISTORY and the merge log.
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
CLUSTER BY (customer_id)
COMMENT = 'CustomerTrack SCD Type 2: every version of every customer, by event time';

CREATE TABLE IF NOT EXISTS CUSTOMER_MERGE_LOG (
    source_file   VARCHAR(1024)     NOT NULL PRIMARY KEY,
    row_count     NUMBER(19,0)      NOT NULL,
    merged_at     TIMESTAMP_LTZ(6)  NOT NULL
)
COMMENT = 'CustomerTrack: files whose rows are merged into CUSTOMER and CUSTOMER_HISTORY';

GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE CUSTOMER TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE CUSTOMER_HISTORY TO ROLE CUSTOMERTRACK_LOADER;
GRANT SELECT, INSERT ON TABLE CUSTOMER_MERGE_LOG TO ROLE CUSTOMERTRACK_LOADER;

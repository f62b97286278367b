-- =====================================================================================================
-- 02_ingest.sql: from S3 into CUSTOMER_RAW. Storage integration, file format, stage, raw table, the stream the merge
-- reads it through, Snowpipe.
--
-- Run as:   ACCOUNTADMIN for the storage integration (first block), then CUSTOMERTRACK_ADMIN.
-- Idempotent: IF NOT EXISTS everywhere, so re-running never drops load history (a replaced pipe or table
--           would forget which files it loaded and load them again).
-- Before running: set the role ARN and bucket/prefix below. The bucket prefix is the one PutS3Object
--           writes VALID files to (quarantined invalid files live under another prefix and are never loaded).
--
-- Wiring S3 event notifications to the pipe (AUTO_INGEST):
--   1. DESC INTEGRATION CUSTOMERTRACK_S3; copy STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID into the
--      trust policy of the IAM role named in STORAGE_AWS_ROLE_ARN (s3:GetObject, s3:GetObjectVersion and
--      s3:ListBucket on the prefix only).
--   2. SHOW PIPES LIKE 'CUSTOMER_RAW_PIPE'; copy notification_channel (an SQS queue ARN).
--   3. In the bucket's Properties > Event notifications, add one for s3:ObjectCreated:* on the valid prefix
--      with suffix .csv, destination "SQS queue", and paste the ARN. (One SQS queue serves every pipe of
--      the account, so an existing notification on an overlapping prefix must be merged, not duplicated.)
--   4. Check: SELECT SYSTEM$PIPE_STATUS('CUSTOMERTRACK.CORE.CUSTOMER_RAW_PIPE'); executionState RUNNING.
--   Files staged before the notification existed: ALTER PIPE CUSTOMER_RAW_PIPE REFRESH (last 7 days).
-- =====================================================================================================

USE ROLE ACCOUNTADMIN;
CREATE STORAGE INTEGRATION IF NOT EXISTS CUSTOMERTRACK_S3
    TYPE = EXTERNAL_STAGE
    STORAGE_PROVIDER = 'S3'
    ENABLED = TRUE
    STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/customertrack-snowflake-read'
    STORAGE_ALLOWED_LOCATIONS = ('s3://customertrack-data-lake/customers/valid/')
    COMMENT = 'CustomerTrack: read-only access to the valid customer files (no access keys in SQL)';
GRANT USAGE ON INTEGRATION CUSTOMERTRACK_S3 TO ROLE CUSTOMERTRACK_ADMIN;

USE ROLE CUSTOMERTRACK_ADMIN;
USE SCHEMA CUSTOMERTRACK.CORE;

-- The CSV that ValidateCustomerRecord writes (the flow's CSV Writer): header line, values in double quotes where
-- needed, a quote inside a value doubled, no escape character: a backslash is data, quoted or not (ESCAPE and
-- ESCAPE_UNENCLOSED_FIELD say so; the latter defaults to a backslash). UTF-8 (the default ENCODING); empty field = NULL.
-- No ERROR_ON_COLUMN_COUNT_MISMATCH: Snowflake ignores it when a COPY or pipe selects $1..$n from the staged file, as
-- both loads here do, so a file with extra columns would load its first n silently. Nothing relies on it:
-- ValidateCustomerRecord writes valid records through the customer schema, exactly the file's columns.
CREATE FILE FORMAT IF NOT EXISTS CUSTOMER_CSV
    TYPE = CSV
    SKIP_HEADER = 1
    FIELD_DELIMITER = ','
    FIELD_OPTIONALLY_ENCLOSED_BY = '"'
    ESCAPE = NONE
    ESCAPE_UNENCLOSED_FIELD = NONE
    EMPTY_FIELD_AS_NULL = TRUE
    NULL_IF = ('')
    TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF6"Z"';

CREATE STAGE IF NOT EXISTS CUSTOMER_STAGE
    URL = 's3://customertrack-data-lake/customers/valid/'
    STORAGE_INTEGRATION = CUSTOMERTRACK_S3
    FILE_FORMAT = CUSTOMER_CSV
    COMMENT = 'Valid customer change files written by NiFi PutS3Object';

-- Append-only log of every event ever loaded. Never truncated: truncating would lose rows Snowpipe commits
-- meanwhile and erase the load metadata that stops files from loading twice. Column types and sizes are the customer
-- declaration's, which ValidateCustomerRecord enforces.
-- No clustering key: Snowflake advises one for multi-terabyte tables, and on a table loaded all day automatic
-- clustering reclusters all day (credits). At 1M customers and 100 batches this table holds about 2M narrow rows;
-- its natural order is load order, which the stream reads use. The one read by customer_id is the merge's re-read for
-- customers with late events (BENCHMARKS.md); add CLUSTER BY (customer_id) only when the table is beyond a terabyte
-- and that re-read dominates QUERY_HISTORY.
CREATE TABLE IF NOT EXISTS CUSTOMER_RAW (
    customer_id        NUMBER(19,0)      NOT NULL,
    {{column_definitions 19}}
    op                 VARCHAR(6)        NOT NULL,
    updated_at         TIMESTAMP_NTZ(6)  NOT NULL COMMENT 'event time, UTC',
    source_file        VARCHAR(1024)     NOT NULL COMMENT 'METADATA$FILENAME: path relative to the stage',
    source_row_number  NUMBER(19,0)      NOT NULL COMMENT 'METADATA$FILE_ROW_NUMBER',
    loaded_at          TIMESTAMP_LTZ(6)  NOT NULL COMMENT 'METADATA$START_SCAN_TIME'
)
COMMENT = 'CustomerTrack: every loaded customer change event (append-only)';

-- What the merge (04_merge.sql) consumes. A stream starts at its creation: a row loaded before it exists is in no stream
-- and so never merged. Hence here, right after the table and before the pipe that can load anything into it.
CREATE STREAM IF NOT EXISTS CUSTOMER_RAW_STREAM
    ON TABLE CUSTOMER_RAW
    APPEND_ONLY = TRUE
    COMMENT = 'CustomerTrack: events loaded but not yet merged';
GRANT SELECT ON STREAM CUSTOMER_RAW_STREAM TO ROLE CUSTOMERTRACK_LOADER;

-- Snowpipe. ON_ERROR = SKIP_FILE is Snowpipe's default, written out: a file with a bad row is skipped whole
-- and shows up in COPY_HISTORY (05_monitoring.sql), never half-loaded.
-- Snowpipe and TriggerSnowflakeMerge's COPY mode are exclusive: the pipe's load history and COPY's load metadata on
-- the table are kept apart, so with both live every file is loaded twice. COPY mode (accounts without S3 event
-- notifications) needs this pipe dropped or paused first: ALTER PIPE CUSTOMER_RAW_PIPE SET PIPE_EXECUTION_PAUSED = TRUE.
-- PATTERN: only the objects the flow's PutS3Object writes (Object Key #{s3.valid.prefix}/yyyy/MM/dd/HH/<uuid>.csv), so
-- a REFRESH or a stray object under the prefix (a manual upload, a temporary file) is not loaded. Snowpipe matches it
-- against the path after the stage's URL; the optional leading part also admits the full bucket path. A pipe created
-- before the PATTERN existed keeps its old definition (IF NOT EXISTS); replacing it would forget its load history.
CREATE PIPE IF NOT EXISTS CUSTOMER_RAW_PIPE
    AUTO_INGEST = TRUE
    COMMENT = 'CustomerTrack: loads each valid customer file once'
AS
COPY INTO CUSTOMER_RAW (customer_id, {{first_attributes}}, op, updated_at{{appended_attributes}},
                        source_file, source_row_number, loaded_at)
FROM (
    SELECT {{file_positions}},
           METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME
    FROM @CUSTOMER_STAGE
)
FILE_FORMAT = (FORMAT_NAME = 'CUSTOMER_CSV')
PATTERN = '(.*/)?[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[.]csv'
ON_ERROR = SKIP_FILE;

-- The loader reads CUSTOMER_RAW (the merge re-reads late customers' events) and never writes it here: Snowpipe loads
-- it as the pipe's owner. The merge's erasure scrub needs UPDATE (03_scd_tables.sql); COPY mode's INSERT and the stage
-- and file format are in 02b_copy_mode.sql, run only for that mode.
GRANT SELECT ON TABLE CUSTOMER_RAW TO ROLE CUSTOMERTRACK_LOADER;
GRANT MONITOR ON PIPE CUSTOMER_RAW_PIPE TO ROLE CUSTOMERTRACK_LOADER;

-- =====================================================================================================
-- migrate.sql: a running pipeline from declaration version {{from_version}} to version {{to_version}}, which appends
-- {{added_names}}.
-- Written by scripts/render-sql.sh --from OLD --declaration NEW --out DIR, next to NEW's full rendering in DIR.
--
-- Run as:   CUSTOMERTRACK_ADMIN, step by step, with the NiFi steps between them (docs/attributes.md, "Adding an
--           attribute"). Each step can be run again after a failure (ADD COLUMN IF NOT EXISTS, CREATE OR REPLACE).
-- Load mode: written for Snowpipe. In COPY mode (02b_copy_mode.sql, the pipe paused for good) skip steps 2 and 7 and
-- leave the pipe paused after step 5: a resumed pipe would load every file NiFi's COPY loads, twice.
-- Nothing loaded is rewritten. Existing rows hold NULL for the new attributes, and the row hash counts an appended
-- attribute only when it has a value, so every stored hash stays valid: an unchanged event after the migration opens
-- no version, and the first event that carries a value for a new attribute opens one (NULL to a value is a change).
-- Files keep their columns by position: the new attributes come after updated_at, so a file of the old shape (one
-- NiFi wrote before its parameter changed) loads with NULL for them. A COPY transformation reads $1..$n and does not
-- apply ERROR_ON_COLUMN_COUNT_MISMATCH (https://docs.snowflake.com/en/user-guide/data-load-transform).
-- =====================================================================================================

-- Step 1 (NiFi): stop PutS3Object and TriggerSnowflakeMerge. Events wait in NiFi's queues; no file lands in the stage
-- until step 7, so the pipe replaced in step 5 has no file to miss.

USE ROLE CUSTOMERTRACK_ADMIN;
USE SCHEMA CUSTOMERTRACK.CORE;

-- Step 2: let the pipe load what landed, then pause it. Repeat the first query until pendingFileCount is 0.
SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('CUSTOMERTRACK.CORE.CUSTOMER_RAW_PIPE')):pendingFileCount AS pending_files;
ALTER PIPE CUSTOMER_RAW_PIPE SET PIPE_EXECUTION_PAUSED = TRUE;

-- Step 3: stop the merge task; its procedure names the old columns until step 6 re-creates it. Events loaded meanwhile
-- wait in CUSTOMER_RAW_STREAM. SUSPEND does not stop a run under way: wait until the second query shows none.
ALTER TASK MERGE_CUSTOMER_CHANGES_TASK SUSPEND;
SELECT COUNT(*) AS runs_under_way FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'MERGE_CUSTOMER_CHANGES_TASK'))
WHERE state = 'EXECUTING';

-- Step 4: the new columns, NULL in every existing row, in every table that holds attribute values (the quarantine
-- holds keys only). ADD COLUMN appends: loads and the merge name their columns, so the position in a table is free.
{{add_columns}}

-- Step 5: the pipe with the new column list. Replacing a pipe drops its load history (the files it loaded), so:
--   * never run ALTER PIPE CUSTOMER_RAW_PIPE REFRESH from now on: it queues every file staged in the last 7 days, and
--     the history that kept those the old pipe loaded out went with the old pipe, so they could load again
--     (https://docs.snowflake.com/en/user-guide/data-load-snowpipe-manage, "Recreating pipes";
--     https://docs.snowflake.com/en/sql-reference/sql/alter-pipe);
--   * a file staged after step 2's pause (none if step 1 held) is loaded by hand with the COPY of DIR's
--     02_ingest.sql pipe body plus FILES = ('<path>', ...), naming only files that are not in CUSTOMER_RAW yet:
--       SELECT DISTINCT source_file FROM CUSTOMER_RAW WHERE loaded_at > DATEADD(day, -1, CURRENT_TIMESTAMP());
--     COPY skips files in its own load metadata, which lives on the table for 64 days and holds only what COPY loaded,
--     never what Snowpipe loaded (https://docs.snowflake.com/en/user-guide/data-load-considerations-load): it would
--     load a file twice if named twice or if the old pipe had loaded it.
--   * a file PutS3Object wrote just before step 1 may have its S3 notification reach the old pipe after step 2's
--     pause, and go with it: before step 7, compare the stage's last hour (LIST @CUSTOMER_STAGE) with
--     CUSTOMER_RAW.source_file and load any file missing from it as above.
-- As the Snowflake page on recreating pipes advises: pause the new pipe at once, check the S3 event notification
-- still points at the SQS queue of SHOW PIPES' notification_channel (it normally stays the account's queue), resume.
{{pipe}}
ALTER PIPE CUSTOMER_RAW_PIPE SET PIPE_EXECUTION_PAUSED = TRUE;
-- Replacing a pipe drops its grants too.
GRANT MONITOR ON PIPE CUSTOMER_RAW_PIPE TO ROLE CUSTOMERTRACK_LOADER;

-- Step 6: CUSTOMER_AS_OF with the new columns (below, from DIR/03_scd_tables.sql), then run DIR/04_merge.sql of the
-- new rendering: it re-creates the merge procedure and the task with the new columns and resumes the task. The rest of
-- 03 is left alone: its tables are as step 4 made them, and its settings are as the admin keeps them.
{{customer_as_of}}

-- Step 7: resume the pipe, then check executionState is RUNNING.
ALTER PIPE CUSTOMER_RAW_PIPE SET PIPE_EXECUTION_PAUSED = FALSE;
SELECT PARSE_JSON(SYSTEM$PIPE_STATUS('CUSTOMERTRACK.CORE.CUSTOMER_RAW_PIPE')):executionState AS execution_state;

-- Step 8 (NiFi): set the parameter customertrack.declaration to NEW (its JSON or its path; no new NAR), then start
-- TriggerSnowflakeMerge and PutS3Object. Files already written with the old shape load with NULL for the new attributes;
-- during NEW's previousShapeAcceptedUntil window the validator also accepts records without them.

-- =====================================================================================================
-- 02b_copy_mode.sql: ONLY for TriggerSnowflakeMerge's Load Mode `copy` (accounts without S3 event notifications,
-- where NiFi loads each file with COPY instead of Snowpipe). Skip it with Snowpipe, the default.
--
-- Run as:   CUSTOMERTRACK_ADMIN (the object grants: it owns the managed-access schema), then SECURITYADMIN.
-- Idempotent: grants can be repeated.
-- What it adds: the privileges COPY mode's statement needs (INSERT on CUSTOMER_RAW, USAGE on the stage and its file
-- format) go to CUSTOMERTRACK_COPY_LOADER (01_setup.sql), and that role to CUSTOMERTRACK_LOADER. With Snowpipe the
-- loader has no INSERT on CUSTOMER_RAW, so a stolen key cannot add events there.
-- Pause the pipe first (02_ingest.sql says why): ALTER PIPE CUSTOMER_RAW_PIPE SET PIPE_EXECUTION_PAUSED = TRUE.
-- Back to Snowpipe: REVOKE ROLE CUSTOMERTRACK_COPY_LOADER FROM ROLE CUSTOMERTRACK_LOADER (as SECURITYADMIN), resume the
-- pipe, and set the flow's snowflake.load.mode to snowpipe.
-- =====================================================================================================

USE ROLE CUSTOMERTRACK_ADMIN;
USE SCHEMA CUSTOMERTRACK.CORE;
GRANT INSERT ON TABLE CUSTOMER_RAW TO ROLE CUSTOMERTRACK_COPY_LOADER;
GRANT USAGE ON STAGE CUSTOMER_STAGE TO ROLE CUSTOMERTRACK_COPY_LOADER;
GRANT USAGE ON FILE FORMAT CUSTOMER_CSV TO ROLE CUSTOMERTRACK_COPY_LOADER;

USE ROLE SECURITYADMIN;
GRANT ROLE CUSTOMERTRACK_COPY_LOADER TO ROLE CUSTOMERTRACK_LOADER;

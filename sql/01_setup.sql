-- =====================================================================================================
-- 01_setup.sql: role, warehouse, database, schema and the NiFi service user (key-pair authentication).
--
-- Run as:   a user holding SECURITYADMIN and SYSADMIN (or ACCOUNTADMIN) in SnowSQL, Snowsight or
--           `snow sql -f sql/01_setup.sql`.
-- Idempotent: every object is created with IF NOT EXISTS; grants can be repeated.
-- Before running: replace the RSA_PUBLIC_KEY value with the public half of the key pair NiFi uses
--           (openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 des3 -inform PEM -out rsa_key.p8;
--            openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub; paste the body without the PEM lines).
-- Objects:  role CUSTOMERTRACK_LOADER (what NiFi and the merge task run as), warehouse CUSTOMERTRACK_WH
--           (X-SMALL, auto-suspend after 60 s), database CUSTOMERTRACK, schema CUSTOMERTRACK.CORE,
--           user CUSTOMERTRACK_NIFI (service user, no password).
-- Privileges are the least that the pipeline needs: usage on the warehouse, database and schema, the
-- table and stream privileges granted in 02/03/04, EXECUTE TASK for the triggered merge task, and
-- MONITOR on the pipe for SYSTEM$PIPE_STATUS. The role owns nothing outside CUSTOMERTRACK.CORE.
-- =====================================================================================================

USE ROLE SECURITYADMIN;
CREATE ROLE IF NOT EXISTS CUSTOMERTRACK_LOADER COMMENT = 'CustomerTrack: NiFi service user and merge task';
CREATE ROLE IF NOT EXISTS CUSTOMERTRACK_ADMIN COMMENT = 'CustomerTrack: owns the CustomerTrack database objects';
GRANT ROLE CUSTOMERTRACK_LOADER TO ROLE CUSTOMERTRACK_ADMIN;
GRANT ROLE CUSTOMERTRACK_ADMIN TO ROLE SYSADMIN;

USE ROLE SYSADMIN;
CREATE WAREHOUSE IF NOT EXISTS CUSTOMERTRACK_WH
    WAREHOUSE_SIZE = 'XSMALL'
    AUTO_SUSPEND = 60
    AUTO_RESUME = TRUE
    INITIALLY_SUSPENDED = TRUE
    COMMENT = 'CustomerTrack merges (Snowpipe itself is serverless)';
CREATE DATABASE IF NOT EXISTS CUSTOMERTRACK COMMENT = 'CustomerTrack customer data';
CREATE SCHEMA IF NOT EXISTS CUSTOMERTRACK.CORE WITH MANAGED ACCESS COMMENT = 'Raw events, SCD1 and SCD2 customer tables';

GRANT OWNERSHIP ON DATABASE CUSTOMERTRACK TO ROLE CUSTOMERTRACK_ADMIN COPY CURRENT GRANTS;
GRANT OWNERSHIP ON SCHEMA CUSTOMERTRACK.CORE TO ROLE CUSTOMERTRACK_ADMIN COPY CURRENT GRANTS;
GRANT USAGE, OPERATE ON WAREHOUSE CUSTOMERTRACK_WH TO ROLE CUSTOMERTRACK_ADMIN;
GRANT USAGE ON WAREHOUSE CUSTOMERTRACK_WH TO ROLE CUSTOMERTRACK_LOADER;
GRANT USAGE ON DATABASE CUSTOMERTRACK TO ROLE CUSTOMERTRACK_LOADER;
GRANT USAGE ON SCHEMA CUSTOMERTRACK.CORE TO ROLE CUSTOMERTRACK_LOADER;

USE ROLE ACCOUNTADMIN;
-- Tasks run with the privileges of their owner; the owner needs EXECUTE TASK (and EXECUTE MANAGED TASK for serverless).
GRANT EXECUTE TASK ON ACCOUNT TO ROLE CUSTOMERTRACK_ADMIN;

USE ROLE SECURITYADMIN;
CREATE USER IF NOT EXISTS CUSTOMERTRACK_NIFI
    TYPE = SERVICE
    DEFAULT_ROLE = CUSTOMERTRACK_LOADER
    DEFAULT_WAREHOUSE = CUSTOMERTRACK_WH
    DEFAULT_NAMESPACE = CUSTOMERTRACK.CORE
    RSA_PUBLIC_KEY = 'MIIBIjANBgkqh...replace-with-your-public-key...'
    COMMENT = 'CustomerTrack NiFi flow (key-pair authentication only)';
GRANT ROLE CUSTOMERTRACK_LOADER TO USER CUSTOMERTRACK_NIFI;

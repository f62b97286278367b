-- =====================================================================================================
-- 01_setup.sql: roles, warehouse, database, schema, the NiFi service user (key-pair authentication) and the network
-- policy that limits where that user may connect from.
--
-- Run as:   a user holding SECURITYADMIN and SYSADMIN (or ACCOUNTADMIN) in SnowSQL, Snowsight or
--           `snow sql -f sql/01_setup.sql`.
-- Idempotent: every object is created with IF NOT EXISTS; grants can be repeated.
-- Before running: replace the RSA_PUBLIC_KEY value with the public half of the key pair NiFi uses
--           (openssl genrsa 2048 | openssl pkcs8 -topk8 -v2 des3 -inform PEM -out rsa_key.p8;
--            openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub; paste the body without the PEM lines),
--           and the network policy's ALLOWED_IP_LIST with the addresses NiFi's nodes connect from (their NAT or
--           egress addresses; 203.0.113.0/24 is a documentation range that matches nothing).
-- Objects:  role CUSTOMERTRACK_LOADER (what NiFi runs as), role CUSTOMERTRACK_COPY_LOADER (only what COPY mode adds:
--           02b_copy_mode.sql grants it to the loader when that mode is used), role CUSTOMERTRACK_ADMIN (owns the
--           objects; the merge task and the merge procedure run as it), warehouse CUSTOMERTRACK_WH (X-SMALL,
--           auto-suspend after 60 s), database CUSTOMERTRACK, schema CUSTOMERTRACK.CORE, user CUSTOMERTRACK_NIFI
--           (service user, no password) and network policy CUSTOMERTRACK_NIFI_NETWORK.
-- Privileges are the least that the statements NiFi runs need (docs/operations/snowflake.md, "Privileges"): usage on
-- the warehouse, database and schema, and the table and stream privileges granted in 02/03 for the merge it runs.
-- The loader can neither load files (INSERT on CUSTOMER_RAW is COPY mode's, 02b) nor operate the task; MONITOR on the
-- pipe and the task lets it read their status (05_monitoring.sql). The role owns nothing.
-- =====================================================================================================

USE ROLE SECURITYADMIN;
CREATE ROLE IF NOT EXISTS CUSTOMERTRACK_LOADER COMMENT = 'CustomerTrack: NiFi service user (look-ups and the merge)';
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

-- COPY mode's extra privileges live in a role of their own, granted to the loader only where COPY mode is used
-- (02b_copy_mode.sql): with Snowpipe loading, a stolen key cannot add rows to CUSTOMER_RAW.
CREATE ROLE IF NOT EXISTS CUSTOMERTRACK_COPY_LOADER COMMENT = 'CustomerTrack: COPY mode only: load staged files into CUSTOMER_RAW';
GRANT ROLE CUSTOMERTRACK_COPY_LOADER TO ROLE CUSTOMERTRACK_ADMIN;

-- The service user may connect only from NiFi's addresses: a stolen key is useless elsewhere. A user-level policy
-- replaces the account's for this user. Replace the placeholder before running, or this user cannot log in at all;
-- CREATE OR ALTER applies a changed list on a re-run.
CREATE OR ALTER NETWORK POLICY CUSTOMERTRACK_NIFI_NETWORK
    ALLOWED_IP_LIST = ('203.0.113.0/24')
    COMMENT = 'CustomerTrack: the addresses NiFi connects from (replace the documentation range)';
ALTER USER CUSTOMERTRACK_NIFI SET NETWORK_POLICY = CUSTOMERTRACK_NIFI_NETWORK;

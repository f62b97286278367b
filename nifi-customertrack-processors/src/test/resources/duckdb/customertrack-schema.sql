-- DuckDB stand-in for sql/02_ingest.sql and sql/03_scd_tables.sql (same tables and columns; DuckDB types).
-- Snowflake's stream is emulated by a view: rows of customer_raw whose file is not in the merge log. The merge
-- script's last statement writes the log inside the merge transaction, which is exactly when a Snowflake stream's
-- offset moves, so the merge DML runs here unchanged.
CREATE TABLE customer_raw (
    customer_id        BIGINT       NOT NULL,
    first_name         VARCHAR(100),
    last_name          VARCHAR(100),
    email              VARCHAR(254),
    street             VARCHAR(200),
    city               VARCHAR(100),
    state              VARCHAR(100),
    country            VARCHAR(100),
    op                 VARCHAR(6)   NOT NULL,
    updated_at         TIMESTAMP    NOT NULL,
    source_file        VARCHAR      NOT NULL,
    source_row_number  BIGINT       NOT NULL,
    loaded_at          TIMESTAMPTZ  NOT NULL
);
CREATE TABLE customer (
    customer_id   BIGINT       NOT NULL PRIMARY KEY,
    first_name    VARCHAR(100),
    last_name     VARCHAR(100),
    email         VARCHAR(254),
    street        VARCHAR(200),
    city          VARCHAR(100),
    state         VARCHAR(100),
    country       VARCHAR(100),
    row_hash      VARCHAR(32)  NOT NULL,
    updated_at    TIMESTAMP    NOT NULL,
    is_deleted    BOOLEAN      NOT NULL,
    deleted_at    TIMESTAMP
);
CREATE TABLE customer_history (
    customer_id   BIGINT       NOT NULL,
    first_name    VARCHAR(100),
    last_name     VARCHAR(100),
    email         VARCHAR(254),
    street        VARCHAR(200),
    city          VARCHAR(100),
    state         VARCHAR(100),
    country       VARCHAR(100),
    row_hash      VARCHAR(32)  NOT NULL,
    valid_from    TIMESTAMP    NOT NULL,
    valid_to      TIMESTAMP,
    is_current    BOOLEAN      NOT NULL,
    PRIMARY KEY (customer_id, valid_from)
);
CREATE TABLE customer_merge_log (
    source_file   VARCHAR      NOT NULL PRIMARY KEY,
    row_count     BIGINT       NOT NULL,
    merged_at     TIMESTAMPTZ  NOT NULL
);
CREATE VIEW customer_raw_stream AS
SELECT r.* FROM customer_raw AS r
WHERE r.source_file NOT IN (SELECT source_file FROM customer_merge_log);

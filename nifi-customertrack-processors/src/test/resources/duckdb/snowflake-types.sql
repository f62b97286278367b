-- Snowflake type names that the merge DML (sql/04, run unchanged on DuckDB) uses, as DuckDB aliases. sql/04 types its
-- open-version sentinel TIMESTAMP_NTZ, since a bare TIMESTAMP literal follows the account's TIMESTAMP_TYPE_MAPPING.
CREATE TYPE timestamp_ntz AS TIMESTAMP;

-- Stand-in for Snowflake's stream CUSTOMER_RAW_STREAM where there is none: DuckDB (the tests, scripts/run-local.sh)
-- and fakesnow (the Docker local profile). The stream becomes a view: rows of customer_raw whose file is not in the
-- merge log. The merge script's last statement writes the log inside the merge transaction, which is exactly when a
-- Snowflake stream's offset moves, so the merge DML of sql/04_merge.sql runs unchanged on top of it.
-- The pending files are found first (one narrow pass over source_file) so that DuckDB can push them into the scan of
-- customer_raw as a filter: like a real stream, reading it then costs the new rows, not the whole table.
CREATE OR REPLACE VIEW customer_raw_stream AS
SELECT r.* FROM customer_raw AS r
WHERE r.source_file IN (
    SELECT f.source_file
    FROM (SELECT DISTINCT source_file FROM customer_raw) AS f
    WHERE f.source_file NOT IN (SELECT source_file FROM customer_merge_log)
);

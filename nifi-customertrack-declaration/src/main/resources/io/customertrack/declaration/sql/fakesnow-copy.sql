INSERT INTO customer_raw
SELECT customer_id, {{attributes}}, op,
       CAST(updated_at AS TIMESTAMP_NTZ), filename, ROW_NUMBER() OVER (PARTITION BY filename), CURRENT_TIMESTAMP
FROM read_csv([{files}], header = true, filename = true, auto_detect = true, all_varchar = true, quote = '"', escape = '"')

INSERT INTO customer_raw
SELECT customer_id, first_name, last_name, email, street, city, state, country, op,
       CAST(updated_at AS TIMESTAMP_NTZ), filename, ROW_NUMBER() OVER (PARTITION BY filename), CURRENT_TIMESTAMP
FROM read_csv([{files}], header = true, filename = true, auto_detect = true, all_varchar = true, quote = '"', escape = '"')

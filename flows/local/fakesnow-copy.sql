INSERT INTO customer_raw (customer_id, first_name, last_name, email, street, city, state, country, op, updated_at,
                          source_file, source_row_number, loaded_at)
SELECT customer_id, first_name, last_name, email, street, city, state, country, op,
       CAST(updated_at AS TIMESTAMP_NTZ), filename, ROW_NUMBER() OVER (PARTITION BY filename), CURRENT_TIMESTAMP
FROM (SELECT * FROM read_csv([{files}], header = true, filename = true, auto_detect = true, all_varchar = true,
                             union_by_name = true, quote = '"', escape = '"'))

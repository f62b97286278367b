INSERT INTO customer_raw (customer_id, {{attributes}}, op, updated_at,
                          source_file, source_row_number, loaded_at)
SELECT customer_id, {{attributes}}, op,
       CAST(updated_at AS TIMESTAMP), filename, ROW_NUMBER() OVER (PARTITION BY filename), CURRENT_TIMESTAMP
FROM read_csv([{files}], header = true, filename = true, auto_detect = false, quote = '"', escape = '"',{{null_padding}}
              columns = {'customer_id': 'BIGINT', {{csv_text_columns}}, 'op': 'VARCHAR',
                         'updated_at': 'VARCHAR'{{appended_csv_text_columns}}})

INSERT INTO customer_raw
SELECT customer_id, {{attributes}}, op,
       CAST(updated_at AS TIMESTAMP), filename, ROW_NUMBER() OVER (PARTITION BY filename), CURRENT_TIMESTAMP
FROM read_csv([{files}], header = true, filename = true, auto_detect = false, quote = '"', escape = '"',
              columns = {'customer_id': 'BIGINT', {{csv_text_columns}}, 'op': 'VARCHAR',
                         'updated_at': 'VARCHAR'})

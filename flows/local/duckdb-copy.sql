INSERT INTO customer_raw (customer_id, first_name, last_name, email, street, city, state, country, op, updated_at,
                          source_file, source_row_number, loaded_at)
SELECT customer_id, first_name, last_name, email, street, city, state, country, op,
       CAST(updated_at AS TIMESTAMP), filename, ROW_NUMBER() OVER (PARTITION BY filename), CURRENT_TIMESTAMP
FROM read_csv([{files}], header = true, filename = true, auto_detect = false, quote = '"', escape = '"',
              columns = {'customer_id': 'BIGINT', 'first_name': 'VARCHAR', 'last_name': 'VARCHAR', 'email': 'VARCHAR',
                                                  'street': 'VARCHAR', 'city': 'VARCHAR', 'state': 'VARCHAR',
                                                  'country': 'VARCHAR', 'op': 'VARCHAR',
                         'updated_at': 'VARCHAR'})

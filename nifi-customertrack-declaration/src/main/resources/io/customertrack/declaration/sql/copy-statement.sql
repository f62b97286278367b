COPY INTO customer_raw (customer_id, {{first_attributes}}, op, updated_at{{appended_attributes}},
                        source_file, source_row_number, loaded_at)
FROM (SELECT {{file_positions}},
             METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME
      FROM @customer_stage)
FILES = ({files})
FILE_FORMAT = (FORMAT_NAME = 'CUSTOMER_CSV')
ON_ERROR = ABORT_STATEMENT

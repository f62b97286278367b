-- The end of a customer's newest version, aggregated over its versions {{alias}}: MAX_BY may skip NULL values (DuckDB
-- does), and NULL is exactly the open version's valid_to, so it goes through a sentinel that no event time reaches.
NULLIF(MAX_BY(COALESCE({{alias}}valid_to, '9999-12-31 00:00:00'::TIMESTAMP_NTZ), {{alias}}valid_from),
       '9999-12-31 00:00:00'::TIMESTAMP_NTZ)

-- The newest version of every customer the batch mentions, one row each: its start, its end and its row hash. The
-- merge reads it twice, to flag or remove CUSTOMER rows and to write the missing ones.
SELECT h.customer_id, MAX(h.valid_from) AS valid_from,
       {{newest_valid_to}} AS valid_to,
       MAX_BY(h.row_hash, h.valid_from) AS row_hash
FROM customer_history AS h
WHERE h.customer_id IN (SELECT customer_id FROM customer_raw_stream)
GROUP BY h.customer_id

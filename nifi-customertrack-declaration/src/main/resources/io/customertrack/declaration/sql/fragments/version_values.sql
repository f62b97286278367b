-- Untracked attributes: a version holds their values of its latest event, the last before the next event
-- that opens or closes a version (the running count of those numbers the versions); its row hash is of the
-- values it holds.
SELECT customer_id, {{attributes}}, op, updated_at, source_file, is_new, is_effective, tracked_hash,
       {{row_hash}} AS row_hash
FROM (
    SELECT customer_id,
           {{latest_values}},
           op, updated_at, source_file, is_new, is_effective, tracked_hash
    FROM (
        SELECT judged.*,
               COUNT_IF(is_effective) OVER (PARTITION BY customer_id ORDER BY updated_at
                                            ROWS UNBOUNDED PRECEDING) AS version_number
        FROM judged
    ) AS numbered
) AS latest

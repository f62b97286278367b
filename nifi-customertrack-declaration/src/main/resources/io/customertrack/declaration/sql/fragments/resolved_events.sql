-- Partial updates: an UPDATE's empty attribute keeps the value it had, the newest one set at or before it
-- since the customer's last INSERT (which starts afresh) or the last row that carries a version's values.
-- DELETEs set nothing. Such a row is the anchor from CUSTOMER, or, where events are re-read from the anchor
-- on, the version before the anchor, a seed that lends its values and is no event: they are the customer's
-- just before the anchor (the untracked ones of its latest event). Per attribute, the rows from one setting
-- row to the next form a group (the running count of values set), and each takes the group's first value.
-- The row hash is then of the values resolved.
SELECT customer_id, {{attributes}}, op, updated_at, source_file, source_row_number, is_new,
       {{row_hash}} AS row_hash
FROM (
    SELECT customer_id,
           {{resolved_values}},
           op, updated_at, source_file, source_row_number, is_new, is_seed
    FROM (
        SELECT grouped.*,
               {{set_counts}}
        FROM (
            SELECT with_seeds.*,
                   COUNT_IF(op = 'INSERT' OR is_version) OVER (PARTITION BY customer_id ORDER BY updated_at
                                                               ROWS UNBOUNDED PRECEDING) AS values_group
            FROM (
                SELECT customer_id, {{attributes}}, op, updated_at, source_file, source_row_number, is_new,
                       is_version, FALSE AS is_seed
                FROM events
                UNION ALL
                SELECT * FROM (
                    SELECT h.customer_id, {{attributes h.}}, 'UPDATE' AS op, h.valid_from AS updated_at,
                           NULL AS source_file, NULL AS source_row_number, FALSE AS is_new, TRUE AS is_version,
                           TRUE AS is_seed
                    FROM customer_history AS h
                    JOIN anchors AS a ON a.customer_id = h.customer_id AND h.valid_from < a.anchor_at
                    WHERE a.reads_raw
                    QUALIFY ROW_NUMBER() OVER (PARTITION BY h.customer_id ORDER BY h.valid_from DESC) = 1
                ) AS seeds
            ) AS with_seeds
        ) AS grouped
    ) AS counted
) AS resolved_values
WHERE NOT is_seed

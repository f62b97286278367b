-- One text value of the row hash: its length, a colon and the value, or '~' for NULL, so that no two different rows of
-- values join to the same text (the row hash is MD5 of these, comma-separated, in declared order). Stored hashes
-- depend on this text: changing it makes every existing version look changed.
COALESCE(CAST(LENGTH({{value}}) AS VARCHAR) || ':' || {{value}}, '~')

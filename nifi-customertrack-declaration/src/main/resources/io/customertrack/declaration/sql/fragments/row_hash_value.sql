-- One text value as the row hash reads it: its length, a colon and the value, so that no two different rows of values
-- join to the same text (the row hash is MD5 of the attributes' values, comma-separated, in declared order; NULL is
-- '~'). Stored hashes depend on this text: changing it makes every existing version look changed.
CAST(LENGTH({{value}}) AS VARCHAR) || ':' || {{value}}

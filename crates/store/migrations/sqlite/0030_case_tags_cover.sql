-- On PostgreSQL this migration lets a page's case tags be read from the
-- primary key alone. SQLite reads them from the primary key's index and
-- the row beside it at no cost worth changing the table for: nothing to do.
SELECT 1;

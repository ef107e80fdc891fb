-- Postgres leaves room in the report cubes' pages for in-place updates here;
-- SQLite has no fillfactor, so this migration only keeps the numbering aligned.
SELECT 1;

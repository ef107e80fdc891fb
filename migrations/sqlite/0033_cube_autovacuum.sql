-- Postgres tunes autovacuum for the report cubes here; SQLite has no autovacuum
-- settings per table, so this migration only keeps the numbering aligned.
SELECT 1;

-- The conversion cubes of the Postgres migration serve reports there only;
-- SQLite, the embedded mode, groups its few conversions directly. This keeps
-- the numbering aligned.
SELECT 1;

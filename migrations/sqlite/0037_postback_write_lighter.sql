-- The Postgres migration of this number lightens the postback write path
-- (a foreign key check per S2S attempt, an index entry per conversion);
-- SQLite, the embedded mode, keeps its schema. This keeps the numbering
-- aligned.
SELECT 1;

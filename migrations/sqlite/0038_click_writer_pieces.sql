-- The Postgres migration of this number orders the sub_id_1 cube trigger's
-- upserts for the click writer's paced pieces; SQLite, the embedded mode,
-- has one writer and no such trigger. This keeps the numbering aligned.
SELECT 1;

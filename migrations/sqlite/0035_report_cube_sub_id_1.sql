-- Conversions get a copy of their click's sub_id_1, as on Postgres. The
-- daily sub_id_1 rollup of the Postgres migration is not built here: SQLite
-- is the embedded mode, where raw clicks are few enough to scan.
ALTER TABLE conversions ADD COLUMN sub_id_1 TEXT NOT NULL DEFAULT '';
UPDATE conversions SET sub_id_1 = COALESCE((SELECT k.sub_id_1 FROM clicks k WHERE k.id = conversions.click_id LIMIT 1), '')
    WHERE attributed;

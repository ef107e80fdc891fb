-- The primary key (id, created_at) already serves lookups by id; a second
-- index on id only cost every click insert one more index update.
DROP INDEX IF EXISTS clicks_id_idx;

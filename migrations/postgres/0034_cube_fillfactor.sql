-- Cube rows are updated in place by every click-writer batch (counters
-- only, never an indexed column). In full pages each update puts the new row
-- version on another page and a new entry in every index, and the tables
-- grow far past their live size (seen: 1 GB for 15k live rows after seeding
-- 10M clicks). With room left in each page Postgres keeps the new version in
-- the same page (a HOT update: no index entry) and prunes old versions as it
-- goes. Applies to pages written from now on; VACUUM FULL rewrites the rest.
ALTER TABLE report_cube_entities SET (fillfactor = 50);
ALTER TABLE report_cube_countries SET (fillfactor = 50);
ALTER TABLE report_cube_entities_daily SET (fillfactor = 50);
ALTER TABLE report_cube_countries_daily SET (fillfactor = 50);

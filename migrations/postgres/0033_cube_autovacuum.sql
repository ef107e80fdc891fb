-- The daily cubes are small but rewritten by a trigger on every click-writer
-- batch, so they pile up dead rows fast (seen: 1,860 live rows, 5M dead, 759 MB
-- after seeding 10M clicks, and a dashboard query at 300 ms instead of 3 ms).
-- Vacuum them after a fixed number of dead rows, not a share of a tiny table.
ALTER TABLE report_cube_entities_daily SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
ALTER TABLE report_cube_countries_daily SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
ALTER TABLE report_cube_entities SET (autovacuum_vacuum_scale_factor = 0.02);
ALTER TABLE report_cube_countries SET (autovacuum_vacuum_scale_factor = 0.02);

-- Reports filter the hourly cubes by an hour range, then often by campaign
-- (a buyer's campaign page): one index serves both.
DROP INDEX report_cube_entities_hour_idx;
CREATE INDEX report_cube_entities_hour_idx ON report_cube_entities (hour, campaign_id);
DROP INDEX report_cube_countries_hour_idx;
CREATE INDEX report_cube_countries_hour_idx ON report_cube_countries (hour, campaign_id);

-- Daily cubes beside the hourly ones of 0030: one row per UTC day and key
-- instead of one per hour, so a 30-day report over whole UTC days reads
-- ~24 times fewer rows. The planner serves from them the whole UTC days of
-- a range that each fall inside one time bucket of the report (every day in
-- UTC, or any zone when the report has no time grouping); the hourly cubes
-- (and raw clicks for split hours) serve the rest. Kept the same way as the
-- hourly cubes: triggers append deltas, the Maintainer compacts them.

CREATE TABLE report_cube_entities_daily (
    day TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    stream_id BIGINT NOT NULL DEFAULT 0,
    offer_id BIGINT NOT NULL DEFAULT 0,
    landing_id BIGINT NOT NULL DEFAULT 0,
    ts_id BIGINT NOT NULL DEFAULT 0,
    affiliate_network_id BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    campaign_unique_clicks BIGINT NOT NULL DEFAULT 0,
    stream_unique_clicks BIGINT NOT NULL DEFAULT 0,
    global_unique_clicks BIGINT NOT NULL DEFAULT 0,
    bots BIGINT NOT NULL DEFAULT 0,
    empty_referrers BIGINT NOT NULL DEFAULT 0,
    lp_clicks BIGINT NOT NULL DEFAULT 0,
    cost NUMERIC(18,4) NOT NULL DEFAULT 0
);
CREATE INDEX report_cube_entities_daily_day_idx ON report_cube_entities_daily (day, campaign_id);

CREATE TABLE report_cube_countries_daily (
    day TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    country TEXT NOT NULL DEFAULT '',
    clicks BIGINT NOT NULL DEFAULT 0,
    campaign_unique_clicks BIGINT NOT NULL DEFAULT 0,
    stream_unique_clicks BIGINT NOT NULL DEFAULT 0,
    global_unique_clicks BIGINT NOT NULL DEFAULT 0,
    bots BIGINT NOT NULL DEFAULT 0,
    empty_referrers BIGINT NOT NULL DEFAULT 0,
    lp_clicks BIGINT NOT NULL DEFAULT 0,
    cost NUMERIC(18,4) NOT NULL DEFAULT 0
);
CREATE INDEX report_cube_countries_daily_day_idx ON report_cube_countries_daily (day, campaign_id);

CREATE FUNCTION report_cube_daily_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM new_rows GROUP BY 1, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM new_rows GROUP BY 1, campaign_id, country;
RETURN NULL;
END $$;

CREATE FUNCTION report_cube_daily_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM (SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost FROM new_rows UNION ALL SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, -clicks AS clicks, -campaign_unique_clicks AS campaign_unique_clicks, -stream_unique_clicks AS stream_unique_clicks, -global_unique_clicks AS global_unique_clicks, -bots AS bots, -empty_referrers AS empty_referrers, -lp_clicks AS lp_clicks, -cost AS cost FROM old_rows) AS d GROUP BY 1, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM (SELECT hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost FROM new_rows UNION ALL SELECT hour, campaign_id, country, -clicks AS clicks, -campaign_unique_clicks AS campaign_unique_clicks, -stream_unique_clicks AS stream_unique_clicks, -global_unique_clicks AS global_unique_clicks, -bots AS bots, -empty_referrers AS empty_referrers, -lp_clicks AS lp_clicks, -cost AS cost FROM old_rows) AS d GROUP BY 1, campaign_id, country;
RETURN NULL;
END $$;

CREATE FUNCTION report_cube_daily_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(-clicks), SUM(-campaign_unique_clicks), SUM(-stream_unique_clicks), SUM(-global_unique_clicks), SUM(-bots), SUM(-empty_referrers), SUM(-lp_clicks), SUM(-cost) FROM old_rows GROUP BY 1, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, country, SUM(-clicks), SUM(-campaign_unique_clicks), SUM(-stream_unique_clicks), SUM(-global_unique_clicks), SUM(-bots), SUM(-empty_referrers), SUM(-lp_clicks), SUM(-cost) FROM old_rows GROUP BY 1, campaign_id, country;
RETURN NULL;
END $$;

CREATE TRIGGER report_cube_daily_insert AFTER INSERT ON click_stats_hourly
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cube_daily_on_insert();
CREATE TRIGGER report_cube_daily_update AFTER UPDATE ON click_stats_hourly
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cube_daily_on_update();
CREATE TRIGGER report_cube_daily_delete AFTER DELETE ON click_stats_hourly
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cube_daily_on_delete();

-- Backfill from rows written before this migration.
INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY 1, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY 1, campaign_id, country;

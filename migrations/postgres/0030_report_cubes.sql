-- Narrow hourly cubes of click_stats_hourly for the report planner. The full
-- rollup keys 13 dimensions and holds about one row per click at realistic
-- traffic; these keep only the dimensions most reports group by, so a 30-day
-- campaign x country report reads thousands of rows, not millions.
-- Triggers on click_stats_hourly append deltas (insert-only: no row locks
-- shared between concurrent click writers, hence no deadlocks); the report
-- maintainer compacts them. Reports SUM them, so deltas are always exact.

CREATE TABLE report_cube_entities (
    hour TIMESTAMPTZ NOT NULL,
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
CREATE INDEX report_cube_entities_hour_idx ON report_cube_entities (hour);

CREATE TABLE report_cube_countries (
    hour TIMESTAMPTZ NOT NULL,
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
CREATE INDEX report_cube_countries_hour_idx ON report_cube_countries (hour);

CREATE FUNCTION report_cube_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM new_rows GROUP BY hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM new_rows GROUP BY hour, campaign_id, country;
RETURN NULL;
END $$;

CREATE FUNCTION report_cube_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM (SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost FROM new_rows UNION ALL SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, -clicks, -campaign_unique_clicks, -stream_unique_clicks, -global_unique_clicks, -bots, -empty_referrers, -lp_clicks, -cost FROM old_rows) AS d GROUP BY hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM (SELECT hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost FROM new_rows UNION ALL SELECT hour, campaign_id, country, -clicks, -campaign_unique_clicks, -stream_unique_clicks, -global_unique_clicks, -bots, -empty_referrers, -lp_clicks, -cost FROM old_rows) AS d GROUP BY hour, campaign_id, country;
RETURN NULL;
END $$;

CREATE FUNCTION report_cube_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM (SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, -clicks AS clicks, -campaign_unique_clicks AS campaign_unique_clicks, -stream_unique_clicks AS stream_unique_clicks, -global_unique_clicks AS global_unique_clicks, -bots AS bots, -empty_referrers AS empty_referrers, -lp_clicks AS lp_clicks, -cost AS cost FROM old_rows) AS d GROUP BY hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM (SELECT hour, campaign_id, country, -clicks AS clicks, -campaign_unique_clicks AS campaign_unique_clicks, -stream_unique_clicks AS stream_unique_clicks, -global_unique_clicks AS global_unique_clicks, -bots AS bots, -empty_referrers AS empty_referrers, -lp_clicks AS lp_clicks, -cost AS cost FROM old_rows) AS d GROUP BY hour, campaign_id, country;
RETURN NULL;
END $$;

CREATE TRIGGER report_cube_insert AFTER INSERT ON click_stats_hourly
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cube_on_insert();
CREATE TRIGGER report_cube_update AFTER UPDATE ON click_stats_hourly
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cube_on_update();
CREATE TRIGGER report_cube_delete AFTER DELETE ON click_stats_hourly
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_cube_on_delete();

-- Backfill from rows written before this migration.
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT hour, campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY hour, campaign_id, country;

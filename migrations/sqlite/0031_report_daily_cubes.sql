-- Daily cubes beside the hourly ones of 0030: one row per UTC day and key
-- instead of one per hour, so a 30-day report over whole UTC days reads
-- ~24 times fewer rows. The planner serves from them the whole UTC days of
-- a range that each fall inside one time bucket of the report (every day in
-- UTC, or any zone when the report has no time grouping); the hourly cubes
-- (and raw clicks for split hours) serve the rest. Kept the same way as the
-- hourly cubes: triggers append deltas, the Maintainer compacts them.

CREATE TABLE report_cube_entities_daily (
    day DATETIME NOT NULL,
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
    cost REAL NOT NULL DEFAULT 0
);
CREATE INDEX report_cube_entities_daily_day_idx ON report_cube_entities_daily (day, campaign_id);

CREATE TABLE report_cube_countries_daily (
    day DATETIME NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    country TEXT NOT NULL DEFAULT '',
    clicks BIGINT NOT NULL DEFAULT 0,
    campaign_unique_clicks BIGINT NOT NULL DEFAULT 0,
    stream_unique_clicks BIGINT NOT NULL DEFAULT 0,
    global_unique_clicks BIGINT NOT NULL DEFAULT 0,
    bots BIGINT NOT NULL DEFAULT 0,
    empty_referrers BIGINT NOT NULL DEFAULT 0,
    lp_clicks BIGINT NOT NULL DEFAULT 0,
    cost REAL NOT NULL DEFAULT 0
);
CREATE INDEX report_cube_countries_daily_day_idx ON report_cube_countries_daily (day, campaign_id);

CREATE TRIGGER report_cube_daily_insert AFTER INSERT ON click_stats_hourly BEGIN
    INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (strftime('%Y-%m-%d 00:00:00+00:00', NEW.hour), NEW.campaign_id, NEW.stream_id, NEW.offer_id, NEW.landing_id, NEW.ts_id, NEW.affiliate_network_id, NEW.clicks, NEW.campaign_unique_clicks, NEW.stream_unique_clicks, NEW.global_unique_clicks, NEW.bots, NEW.empty_referrers, NEW.lp_clicks, NEW.cost);
    INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (strftime('%Y-%m-%d 00:00:00+00:00', NEW.hour), NEW.campaign_id, NEW.country, NEW.clicks, NEW.campaign_unique_clicks, NEW.stream_unique_clicks, NEW.global_unique_clicks, NEW.bots, NEW.empty_referrers, NEW.lp_clicks, NEW.cost);
END;

CREATE TRIGGER report_cube_daily_update AFTER UPDATE ON click_stats_hourly BEGIN
    INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (strftime('%Y-%m-%d 00:00:00+00:00', NEW.hour), NEW.campaign_id, NEW.stream_id, NEW.offer_id, NEW.landing_id, NEW.ts_id, NEW.affiliate_network_id, NEW.clicks - OLD.clicks, NEW.campaign_unique_clicks - OLD.campaign_unique_clicks, NEW.stream_unique_clicks - OLD.stream_unique_clicks, NEW.global_unique_clicks - OLD.global_unique_clicks, NEW.bots - OLD.bots, NEW.empty_referrers - OLD.empty_referrers, NEW.lp_clicks - OLD.lp_clicks, NEW.cost - OLD.cost);
    INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (strftime('%Y-%m-%d 00:00:00+00:00', NEW.hour), NEW.campaign_id, NEW.country, NEW.clicks - OLD.clicks, NEW.campaign_unique_clicks - OLD.campaign_unique_clicks, NEW.stream_unique_clicks - OLD.stream_unique_clicks, NEW.global_unique_clicks - OLD.global_unique_clicks, NEW.bots - OLD.bots, NEW.empty_referrers - OLD.empty_referrers, NEW.lp_clicks - OLD.lp_clicks, NEW.cost - OLD.cost);
END;

CREATE TRIGGER report_cube_daily_delete AFTER DELETE ON click_stats_hourly BEGIN
    INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (strftime('%Y-%m-%d 00:00:00+00:00', OLD.hour), OLD.campaign_id, OLD.stream_id, OLD.offer_id, OLD.landing_id, OLD.ts_id, OLD.affiliate_network_id, -OLD.clicks, -OLD.campaign_unique_clicks, -OLD.stream_unique_clicks, -OLD.global_unique_clicks, -OLD.bots, -OLD.empty_referrers, -OLD.lp_clicks, -OLD.cost);
    INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (strftime('%Y-%m-%d 00:00:00+00:00', OLD.hour), OLD.campaign_id, OLD.country, -OLD.clicks, -OLD.campaign_unique_clicks, -OLD.stream_unique_clicks, -OLD.global_unique_clicks, -OLD.bots, -OLD.empty_referrers, -OLD.lp_clicks, -OLD.cost);
END;

-- Backfill from rows written before this migration.
INSERT INTO report_cube_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) SELECT strftime('%Y-%m-%d 00:00:00+00:00', click_stats_hourly.hour), campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY 1, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
INSERT INTO report_cube_countries_daily (day, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) SELECT strftime('%Y-%m-%d 00:00:00+00:00', click_stats_hourly.hour), campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY 1, campaign_id, country;

-- Narrow hourly cubes of click_stats_hourly for the report planner. The full
-- rollup keys 13 dimensions and holds about one row per click at realistic
-- traffic; these keep only the dimensions most reports group by, so a 30-day
-- campaign x country report reads thousands of rows, not millions.
-- Triggers on click_stats_hourly append deltas (insert-only: no row locks
-- shared between concurrent click writers, hence no deadlocks); the report
-- maintainer compacts them. Reports SUM them, so deltas are always exact.

CREATE TABLE report_cube_entities (
    hour DATETIME NOT NULL,
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
CREATE INDEX report_cube_entities_hour_idx ON report_cube_entities (hour);

CREATE TABLE report_cube_countries (
    hour DATETIME NOT NULL,
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
CREATE INDEX report_cube_countries_hour_idx ON report_cube_countries (hour);

CREATE TRIGGER report_cube_insert AFTER INSERT ON click_stats_hourly BEGIN
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (NEW.hour, NEW.campaign_id, NEW.stream_id, NEW.offer_id, NEW.landing_id, NEW.ts_id, NEW.affiliate_network_id, NEW.clicks, NEW.campaign_unique_clicks, NEW.stream_unique_clicks, NEW.global_unique_clicks, NEW.bots, NEW.empty_referrers, NEW.lp_clicks, NEW.cost);
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (NEW.hour, NEW.campaign_id, NEW.country, NEW.clicks, NEW.campaign_unique_clicks, NEW.stream_unique_clicks, NEW.global_unique_clicks, NEW.bots, NEW.empty_referrers, NEW.lp_clicks, NEW.cost);
END;

CREATE TRIGGER report_cube_update AFTER UPDATE ON click_stats_hourly BEGIN
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (NEW.hour, NEW.campaign_id, NEW.stream_id, NEW.offer_id, NEW.landing_id, NEW.ts_id, NEW.affiliate_network_id, NEW.clicks - OLD.clicks, NEW.campaign_unique_clicks - OLD.campaign_unique_clicks, NEW.stream_unique_clicks - OLD.stream_unique_clicks, NEW.global_unique_clicks - OLD.global_unique_clicks, NEW.bots - OLD.bots, NEW.empty_referrers - OLD.empty_referrers, NEW.lp_clicks - OLD.lp_clicks, NEW.cost - OLD.cost);
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (NEW.hour, NEW.campaign_id, NEW.country, NEW.clicks - OLD.clicks, NEW.campaign_unique_clicks - OLD.campaign_unique_clicks, NEW.stream_unique_clicks - OLD.stream_unique_clicks, NEW.global_unique_clicks - OLD.global_unique_clicks, NEW.bots - OLD.bots, NEW.empty_referrers - OLD.empty_referrers, NEW.lp_clicks - OLD.lp_clicks, NEW.cost - OLD.cost);
END;

CREATE TRIGGER report_cube_delete AFTER DELETE ON click_stats_hourly BEGIN
    INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (OLD.hour, OLD.campaign_id, OLD.stream_id, OLD.offer_id, OLD.landing_id, OLD.ts_id, OLD.affiliate_network_id, -OLD.clicks, -OLD.campaign_unique_clicks, -OLD.stream_unique_clicks, -OLD.global_unique_clicks, -OLD.bots, -OLD.empty_referrers, -OLD.lp_clicks, -OLD.cost);
    INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) VALUES (OLD.hour, OLD.campaign_id, OLD.country, -OLD.clicks, -OLD.campaign_unique_clicks, -OLD.stream_unique_clicks, -OLD.global_unique_clicks, -OLD.bots, -OLD.empty_referrers, -OLD.lp_clicks, -OLD.cost);
END;

-- Backfill from rows written before this migration.
INSERT INTO report_cube_entities (hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) SELECT hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY hour, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id;
INSERT INTO report_cube_countries (hour, campaign_id, country, clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost) SELECT hour, campaign_id, country, SUM(clicks), SUM(campaign_unique_clicks), SUM(stream_unique_clicks), SUM(global_unique_clicks), SUM(bots), SUM(empty_referrers), SUM(lp_clicks), SUM(cost) FROM click_stats_hourly GROUP BY hour, campaign_id, country;

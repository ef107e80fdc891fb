-- Daily cubes of conversions, beside the click cubes of 0030/0031: by the
-- UTC day of the conversion's click, the same keys as
-- report_cube_entities_daily and report_cube_countries_daily, counts and
-- revenue per status. A report served by one of those click cubes for whole
-- UTC days (by click time, the default attribution) reads its conversion
-- side here: "campaign x country x day for 30 days" at 10M clicks reads ~12k
-- rows instead of grouping 300k conversions.
--
-- Kept like the click cubes: statement triggers on conversions append
-- deltas (insert-only, so concurrent postbacks never wait on each other's
-- cube rows), the report Maintainer folds them. Unattributed conversions
-- (no click time yet) count from the moment the joiner gives them one.

CREATE TABLE report_conv_entities_daily (
    day TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    stream_id BIGINT NOT NULL DEFAULT 0,
    offer_id BIGINT NOT NULL DEFAULT 0,
    landing_id BIGINT NOT NULL DEFAULT 0,
    ts_id BIGINT NOT NULL DEFAULT 0,
    affiliate_network_id BIGINT NOT NULL DEFAULT 0,
    leads BIGINT NOT NULL DEFAULT 0,
    sales BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    rebills BIGINT NOT NULL DEFAULT 0,
    lead_revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    sale_revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    rejected_revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    rebill_revenue NUMERIC(18,4) NOT NULL DEFAULT 0
);
CREATE INDEX report_conv_entities_daily_day_idx ON report_conv_entities_daily (day, campaign_id);

CREATE TABLE report_conv_countries_daily (
    day TIMESTAMPTZ NOT NULL,
    campaign_id BIGINT NOT NULL DEFAULT 0,
    country TEXT NOT NULL DEFAULT '',
    leads BIGINT NOT NULL DEFAULT 0,
    sales BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    rebills BIGINT NOT NULL DEFAULT 0,
    lead_revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    sale_revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    rejected_revenue NUMERIC(18,4) NOT NULL DEFAULT 0,
    rebill_revenue NUMERIC(18,4) NOT NULL DEFAULT 0
);
CREATE INDEX report_conv_countries_daily_day_idx ON report_conv_countries_daily (day, campaign_id);

ALTER TABLE report_conv_entities_daily SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
ALTER TABLE report_conv_countries_daily SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,
    autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);

-- One function for the three triggers; each branch reads only the
-- transition tables its statement has.
CREATE FUNCTION report_conv_cube_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_conv_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT 1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM new_rows) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id;
        INSERT INTO report_conv_countries_daily (day, campaign_id, country, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.country,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT 1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM new_rows) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.country;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO report_conv_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT 1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM new_rows UNION ALL SELECT -1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM old_rows) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id;
        INSERT INTO report_conv_countries_daily (day, campaign_id, country, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.country,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT 1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM new_rows UNION ALL SELECT -1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM old_rows) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.country;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO report_conv_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT -1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM old_rows) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id;
        INSERT INTO report_conv_countries_daily (day, campaign_id, country, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.country,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT -1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM old_rows) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.country;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER report_conv_cube_insert AFTER INSERT ON conversions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_conv_cube_on_change();
CREATE TRIGGER report_conv_cube_update AFTER UPDATE ON conversions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_conv_cube_on_change();
CREATE TRIGGER report_conv_cube_delete AFTER DELETE ON conversions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_conv_cube_on_change();

-- Backfill from the conversions already recorded, day by day.
INSERT INTO report_conv_entities_daily (day, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT 1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM conversions) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.stream_id, d.offer_id, d.landing_id, d.ts_id, d.affiliate_network_id ORDER BY 1;
INSERT INTO report_conv_countries_daily (day, campaign_id, country, leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue)
            SELECT date_trunc('day', d.click_created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.campaign_id, d.country,
                SUM(CASE WHEN d.status = 'lead' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign ELSE 0 END), SUM(CASE WHEN d.status = 'lead' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'sale' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rejected' THEN d.sign * d.revenue ELSE 0 END), SUM(CASE WHEN d.status = 'rebill' THEN d.sign * d.revenue ELSE 0 END)
            FROM (SELECT 1 AS sign, click_created_at, status, revenue, campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, country FROM conversions) d WHERE d.click_created_at IS NOT NULL GROUP BY 1, d.campaign_id, d.country ORDER BY 1;

-- The click writer may insert a batch in paced pieces, all in one
-- transaction (internal/clicks/pginsert.go, pgInsertPieces): each piece's
-- statement trigger upserts its rows of this cube and holds their locks until
-- the commit. Two writers (two nodes) must then take those locks in one
-- order across pieces as well as within a statement, or they can deadlock.
-- The writer sorts a paced batch by (UTC day, sub_id_1) in byte order; here
-- the trigger upserts in that same order (COLLATE "C"), whatever the
-- database's collation. Only the ORDER BY changes; what is summed does not.

CREATE OR REPLACE FUNCTION report_cube_sub_id_1_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_cube_sub_id_1_daily AS h (day, sub_id_1, clicks, campaign_unique_clicks,
            stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.sub_id_1, SUM(d.sign),
            SUM(CASE WHEN d.is_unique_campaign THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.is_unique_stream THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.is_unique_global THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.is_bot THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.referrer = '' THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.lp_clicked_at IS NOT NULL THEN d.sign ELSE 0 END),
            SUM(d.sign * d.cost)
        FROM (SELECT 1 AS sign, created_at, sub_id_1, is_unique_campaign, is_unique_stream, is_unique_global, is_bot, referrer, lp_clicked_at, cost FROM new_rows) d
        GROUP BY 1, 2
        ORDER BY 1, d.sub_id_1 COLLATE "C"
        ON CONFLICT (day, sub_id_1) DO UPDATE SET clicks = h.clicks + excluded.clicks,
            campaign_unique_clicks = h.campaign_unique_clicks + excluded.campaign_unique_clicks,
            stream_unique_clicks = h.stream_unique_clicks + excluded.stream_unique_clicks,
            global_unique_clicks = h.global_unique_clicks + excluded.global_unique_clicks,
            bots = h.bots + excluded.bots, empty_referrers = h.empty_referrers + excluded.empty_referrers,
            lp_clicks = h.lp_clicks + excluded.lp_clicks, cost = h.cost + excluded.cost;
    ELSE
        INSERT INTO report_cube_sub_id_1_daily AS h (day, sub_id_1, clicks, campaign_unique_clicks,
            stream_unique_clicks, global_unique_clicks, bots, empty_referrers, lp_clicks, cost)
        SELECT date_trunc('day', d.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', d.sub_id_1, SUM(d.sign),
            SUM(CASE WHEN d.is_unique_campaign THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.is_unique_stream THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.is_unique_global THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.is_bot THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.referrer = '' THEN d.sign ELSE 0 END),
            SUM(CASE WHEN d.lp_clicked_at IS NOT NULL THEN d.sign ELSE 0 END),
            SUM(d.sign * d.cost)
        FROM (SELECT 1 AS sign, created_at, sub_id_1, is_unique_campaign, is_unique_stream, is_unique_global, is_bot, referrer, lp_clicked_at, cost FROM new_rows UNION ALL SELECT -1, created_at, sub_id_1, is_unique_campaign, is_unique_stream, is_unique_global, is_bot, referrer, lp_clicked_at, cost FROM old_rows) d
        GROUP BY 1, 2
        ORDER BY 1, d.sub_id_1 COLLATE "C"
        ON CONFLICT (day, sub_id_1) DO UPDATE SET clicks = h.clicks + excluded.clicks,
            campaign_unique_clicks = h.campaign_unique_clicks + excluded.campaign_unique_clicks,
            stream_unique_clicks = h.stream_unique_clicks + excluded.stream_unique_clicks,
            global_unique_clicks = h.global_unique_clicks + excluded.global_unique_clicks,
            bots = h.bots + excluded.bots, empty_referrers = h.empty_referrers + excluded.empty_referrers,
            lp_clicks = h.lp_clicks + excluded.lp_clicks, cost = h.cost + excluded.cost;
    END IF;
    RETURN NULL;
END $$;

package report

import (
	"context"
	"fmt"
	"time"

	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

// rollupDims are the dimension columns of click_stats_hourly, in key order.
const rollupDims = "campaign_id, stream_id, offer_id, landing_id, ts_id, affiliate_network_id, " +
	"country, device_type, os, browser, language, connection_type, is_bot"

// RebuildRollup recomputes click_stats_hourly for the UTC hours in [from, to)
// from raw clicks. The click writer keeps the rollup current; this repairs it
// (after a bulk import, a bug, or a restore) and lets tests and the seeder
// load raw rows directly. Hours whose raw clicks were dropped by retention
// lose their rollup rows, so call it only on ranges still held raw.
func RebuildRollup(ctx context.Context, st *store.Store, from, to time.Time) error {
	from, to = from.UTC().Truncate(time.Hour), to.UTC().Truncate(time.Hour)
	if to.Before(from.Add(time.Hour)) {
		to = from.Add(time.Hour)
	}
	hour := "strftime('%Y-%m-%d %H:00:00+00:00', created_at)"
	if st.IsPostgres() {
		hour = "date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
	}
	insert := "/* report.RebuildRollup */ INSERT INTO click_stats_hourly (hour, " + rollupDims +
		", clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, empty_referrers, " +
		"lp_clicks, cost) SELECT " + hour + ", " + rollupDims + ", COUNT(*), " +
		"SUM(CASE WHEN is_unique_campaign THEN 1 ELSE 0 END), SUM(CASE WHEN is_unique_stream THEN 1 ELSE 0 END), " +
		"SUM(CASE WHEN is_unique_global THEN 1 ELSE 0 END), SUM(CASE WHEN is_bot THEN 1 ELSE 0 END), " +
		"SUM(CASE WHEN referrer = '' THEN 1 ELSE 0 END), SUM(CASE WHEN lp_clicked_at IS NOT NULL THEN 1 ELSE 0 END), " +
		"SUM(cost) FROM clicks WHERE created_at >= ? AND created_at < ? GROUP BY 1, " + rollupDims
	return st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec("/* report.RebuildRollup */ DELETE FROM click_stats_hourly WHERE hour >= ? AND hour < ?", from, to).Error
		if err != nil {
			return fmt.Errorf("rollup delete: %w", err)
		}
		if err := tx.Exec(insert, from, to).Error; err != nil {
			return fmt.Errorf("rollup insert: %w", err)
		}
		return nil
	})
}

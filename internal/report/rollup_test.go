package report

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"
)

type rollupRow struct {
	Hour       time.Time
	CampaignID int64
	Country    string
	IsBot      bool
	Clicks     int64
	Bots       int64
	LPClicks   int64
	Cost       float64
}

func rollupRows(t *testing.T, f *fixture) []rollupRow {
	t.Helper()
	var rows []rollupRow
	mustDo(t, f.st.DB.Raw(`SELECT hour, campaign_id, country, is_bot, SUM(clicks) AS clicks, SUM(bots) AS bots,
		SUM(lp_clicks) AS lp_clicks, ROUND(SUM(cost), 4) AS cost FROM click_stats_hourly
		GROUP BY hour, campaign_id, country, is_bot ORDER BY hour, campaign_id, country, is_bot`).Scan(&rows).Error)
	for i := range rows {
		rows[i].Hour = rows[i].Hour.UTC()
	}
	return rows
}

// TestRebuildRollupMatchesWriter: rebuilding from raw clicks gives the rows
// the click writer kept incrementally.
func TestRebuildRollupMatchesWriter(t *testing.T) {
	f := newFixture(t, 400, 7)
	before := rollupRows(t, f)
	mustDo(t, f.st.DB.Exec("DELETE FROM click_stats_hourly").Error)
	mustDo(t, RebuildRollup(context.Background(), f.st, f.now.Add(-8*24*time.Hour), f.now.Add(time.Hour)))
	after := rollupRows(t, f)
	for _, c := range cubes[:2] {
		var diff int64
		mustDo(t, f.st.DB.Raw(`SELECT COUNT(*) FROM (SELECT hour, campaign_id, SUM(clicks) AS n, SUM(cost) AS cost
			FROM click_stats_hourly GROUP BY hour, campaign_id) a FULL JOIN (SELECT hour, campaign_id, SUM(clicks) AS n,
			SUM(cost) AS cost FROM `+c.table+` GROUP BY hour, campaign_id) b ON a.hour = b.hour AND a.campaign_id = b.campaign_id
			WHERE a.n IS NULL OR b.n IS NULL OR a.n <> b.n OR ABS(a.cost - b.cost) > 0.00001`).Row().Scan(&diff))
		if diff != 0 {
			t.Errorf("%s disagrees with click_stats_hourly on %d (hour, campaign) rows after a rebuild", c.table, diff)
		}
	}
	checkDailyCubes(t, f, before)
	if len(before) == 0 || !reflect.DeepEqual(before, after) {
		t.Errorf("rebuilt rollup differs: %d rows before, %d after", len(before), len(after))
		for i := 0; i < min(len(before), len(after)); i++ {
			if before[i] != after[i] {
				t.Errorf("first difference: %+v vs %+v", before[i], after[i])
				break
			}
		}
	}
}

// checkDailyCubes: each daily cube holds the hourly rollup's clicks and cost
// summed by UTC day and campaign.
func checkDailyCubes(t *testing.T, f *fixture, hourly []rollupRow) {
	t.Helper()
	type key struct {
		day      string
		campaign int64
	}
	want := map[key]rollupRow{}
	for _, r := range hourly {
		k := key{r.Hour.Truncate(24 * time.Hour).Format("2006-01-02"), r.CampaignID}
		w := want[k]
		w.Clicks += r.Clicks
		w.Cost += r.Cost
		want[k] = w
	}
	for _, c := range dailyCubes {
		var rows []struct {
			Day        time.Time
			CampaignID int64
			Clicks     int64
			Cost       float64
		}
		mustDo(t, f.st.DB.Raw(`SELECT day, campaign_id, SUM(clicks) AS clicks, SUM(cost) AS cost FROM `+c.table+
			` GROUP BY day, campaign_id HAVING SUM(clicks) <> 0`).Scan(&rows).Error)
		if len(rows) != len(want) {
			t.Errorf("%s: %d (day, campaign) rows, want %d", c.table, len(rows), len(want))
		}
		for _, r := range rows {
			w := want[key{r.Day.UTC().Format("2006-01-02"), r.CampaignID}]
			if r.Clicks != w.Clicks || math.Abs(r.Cost-w.Cost) > 0.001 {
				t.Errorf("%s %s campaign %d: clicks %d cost %v, want %d %v", c.table, r.Day, r.CampaignID,
					r.Clicks, r.Cost, w.Clicks, w.Cost)
			}
		}
	}
}

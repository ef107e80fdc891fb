package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

// cubeVersusRaw lists the (day, sub_id_1) keys whose sums in the daily
// cube differ from the raw clicks'.
func cubeVersusRaw(t *testing.T, f *fixture) []string {
	t.Helper()
	counters := "COUNT(*) AS clicks, SUM(CASE WHEN is_unique_campaign THEN 1 ELSE 0 END) AS uc, " +
		"SUM(CASE WHEN is_bot THEN 1 ELSE 0 END) AS bots, SUM(CASE WHEN referrer = '' THEN 1 ELSE 0 END) AS er, " +
		"SUM(CASE WHEN lp_clicked_at IS NOT NULL THEN 1 ELSE 0 END) AS lp, SUM(cost) AS cost"
	q := `SELECT COALESCE(r.k, c.k) FROM
		(SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') || '|' || sub_id_1 AS k, ` + counters + `
			FROM clicks GROUP BY 1) r
		FULL JOIN (SELECT date_trunc('day', day AT TIME ZONE 'UTC') || '|' || sub_id_1 AS k, clicks,
			campaign_unique_clicks AS uc, bots, empty_referrers AS er, lp_clicks AS lp, cost
			FROM report_cube_sub_id_1_daily WHERE clicks <> 0) c ON c.k = r.k
		WHERE (r.clicks, r.uc, r.bots, r.er, r.lp, r.cost) IS DISTINCT FROM (c.clicks, c.uc, c.bots, c.er, c.lp, c.cost)`
	var diff []string
	mustDo(t, f.st.DB.Raw(q).Scan(&diff).Error)
	return diff
}

// TestSubIDCubeFollowsClicks: the triggers keep the daily sub_id_1 cube
// equal to the raw clicks through inserts by the writer (two at once),
// repeated batches, LP clicks, cost updates, and moving rows into a new
// day partition.
func TestSubIDCubeFollowsClicks(t *testing.T) {
	if !testenv.Postgres() {
		t.Skip("the daily sub_id_1 cube is Postgres only")
	}
	ctx := context.Background()
	f := newFixture(t, 600, 11)
	rng := rand.New(rand.NewPCG(7, 8))
	steps := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"fixture inserted", func(*testing.T) {}},
		{"two writers at once", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for w := range 2 {
				batch := make([]model.Click, 300)
				for i := range batch {
					batch[i] = f.randomClick(rng, f.now.Add(-72*time.Hour))
				}
				wg.Add(1)
				go func() { defer wg.Done(); errs[w] = clicks.InsertBatch(ctx, f.st, batch) }()
			}
			wg.Wait()
			mustDo(t, errs[0])
			mustDo(t, errs[1])
		}},
		{"a batch written twice", func(t *testing.T) {
			mustDo(t, clicks.InsertBatch(ctx, f.st, f.clk[:100]))
		}},
		{"LP clicks", func(t *testing.T) {
			mustDo(t, f.st.DB.Exec("UPDATE clicks SET lp_clicked_at = created_at + INTERVAL '1 minute' "+
				"WHERE lp_clicked_at IS NULL AND sub_id_1 IN ('s1', 's2')").Error)
		}},
		{"cost changed", func(t *testing.T) {
			mustDo(t, f.st.DB.Exec("UPDATE clicks SET cost = cost + 0.25 WHERE sub_id_1 = 's3'").Error)
		}},
		{"rows moved into day partitions", func(t *testing.T) {
			mustDo(t, NewMaintainer(f.st, 0, nil).EnsurePartitions(ctx, f.now.AddDate(0, 0, -8), f.now))
		}},
	}
	for _, s := range steps {
		s.do(t)
		if diff := cubeVersusRaw(t, f); len(diff) > 0 {
			t.Fatalf("after %s: cube and raw clicks differ at %d keys, e.g. %v", s.name, len(diff), diff[:min(3, len(diff))])
		}
	}
	var parts int64
	mustDo(t, f.st.DB.Raw("SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "+
		"WHERE c.relname LIKE 'clicks\\_p%'").Row().Scan(&parts))
	if parts < 8 {
		t.Errorf("%d day partitions, want the rows moved into at least 8", parts)
	}
}

// TestSubIDReportSource: which reports the daily cube serves.
func TestSubIDReportSource(t *testing.T) {
	f := newFixture(t, 200, 12)
	cases := []struct {
		grouping []string
		filters  []Filter
		zone     string
		want     string // on Postgres; SQLite always reads clicks
	}{
		{[]string{"sub_id_1"}, nil, "UTC", subIDCube},
		{[]string{"sub_id_1"}, nil, "Asia/Kolkata", subIDCube + "+clicks"},
		{[]string{"sub_id_1", "month"}, nil, "UTC", subIDCube},
		{[]string{"sub_id_1", "day"}, nil, "Europe/Berlin", "clicks"}, // hours move between days
		{[]string{"sub_id_1", "hour"}, nil, "UTC", "clicks"},
		{[]string{"sub_id_1", "campaign"}, nil, "UTC", "clicks"},
		{[]string{"sub_id_1"}, []Filter{{Name: "campaign_id", Operator: "EQUALS", Expression: 1}}, "UTC", "clicks"},
		{[]string{"sub_id_1"}, []Filter{{Name: "sub_id_1", Operator: "BEGINS_WITH", Expression: "s1"}}, "UTC", subIDCube},
		{[]string{"sub_id_2"}, nil, "UTC", "clicks"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.grouping, tc.filters, tc.zone), func(t *testing.T) {
			res, err := f.r.Run(context.Background(), Request{Range: Range{From: "2026-03-26", To: "2026-03-30",
				Timezone: tc.zone}, Grouping: tc.grouping, Filters: tc.filters, Metrics: []string{"clicks", "revenue"}})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if !testenv.Postgres() {
				want = "clicks"
			}
			if res.Source != want {
				t.Errorf("source %s, want %s", res.Source, want)
			}
		})
	}
}

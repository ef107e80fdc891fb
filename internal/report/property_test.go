package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

// propertyCase is a grouping whose per-group values the test can compute
// straight from the rows.
type propertyCase struct {
	filters  []Filter // clicks they exclude get the key skip
	grouping []string
	key      func(c *model.Click, at time.Time, loc *time.Location) string
	source   string // the table expected to serve it in UTC
}

var propertyCases = []propertyCase{
	{nil, nil, func(*model.Click, time.Time, *time.Location) string { return "" }, "report_cube_entities"},
	{nil, []string{"campaign", "stream"}, func(c *model.Click, _ time.Time, _ *time.Location) string {
		return fmt.Sprint(c.CampaignID) + "|" + fmt.Sprint(c.StreamID)
	}, "report_cube_entities"},
	{nil, []string{"country", "day"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return c.Country + "|" + at.In(loc).Format("2006-01-02")
	}, "report_cube_countries"},
	{nil, []string{"campaign", "country", "week"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		l := at.In(loc)
		monday := time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc)
		return fmt.Sprint(c.CampaignID) + "|" + c.Country + "|" + monday.Format("2006-01-02")
	}, "report_cube_countries"},
	{nil, []string{"os", "hour"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return c.OS + "|" + fmt.Sprint(at.In(loc).Hour())
	}, "click_stats_hourly"},
	{nil, []string{"is_bot", "month"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return fmt.Sprint(c.IsBot) + "|" + at.In(loc).Format("2006-01")
	}, "click_stats_hourly"},
	{nil, []string{"sub_id_1"}, func(c *model.Click, _ time.Time, _ *time.Location) string { return c.SubID1 }, subIDCube},
	{nil, []string{"sub_id_1", "day"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return c.SubID1 + "|" + at.In(loc).Format("2006-01-02")
	}, subIDCube},
	{[]Filter{{Name: "sub_id_1", Operator: "IN_LIST", Expression: []any{"s1", "s2", "s3"}}}, []string{"day"},
		func(c *model.Click, at time.Time, loc *time.Location) string {
			if c.SubID1 != "s1" && c.SubID1 != "s2" && c.SubID1 != "s3" {
				return skip
			}
			return at.In(loc).Format("2006-01-02")
		}, subIDCube},
	{nil, []string{"sub_id_2", "day_hour"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return c.SubID2 + "|" + at.In(loc).Format("2006-01-02 15:00")
	}, "clicks"},
	{nil, []string{"is_unique_campaign", "weekday"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return fmt.Sprint(c.IsUniqueCampaign) + "|" + fmt.Sprint((int(at.In(loc).Weekday())+6)%7+1)
	}, "clicks"},
	{nil, []string{"datetime"}, func(c *model.Click, at time.Time, loc *time.Location) string {
		return at.In(loc).Format("2006-01-02 15:04")
	}, "clicks"},
	{[]Filter{{Name: "sub_id_2", Operator: "IN_LIST", Expression: []any{"alpha", "O'Brien"}}}, []string{"campaign"},
		func(c *model.Click, _ time.Time, _ *time.Location) string {
			if c.SubID2 != "alpha" && c.SubID2 != "O'Brien" {
				return skip
			}
			return fmt.Sprint(c.CampaignID)
		}, "clicks"},
	{[]Filter{{Name: "country", Operator: "NOT_EQUAL", Expression: "US"}}, []string{"offer"},
		func(c *model.Click, _ time.Time, _ *time.Location) string {
			if c.Country == "US" {
				return skip
			}
			return fmt.Sprint(c.OfferID)
		}, "click_stats_hourly"},
}

// skip is the key of rows a case's filters leave out.
const skip = "\x00skip"

// rowKey rebuilds the test key from a report row.
func rowKey(grouping []string, row map[string]any) string {
	parts := make([]string, 0, len(grouping))
	for _, g := range grouping {
		d, _ := lookupDim(g)
		parts = append(parts, fmt.Sprint(row[d.outKey()]))
	}
	return strings.Join(parts, "|")
}

// TestReportsMatchRawRows is the property: for random data, every report's
// rows and summary equal counts taken straight from the rows, whether the
// rollup or raw clicks served it, in UTC, DST zones east and west of UTC
// and a half-hour zone, by click time and by conversion time.
func TestReportsMatchRawRows(t *testing.T) {
	metricsAll := []string{"clicks", "campaign_unique_clicks", "stream_unique_clicks", "global_unique_clicks",
		"bots", "empty_referrers", "lp_clicks", "cost", "leads", "sales", "rejected", "rebills",
		"lead_revenue", "sale_revenue", "rejected_revenue", "rebill_revenue", "revenue", "roi", "cr", "epc"}
	for _, seed := range []uint64{1, 2} {
		f := newFixture(t, 1500, seed)
		for _, zone := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} {
			loc, _ := time.LoadLocation(zone)
			from := time.Date(2026, 3, 26, 0, 0, 0, 0, loc)
			to := time.Date(2026, 3, 31, 0, 0, 0, 0, loc)
			for _, attribution := range []string{"", "conversion_time"} {
				for _, pc := range propertyCases {
					name := fmt.Sprintf("seed%d/%s/%s/%v", seed, zone, attribution, pc.grouping)
					t.Run(name, func(t *testing.T) {
						req := Request{Range: Range{From: "2026-03-26", To: "2026-03-30", Timezone: zone},
							Grouping: pc.grouping, Filters: pc.filters, Metrics: metricsAll, Attribution: attribution}
						res, err := f.r.Run(context.Background(), req)
						if err != nil {
							t.Fatal(err)
						}
						checkSource(t, res.Source, pc, zone)
						want := f.expected(from, to, attribution == "conversion_time", func(c *model.Click, at time.Time) string {
							return pc.key(c, at, loc)
						})
						checkRows(t, pc.grouping, res, want)
					})
				}
			}
		}
	}
}

// dailyOnlyCubeServes tells whether the sub_id_1 cube serves a case
// (subcube.go): on Postgres, and unless day buckets in the zone move hours
// between UTC days.
func dailyOnlyCubeServes(pc propertyCase, zone string) bool {
	byTime := slices.ContainsFunc(pc.grouping, func(g string) bool { return g == "day" || g == "hour" })
	return testenv.Postgres() && (zone == "UTC" || !byTime)
}

// checkSource: raw cases read raw clicks; the others read pc.source (or
// its daily sibling for whole days, see TestDailyCubeServesWholeDays), plus
// raw clicks of the hours Asia/Kolkata splits at :30, or raw clicks alone
// when grouped by hour there.
func checkSource(t *testing.T, got string, pc propertyCase, zone string) {
	t.Helper()
	if pc.source == subIDCube && !dailyOnlyCubeServes(pc, zone) {
		pc.source = "clicks"
	}
	raw := pc.source == "clicks" || (zone == "Asia/Kolkata" && slices.Contains(pc.grouping, "hour"))
	switch {
	case raw && got != "clicks":
		t.Errorf("source %s, want clicks", got)
	case !raw && !strings.HasPrefix(got, pc.source):
		t.Errorf("source %s, want %s (or its daily cube)", got, pc.source)
	case !raw && zone == "Asia/Kolkata" && !strings.HasSuffix(got, "+clicks"):
		t.Errorf("source %s, want split hours from raw clicks", got)
	}
}

func checkRows(t *testing.T, grouping []string, res *Result, want map[string]*base) {
	t.Helper()
	delete(want, skip)
	var total base
	for _, b := range want {
		total.add(b)
	}
	got := map[string]bool{}
	for _, row := range res.Rows {
		k := rowKey(grouping, row)
		got[k] = true
		w := want[k]
		if w == nil {
			t.Errorf("row %q not in the raw data: %v", k, row)
			continue
		}
		compareMetrics(t, "row "+k, row, w)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("group %q missing from the report", k)
		}
	}
	if res.Total != len(want) {
		t.Errorf("total %d, want %d", res.Total, len(want))
	}
	compareMetrics(t, "summary", res.Summary, &total)
}

func compareMetrics(t *testing.T, where string, got map[string]any, want *base) {
	t.Helper()
	for name, v := range got {
		mt, ok := metrics[name]
		if !ok {
			continue
		}
		w := mt.value(want)
		var g float64
		switch x := v.(type) {
		case int64:
			g = float64(x)
		case float64:
			g = x
		}
		if math.Abs(g-w) > 0.0051 {
			t.Errorf("%s: %s = %v, want %v", where, name, g, w)
		}
	}
}

// TestCampaignGroupAndAllTime: groups come from the campaign's row, and
// all_time covers every rolled-up click.
func TestCampaignGroupAndAllTime(t *testing.T) {
	f := newFixture(t, 300, 3)
	res, err := f.r.Run(context.Background(), Request{Range: Range{Interval: "all_time"},
		Grouping: []string{"campaign_group"}, Metrics: []string{"clicks", "revenue"}})
	if err != nil {
		t.Fatal(err)
	}
	grouped := map[int64]int64{}
	for _, c := range f.clk {
		if c.CampaignID != f.camps[0].ID {
			grouped[*f.camps[1].GroupID]++
		} else {
			grouped[0]++
		}
	}
	if len(res.Rows) != 2 {
		t.Fatalf("rows %v", res.Rows)
	}
	for _, row := range res.Rows {
		id := row["campaign_group_id"].(int64)
		if row["clicks"] != grouped[id] {
			t.Errorf("group %d: clicks %v, want %d", id, row["clicks"], grouped[id])
		}
		if id != 0 && row["campaign_group"] != "Group A" {
			t.Errorf("group name %v", row["campaign_group"])
		}
	}
	if res.Summary["clicks"] != int64(len(f.clk)) {
		t.Errorf("all_time clicks %v, want %d", res.Summary["clicks"], len(f.clk))
	}
	// Sorting by an entity sorts by its name; by its id column, by id.
	for _, tc := range []struct {
		sort  Sort
		first string
	}{{Sort{"campaign_group", "DESC"}, "Group A"}, {Sort{"campaign_group_id", "ASC"}, ""}} {
		res, err := f.r.Run(context.Background(), Request{Range: Range{Interval: "all_time"},
			Grouping: []string{"campaign_group"}, Metrics: []string{"clicks"}, Sort: []Sort{tc.sort}})
		if err != nil || res.Rows[0]["campaign_group"] != tc.first {
			t.Errorf("sort %v: first row %v (%v)", tc.sort, res.Rows[0], err)
		}
	}
}

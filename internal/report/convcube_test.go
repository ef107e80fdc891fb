package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

// TestConvCubeMatchesRawConversions: reports whose click side comes from
// whole UTC days of a daily cube read conversions from the conversion cube
// (Postgres), and give what the raw rows give, through status changes and
// compaction; other reports group the conversions table.
func TestConvCubeMatchesRawConversions(t *testing.T) {
	f := newFixture(t, 900, 21)
	ctx := context.Background()
	metricsAll := []string{"clicks", "leads", "sales", "rejected", "rebills", "lead_revenue", "sale_revenue",
		"rejected_revenue", "rebill_revenue", "revenue", "cr", "epc", "roi"}
	cases := []struct {
		name     string
		req      Request
		key      func(c *model.Click, at time.Time) string
		wantCube string // on Postgres
	}{
		{"campaign x country x day, UTC", Request{Range: Range{From: "2026-03-25", To: "2026-03-30"},
			Grouping: []string{"campaign", "country", "day"}}, func(c *model.Click, at time.Time) string {
			return fmt.Sprint(c.CampaignID) + "|" + c.Country + "|" + at.UTC().Format("2006-01-02")
		}, "report_conv_countries_daily"},
		{"offer x stream, UTC", Request{Range: Range{From: "2026-03-25", To: "2026-03-30"},
			Grouping: []string{"offer", "stream"}}, func(c *model.Click, _ time.Time) string {
			return fmt.Sprint(c.OfferID) + "|" + fmt.Sprint(c.StreamID)
		}, "report_conv_entities_daily"},
		{"campaign by conversion time", Request{Range: Range{From: "2026-03-25", To: "2026-03-30"},
			Grouping: []string{"campaign"}, Attribution: "conversion_time"}, func(c *model.Click, _ time.Time) string {
			return fmt.Sprint(c.CampaignID)
		}, "conversions"},
		{"country by day in Berlin", Request{Range: Range{From: "2026-03-25", To: "2026-03-30", Timezone: "Europe/Berlin"},
			Grouping: []string{"country", "day"}}, func(c *model.Click, at time.Time) string {
			loc, _ := time.LoadLocation("Europe/Berlin")
			return c.Country + "|" + at.In(loc).Format("2006-01-02")
		}, "conversions"},
	}
	check := func(t *testing.T, stage string) {
		for _, tc := range cases {
			t.Run(stage+"/"+tc.name, func(t *testing.T) {
				req := tc.req
				req.Metrics = metricsAll
				res, err := f.r.Run(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.wantCube
				if !testenv.Postgres() {
					want = "conversions"
				}
				if res.ConvSource != want {
					t.Errorf("conversions read from %s, want %s", res.ConvSource, want)
				}
				loc, _ := time.LoadLocation(req.Range.Timezone)
				from, _ := time.ParseInLocation("2006-01-02", req.Range.From, loc)
				to, _ := time.ParseInLocation("2006-01-02", req.Range.To, loc)
				checkRows(t, req.Grouping, res, f.expected(from, to.AddDate(0, 0, 1),
					req.Attribution == "conversion_time", tc.key))
			})
		}
	}
	check(t, "inserted")
	// Postbacks change statuses (lead -> sale, sale -> rejected) in place.
	changed := 0
	for i := range f.conv {
		c := &f.conv[i]
		if !c.Attributed || changed >= 60 || (c.Status != model.StatusLead && c.Status != model.StatusSale) {
			continue
		}
		next := map[string]string{model.StatusLead: model.StatusSale, model.StatusSale: model.StatusRejected}[c.Status]
		res := f.st.DB.Exec("UPDATE conversions SET status = ?, revenue = revenue + 1 WHERE click_id = ? AND tid = ?",
			next, c.ClickID, c.TID)
		mustDo(t, res.Error)
		if res.RowsAffected != 1 {
			t.Fatalf("conversion %s/%s not updated", c.ClickID, c.TID)
		}
		c.Status, c.Revenue = next, c.Revenue+1
		changed++
	}
	check(t, "statuses changed")
	mustDo(t, NewMaintainer(f.st, 0, nil).CompactCubes(ctx, f.now.AddDate(0, 0, -10)))
	check(t, "compacted")
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/report"
)

// costClick is one click of the cost fixture.
type costClick struct {
	campaign int64
	at       string // UTC
	unique   bool
	sub1     string
	country  string
}

// costFixture stores clicks (cost 0.01 each) and builds their rollup with
// the report package's rebuild, the independent oracle of these tests.
func costFixture(t *testing.T, c *Catalog, clicks []costClick) []string {
	t.Helper()
	ids := make([]string, len(clicks))
	for i, k := range clicks {
		at, err := time.Parse("2006-01-02 15:04", k.at)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = uuid.Must(uuid.NewV7()).String()
		row := model.Click{ID: ids[i], CreatedAt: at.UTC(), CampaignID: k.campaign, IsUniqueCampaign: k.unique,
			SubID1: k.sub1, Country: k.country, Cost: 0.01}
		if err := c.st.DB.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
	}
	rebuildRollup(t, c)
	return ids
}

var costDay = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func rebuildRollup(t *testing.T, c *Catalog) {
	t.Helper()
	if err := report.RebuildRollup(context.Background(), c.st, costDay, costDay.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// rollupCosts is the rollup's cost per hour and key, rounded to cents/1000.
func rollupCosts(t *testing.T, c *Catalog) map[string]float64 {
	t.Helper()
	var rows []struct {
		Hour       time.Time
		CampaignID int64
		Country    string
		Cost       float64
	}
	if err := c.st.DB.Raw(`SELECT hour, campaign_id, country, cost FROM click_stats_hourly`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range rows {
		out[fmt.Sprintf("%s/%d/%s", r.Hour.UTC().Format("15"), r.CampaignID, r.Country)] += math.Round(r.Cost*1e5) / 1e5
	}
	return out
}

func clickCosts(t *testing.T, c *Catalog, ids []string) []float64 {
	t.Helper()
	out := make([]float64, len(ids))
	for i, id := range ids {
		var cost float64
		if err := c.st.DB.Raw(`SELECT cost FROM clicks WHERE id = ?`, id).Scan(&cost).Error; err != nil {
			t.Fatal(err)
		}
		out[i] = math.Round(cost*1e5) / 1e5
	}
	return out
}

func TestUpdateCampaignCosts(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		req   CampaignCostRequest
		want  []float64 // per fixture click
		count int64
		total float64
	}{
		{"even spread, Berlin wall time", CampaignCostRequest{StartDate: "2026-11-01 11:00", EndDate: "2026-11-01 13:00",
			Timezone: "Europe/Berlin", Cost: "9"}, []float64{3, 3, 3, 0.01, 0.01}, 3, 9},
		{"uniques only zero the rest", CampaignCostRequest{StartDate: "2026-11-01 10:00", EndDate: "2026-11-01 12:00",
			Timezone: "UTC", Cost: "8,5", OnlyCampaignUniques: true}, []float64{4.25, 4.25, 0, 0.01, 0.01}, 2, 8.5},
		{"filters by sub_id_1", CampaignCostRequest{StartDate: "2026-11-01", EndDate: "2026-11-02", Cost: "1",
			Filters: map[string]string{"sub_id_1": "b, c"}}, []float64{0.01, 0.5, 0.01, 0.5, 0.01}, 2, 1},
		{"currency converted", CampaignCostRequest{StartDate: "2026-11-01 12:00", EndDate: "2026-11-01 13:00",
			Cost: "2", Currency: "eur"}, []float64{0.01, 0.01, 0.01, 4, 0.01}, 1, 4},
		{"nothing in range", CampaignCostRequest{StartDate: "2026-10-01 00:00", EndDate: "2026-10-02 00:00",
			Cost: "5"}, []float64{0.01, 0.01, 0.01, 0.01, 0.01}, 0, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, n := newCatalog(t)
			a, err := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("a")})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("b")})
			c.st.DB.Create(&model.CurrencyRate{Currency: "EUR", Rate: 2, UpdatedAt: time.Now().UTC()})
			ids := costFixture(t, c, []costClick{
				{a.ID, "2026-11-01 10:15", true, "a", "US"},
				{a.ID, "2026-11-01 10:45", true, "b", "DE"},
				{a.ID, "2026-11-01 11:30", false, "a", "US"},
				{a.ID, "2026-11-01 12:10", true, "c", "US"},
				{b.ID, "2026-11-01 10:30", true, "a", "US"},
			})
			changes := n.n.Load()
			got, err := c.UpdateCampaignCosts(ctx, a.ID, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Clicks != tc.count || math.Abs(got.Cost-tc.total) > 1e-9 || got.Currency != "USD" {
				t.Fatalf("result = %+v, want %d clicks, total %g USD", got, tc.count, tc.total)
			}
			if costs := clickCosts(t, c, ids); fmt.Sprint(costs) != fmt.Sprint(tc.want) {
				t.Fatalf("click costs = %v, want %v", costs, tc.want)
			}
			// The rollup must equal one rebuilt from the updated clicks.
			updated := rollupCosts(t, c)
			rebuildRollup(t, c)
			if rebuilt := rollupCosts(t, c); fmt.Sprint(updated) != fmt.Sprint(rebuilt) {
				t.Fatalf("rollup after update %v, rebuilt from clicks %v", updated, rebuilt)
			}
			var cube float64
			c.st.DB.Raw(`SELECT COALESCE(SUM(cost), 0) FROM report_cube_entities WHERE campaign_id = ?`, a.ID).Scan(&cube)
			var raw float64
			c.st.DB.Raw(`SELECT SUM(cost) FROM clicks WHERE campaign_id = ?`, a.ID).Scan(&raw)
			if math.Abs(cube-raw) > 1e-6 {
				t.Fatalf("report cube cost %g, clicks %g", cube, raw)
			}
			if n.n.Load() != changes {
				t.Fatal("a cost update is not a configuration change")
			}
		})
	}
}

func TestUpdateCampaignCostsRefuses(t *testing.T) {
	ctx := context.Background()
	c, _ := newCatalog(t)
	a, _ := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("a")})
	ok := CampaignCostRequest{StartDate: "2026-11-01 10:00", EndDate: "2026-11-01 12:00", Cost: "1"}
	with := func(f func(*CampaignCostRequest)) CampaignCostRequest { r := ok; f(&r); return r }
	cases := []struct {
		name  string
		req   CampaignCostRequest
		field string
	}{
		{"no start", with(func(r *CampaignCostRequest) { r.StartDate = "" }), "start_date"},
		{"bad end", with(func(r *CampaignCostRequest) { r.EndDate = "yesterday" }), "end_date"},
		{"end before start", with(func(r *CampaignCostRequest) { r.EndDate = "2026-11-01 09:00" }), "end_date"},
		{"bad zone", with(func(r *CampaignCostRequest) { r.Timezone = "Mars/Olympus" }), "timezone"},
		{"no cost", with(func(r *CampaignCostRequest) { r.Cost = "" }), "cost"},
		{"cost not a number", with(func(r *CampaignCostRequest) { r.Cost = "ten" }), "cost"},
		{"negative cost", with(func(r *CampaignCostRequest) { r.Cost = "-1" }), "cost"},
		{"bad currency", with(func(r *CampaignCostRequest) { r.Currency = "dollars" }), "currency"},
		{"no rate", with(func(r *CampaignCostRequest) { r.Currency = "GBP" }), "currency"},
		{"unknown filter", with(func(r *CampaignCostRequest) { r.Filters = map[string]string{"ip; DROP": "1"} }), "filters.ip; DROP"},
		{"empty filter", with(func(r *CampaignCostRequest) { r.Filters = map[string]string{"source": " , "} }), "filters.source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateCampaignCosts(ctx, a.ID, tc.req)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("err = %v, want a validation error on %s", err, tc.field)
			}
		})
	}
	if _, err := c.UpdateCampaignCosts(ctx, 999, ok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown campaign: %v", err)
	}
}

package report

import (
	"context"
	"reflect"
	"testing"
)

// TestTopMatchesOrdinaryPath: paging the click side in SQL gives the very
// rows, total and summary of sorting every group in Go, and falls back when
// a conversion's click is missing from raw clicks.
func TestTopMatchesOrdinaryPath(t *testing.T) {
	f := newFixture(t, 1200, 5)
	money := []string{"clicks", "campaign_unique_clicks", "cost", "conversions", "revenue", "roi"}
	cases := []struct {
		name    string
		req     Request
		wantTop bool
	}{
		{"sub_id_2 by clicks", Request{Grouping: []string{"sub_id_2"}, Metrics: money,
			Sort: []Sort{{Name: "clicks", Order: "DESC"}}, Limit: 5, Offset: 2}, true},
		{"sub_id_1 by clicks, from its daily cube", Request{Grouping: []string{"sub_id_1"}, Metrics: money,
			Sort: []Sort{{Name: "clicks", Order: "DESC"}}, Limit: 5, Offset: 2}, false},
		{"sub_id_1 x sub_id_2 by cost", Request{Grouping: []string{"sub_id_1", "sub_id_2"}, Metrics: money,
			Sort: []Sort{{Name: "cost", Order: "ASC"}}, Limit: 7}, true},
		{"sub_id_1 x country by cost", Request{Grouping: []string{"sub_id_1", "country"}, Metrics: money,
			Sort: []Sort{{Name: "cost", Order: "ASC"}}, Limit: 7}, true},
		{"sub_id_2 x day by uniques, Kolkata", Request{Range: Range{From: "2026-03-26", To: "2026-03-30",
			Timezone: "Asia/Kolkata"}, Grouping: []string{"sub_id_2", "day"}, Metrics: money,
			Sort: []Sort{{Name: "campaign_unique_clicks", Order: "DESC"}, {Name: "sub_id_2", Order: "DESC"}}, Limit: 4}, true},
		{"campaign x sub_id_1 by campaign id", Request{Grouping: []string{"campaign", "sub_id_1"}, Metrics: money,
			Sort: []Sort{{Name: "campaign_id", Order: "DESC"}}, Limit: 3, Offset: 40}, true},
		{"offset past the end", Request{Grouping: []string{"sub_id_2"}, Metrics: money,
			Sort: []Sort{{Name: "clicks", Order: "DESC"}}, Limit: 5, Offset: 500}, true},
		{"sorted by a conversion metric", Request{Grouping: []string{"sub_id_1"}, Metrics: money,
			Sort: []Sort{{Name: "roi", Order: "DESC"}}, Limit: 5}, false},
		{"sorted by campaign name", Request{Grouping: []string{"campaign", "sub_id_1"}, Metrics: money,
			Sort: []Sort{{Name: "campaign", Order: "DESC"}}, Limit: 5}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.req.Range.From == "" {
				tc.req.Range = Range{From: "2026-03-24", To: "2026-03-31"}
			}
			compareTopAndOrdinary(t, f, tc.req, tc.wantTop && f.st.IsPostgres())
		})
	}
	// A conversion whose click left raw clicks makes a group of its own
	// (empty sub ids): the paged path cannot see it and must step aside.
	var clickID string
	mustDo(t, f.st.DB.Raw("SELECT click_id FROM conversions WHERE attributed LIMIT 1").Row().Scan(&clickID))
	mustDo(t, f.st.DB.Exec("DELETE FROM clicks WHERE id = ?", clickID).Error)
	compareTopAndOrdinary(t, f, Request{Range: Range{From: "2026-03-24", To: "2026-03-31"},
		Grouping: []string{"sub_id_2"}, Metrics: money, Sort: []Sort{{Name: "clicks", Order: "DESC"}}, Limit: 5}, false)
}

func compareTopAndOrdinary(t *testing.T, f *fixture, req Request, wantTop bool) {
	t.Helper()
	ctx := context.Background()
	before := f.r.topRuns.Load()
	got, err := f.r.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if used := f.r.topRuns.Load() > before; used != wantTop {
		t.Errorf("paged in SQL: %v, want %v", used, wantTop)
	}
	f.r.noTop = true
	defer func() { f.r.noTop = false }()
	want, err := f.r.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != want.Total || !reflect.DeepEqual(got.Rows, want.Rows) || !reflect.DeepEqual(got.Summary, want.Summary) {
		t.Errorf("paged in SQL:\n total %d rows %v\n summary %v\nin Go:\n total %d rows %v\n summary %v",
			got.Total, got.Rows, got.Summary, want.Total, want.Rows, want.Summary)
	}
}

// TestConversionsRideOnClicks: the conversion side rides on the click scan
// only when it would group each conversion by its click's own columns.
func TestConversionsRideOnClicks(t *testing.T) {
	money := []string{"clicks", "conversions", "revenue"}
	week := Range{From: "2026-03-24", To: "2026-03-31"}
	cases := []struct {
		name  string
		req   Request
		rides bool
	}{
		{"sub_id_1", Request{Range: week, Grouping: []string{"sub_id_1"}, Metrics: money}, true},
		{"sub_id_1 x region", Request{Range: week, Grouping: []string{"sub_id_1", "region"}, Metrics: money}, true},
		{"clicks only", Request{Range: week, Grouping: []string{"sub_id_1"}, Metrics: []string{"clicks"}}, false},
		{"by conversion time", Request{Range: week, Grouping: []string{"sub_id_1"}, Metrics: money,
			Attribution: "conversion_time"}, false},
		// Conversions carry their own copy of the campaign and the country.
		{"sub_id_1 x country", Request{Range: week, Grouping: []string{"sub_id_1", "country"}, Metrics: money}, false},
		{"sub_id_1 x day", Request{Range: week, Grouping: []string{"sub_id_1", "day"}, Metrics: money}, false},
		{"filtered", Request{Range: week, Grouping: []string{"sub_id_1"}, Metrics: money,
			Filters: []Filter{{Name: "sub_id_2", Operator: "EQUALS", Expression: "x"}}}, false},
	}
	for _, tc := range cases {
		p, err := tc.req.validate(fuzzNow)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p.choose()
		if got := p.convRidesOnClicks(); got != tc.rides {
			t.Errorf("%s: conversions ride on clicks %v, want %v", tc.name, got, tc.rides)
		}
	}
}

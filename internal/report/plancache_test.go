package report

import (
	"context"
	"testing"
)

// TestReportQueriesPlannedPerRun: a report statement run again and again on
// one connection keeps being planned for its own range (Postgres). Before,
// the sixth run of a cached statement could switch to a generic plan that
// filtered the conversions x clicks join instead of probing the click
// index: one sub_id_1 report in ten took seconds.
func TestReportQueriesPlannedPerRun(t *testing.T) {
	f := newFixture(t, 600, 11)
	if !f.st.IsPostgres() {
		t.Skip("plan caching is Postgres'")
	}
	sqlDB, err := f.st.DB.DB()
	mustDo(t, err)
	sqlDB.SetMaxOpenConns(1) // every run on the same session, so its statement cache counts them
	req := Request{Range: Range{From: "2026-03-24", To: "2026-03-31"}, Grouping: []string{"sub_id_1"},
		Metrics: []string{"clicks", "conversions", "revenue", "roi"},
		Sort:    []Sort{{Name: "clicks", Order: "DESC"}}, Limit: 5}
	const runs = 9
	for i := 0; i < runs; i++ {
		if _, err := f.r.Run(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct {
		Statement    string
		GenericPlans int64
		CustomPlans  int64
	}
	mustDo(t, f.st.DB.Raw(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '/* report.sideQuery%' OR statement LIKE '/* report.topSide%'`).Scan(&rows).Error)
	if len(rows) == 0 {
		t.Fatal("no cached report statement found: the test no longer sees the driver's statement cache")
	}
	for _, r := range rows {
		if r.GenericPlans != 0 || r.CustomPlans < runs {
			t.Errorf("generic plans %d, custom plans %d (want 0 and >= %d) for %.120s",
				r.GenericPlans, r.CustomPlans, runs, r.Statement)
		}
	}
}

package ui

import (
	"errors"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// kpiMetrics are the dashboard's headline numbers, in display order.
var kpiMetrics = []string{"clicks", "campaign_unique_clicks", "conversions", "revenue", "cost", "profit", "roi"}

// dashboardRanges are the dashboard tabs: report interval preset -> time bucket of the chart.
var dashboardRanges = []struct{ Interval, Bucket string }{
	{"today", "hour"}, {"yesterday", "hour"}, {"7_days_ago", "day"},
}

// dashboardData is what the dashboard shows.
type dashboardData struct {
	Interval  string
	Intervals []string
	Available bool
	Error     string
	KPIs      []kpi
	Chart     chartData
	Top       []map[string]any
}

type kpi struct {
	Metric string
	Value  string
}

// chartData feeds uPlot: X labels and one series per metric.
type chartData struct {
	Labels []string             `json:"labels"`
	Series map[string][]float64 `json:"series"`
}

func (u *UI) dashboard(c echo.Context) error {
	d := &dashboardData{Interval: "today", Available: u.opt.Reports != nil}
	bucket := "hour"
	for _, r := range dashboardRanges {
		d.Intervals = append(d.Intervals, r.Interval)
		if c.QueryParam("range") == r.Interval {
			d.Interval, bucket = r.Interval, r.Bucket
		}
	}
	if d.Available {
		if err := u.loadDashboard(c, d, bucket); err != nil {
			d.Error = reportErrorMessage(err)
			u.log.Warn("dashboard report", "err", err)
		}
	}
	return u.render(c, http.StatusOK, "dashboard", &Page{Title: "nav.dashboard", Nav: "dashboard", Data: d})
}

// loadDashboard runs two reports at once (on Postgres they run in parallel,
// so the page waits for the slower, not the sum): the range by time bucket
// (chart + summary) and the top campaigns by revenue.
func (u *UI) loadDashboard(c echo.Context, d *dashboardData, bucket string) error {
	ctx := c.Request().Context()
	rng := ReportRange{Interval: d.Interval, Timezone: u.timezone(c)}
	var top *ReportTable
	var topErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		top, topErr = u.opt.Reports.Report(ctx, ReportQuery{
			Range: rng, Grouping: []string{"campaign"}, Metrics: kpiMetrics,
			Sort: []ReportSort{{Name: "revenue", Order: "DESC"}, {Name: "clicks", Order: "DESC"}}, Limit: 10,
		})
	})
	byTime, err := u.opt.Reports.Report(ctx, ReportQuery{
		Range: rng, Grouping: []string{bucket}, Metrics: kpiMetrics,
		Sort: []ReportSort{{Name: bucket, Order: "ASC"}}, Limit: 1000,
	})
	wg.Wait()
	if err != nil {
		return err
	}
	if topErr != nil {
		return topErr
	}
	for _, m := range kpiMetrics {
		d.KPIs = append(d.KPIs, kpi{Metric: m, Value: formatMetric(m, byTime.Summary[m])})
	}
	d.Chart = chartData{Series: map[string][]float64{}}
	for _, row := range byTime.Rows {
		d.Chart.Labels = append(d.Chart.Labels, cellText(row[bucket]))
		for _, m := range []string{"clicks", "conversions", "revenue", "cost"} {
			d.Chart.Series[m] = append(d.Chart.Series[m], toFloat(row[m]))
		}
	}
	d.Top = top.Rows
	return nil
}

// reportErrorMessage is what a buyer sees when a report fails: the report's
// own 4xx message (it names the bad field), else a generic line.
func reportErrorMessage(err error) string {
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code < 500 {
		if msg, ok := he.Message.(string); ok {
			return msg
		}
	}
	return "error.report_failed"
}

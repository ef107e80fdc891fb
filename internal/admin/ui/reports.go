package ui

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// rangePresets are the report range presets (internal/report's names).
var rangePresets = []string{"today", "yesterday", "7_days_ago", "first_day_of_this_week", "1_month_ago",
	"first_day_of_this_month", "1_year_ago", "first_day_of_this_year", "all_time"}

// reportDimensions are the groupings offered in the picker (shared/API.md names).
var reportDimensions = func() []string {
	d := []string{"campaign", "campaign_group", "stream", "offer", "landing", "ts", "affiliate_network",
		"country", "region", "city", "isp", "connection_type", "device_type", "device_model", "os", "os_version",
		"browser", "browser_version", "language", "is_bot", "source", "keyword", "referrer", "external_id",
		"creative_id", "ad_campaign_id", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
		"year", "month", "week", "weekday", "day", "hour", "day_hour", "datetime"}
	for i := 1; i <= 30; i++ {
		d = append(d, fmt.Sprintf("sub_id_%d", i))
	}
	return d
}()

// reportMetrics are the metric columns offered (internal/report's names).
var reportMetrics = []string{"clicks", "campaign_unique_clicks", "stream_unique_clicks", "global_unique_clicks",
	"bots", "bot_share", "lp_clicks", "lp_ctr", "conversions", "leads", "sales", "rejected", "rebills", "approve",
	"cr", "epc", "revenue", "confirmed_revenue", "cost", "cpc", "cpa", "profit", "roi", "ec"}

var filterOperators = []string{"EQUALS", "NOT_EQUAL", "CONTAINS", "NOT_CONTAIN", "IN_LIST", "GREATER_THAN", "LESS_THAN"}

// timeDimensions draw as a line chart.
var timeDimensions = []string{"year", "month", "week", "weekday", "day", "hour", "day_hour", "datetime"}

// drillNext is where a click on a row takes the buyer: the next dimension.
var drillNext = map[string]string{"campaign": "stream", "stream": "offer", "offer": "country", "ts": "campaign",
	"affiliate_network": "offer", "country": "device_type", "device_type": "os", "os": "browser", "campaign_group": "campaign"}

// reportForm is the report builder's state, read from the URL so every report is a link.
type reportForm struct {
	Grouping []string
	Metrics  []string
	Interval string
	From, To string
	Timezone string
	Filters  []ReportFilter
	Sort     string
	Order    string
}

func readReportForm(q url.Values, defaultTZ string) reportForm {
	f := reportForm{Grouping: pick(q["grouping"], reportDimensions, 3), Metrics: pick(q["metrics"], reportMetrics, 30),
		Interval: q.Get("interval"), From: q.Get("from"), To: q.Get("to"), Timezone: q.Get("timezone"),
		Sort: q.Get("sort"), Order: strings.ToUpper(q.Get("order"))}
	if len(f.Grouping) == 0 {
		f.Grouping = []string{"campaign"}
	}
	if len(f.Metrics) == 0 {
		f.Metrics = kpiMetrics
	}
	if f.From == "" && !contains(rangePresets, f.Interval) {
		f.Interval = "7_days_ago"
	}
	if f.Timezone == "" {
		f.Timezone = defaultTZ
	}
	if f.Order != "ASC" {
		f.Order = "DESC"
	}
	names, ops, vals := q["f_name"], q["f_op"], q["f_value"]
	for i := 0; i < len(names) && i < len(ops) && i < len(vals) && i < 10; i++ {
		if names[i] != "" && vals[i] != "" && contains(filterOperators, ops[i]) {
			var expr any = vals[i]
			if ops[i] == "IN_LIST" {
				expr = splitLines(vals[i])
			}
			f.Filters = append(f.Filters, ReportFilter{Name: names[i], Operator: ops[i], Expression: expr})
		}
	}
	return f
}

// pick keeps the values that are in allowed, at most max, in order.
func pick(values, allowed []string, max int) []string {
	var out []string
	for _, v := range values {
		if contains(allowed, v) && !contains(out, v) && len(out) < max {
			out = append(out, v)
		}
	}
	return out
}

func (f reportForm) query(limit int) ReportQuery {
	q := ReportQuery{Range: ReportRange{From: f.From, To: f.To, Interval: f.Interval, Timezone: f.Timezone},
		Grouping: f.Grouping, Metrics: f.Metrics, Filters: f.Filters, Limit: limit}
	if f.From != "" {
		q.Range.Interval = ""
	}
	if f.Sort != "" && (contains(f.Grouping, f.Sort) || contains(f.Metrics, f.Sort)) {
		q.Sort = []ReportSort{{Name: f.Sort, Order: f.Order}}
	} else if contains(timeDimensions, f.Grouping[0]) {
		q.Sort = []ReportSort{{Name: f.Grouping[0], Order: "ASC"}}
	}
	return q
}

// values is the form as URL parameters (links: sort, drill-down, export).
func (f reportForm) values() url.Values {
	v := url.Values{"grouping": f.Grouping, "metrics": f.Metrics, "timezone": {f.Timezone}, "sort": {f.Sort}, "order": {f.Order}}
	if f.From != "" {
		v.Set("from", f.From)
		v.Set("to", f.To)
	} else {
		v.Set("interval", f.Interval)
	}
	for _, flt := range f.Filters {
		v.Add("f_name", flt.Name)
		v.Add("f_op", flt.Operator)
		if list, ok := flt.Expression.([]string); ok {
			v.Add("f_value", strings.Join(list, ","))
		} else {
			v.Add("f_value", cellText(flt.Expression))
		}
	}
	return v
}

// reportData is the report builder page.
type reportData struct {
	Form       reportForm
	Available  bool
	Error      string
	Rows       []reportRow
	Summary    []string
	Total      int
	Chart      *chartData
	Dimensions []string
	Metrics    []string
	Presets    []string
	Operators  []string
	Self       string // this report's query string
	Saved      []savedReportView
	// Page of reportPageSize rows, and the links to its neighbours.
	Page, Pages        int
	PrevHref, NextHref string
}

// reportPageSize is how many rows the report page shows at once (the CSV
// export has them all).
const reportPageSize = 100

type reportRow struct {
	Cells []string
	Drill string // link of the drill-down, "" when none
}

func (u *UI) reportsPage(c echo.Context) error {
	f := readReportForm(c.QueryParams(), u.timezone(c))
	d := &reportData{Form: f, Available: u.opt.Reports != nil, Dimensions: reportDimensions, Metrics: reportMetrics,
		Presets: rangePresets, Operators: filterOperators, Self: f.values().Encode()}
	d.Saved, _ = u.savedReports(c)
	if d.Available {
		d.Page, _ = strconv.Atoi(c.QueryParam("page"))
		d.Page = max(d.Page, 1)
		q := f.query(reportPageSize)
		q.Offset = (d.Page - 1) * reportPageSize
		res, err := u.opt.Reports.Report(c.Request().Context(), q)
		if err != nil {
			d.Error = reportErrorMessage(err)
			u.log.Info("report", "err", err)
		} else {
			fillReport(d, res)
			d.pageLinks(f)
		}
	}
	return u.render(c, http.StatusOK, "reports", &Page{Title: "nav.reports", Nav: "reports", Data: d})
}

// pageLinks sets the page count and the previous / next page links.
func (d *reportData) pageLinks(f reportForm) {
	d.Pages = max(1, (d.Total+reportPageSize-1)/reportPageSize)
	link := func(page int) string {
		v := f.values()
		v.Set("page", strconv.Itoa(page))
		return "/admin/reports?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevHref = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextHref = link(d.Page + 1)
	}
}

func fillReport(d *reportData, res *ReportTable) {
	f := d.Form
	d.Total = res.Total
	first := f.Grouping[0]
	if contains(timeDimensions, first) {
		d.Chart = &chartData{Series: map[string][]float64{}}
	}
	for _, row := range res.Rows {
		var r reportRow
		for _, g := range f.Grouping {
			r.Cells = append(r.Cells, cellText(row[g]))
		}
		for _, m := range f.Metrics {
			r.Cells = append(r.Cells, formatMetric(m, row[m]))
		}
		if next, ok := drillNext[first]; ok && len(f.Grouping) == 1 {
			r.Drill = drillLink(f, first, next, row)
		}
		if d.Chart != nil {
			d.Chart.Labels = append(d.Chart.Labels, cellText(row[first]))
			for _, m := range []string{"clicks", "conversions", "revenue", "cost"} {
				if contains(f.Metrics, m) {
					d.Chart.Series[m] = append(d.Chart.Series[m], toFloat(row[m]))
				}
			}
		}
		d.Rows = append(d.Rows, r)
	}
	for range f.Grouping {
		d.Summary = append(d.Summary, "")
	}
	for _, m := range f.Metrics {
		d.Summary = append(d.Summary, formatMetric(m, res.Summary[m]))
	}
}

// drillLink filters by the clicked row's id (or value) and groups by the next dimension.
func drillLink(f reportForm, dim, next string, row map[string]any) string {
	value := row[dim+"_id"]
	if value == nil {
		value = row[dim]
	}
	g := f
	g.Grouping = []string{next}
	g.Filters = append(append([]ReportFilter{}, f.Filters...), ReportFilter{Name: dim, Operator: "EQUALS", Expression: cellText(value)})
	return "/admin/reports?" + g.values().Encode()
}

// reportCSV exports the report as CSV (what the page shows, up to 100,000 rows).
func (u *UI) reportCSV(c echo.Context) error {
	if u.opt.Reports == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "error.unavailable")
	}
	f := readReportForm(c.QueryParams(), u.timezone(c))
	res, err := u.opt.Reports.Report(c.Request().Context(), f.query(100000))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="kite-report.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	cols := append(append([]string{}, f.Grouping...), f.Metrics...)
	_ = w.Write(cols)
	for _, row := range res.Rows {
		rec := make([]string, len(cols))
		for i, col := range cols {
			rec[i] = csvSafe(cellText(row[col]))
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a spreadsheet from running a cell as a formula (a sub_id is visitor-controlled).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s // a negative number is a number
		}
		return "'" + s
	}
	return s
}

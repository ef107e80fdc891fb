package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

const logPageSize = 100

// Columns of the log pages (the public column names of shared/API.md).
var (
	clickLogColumns = []string{"datetime", "sub_id", "campaign", "stream_id", "ip", "country", "device_type",
		"os", "browser", "sub_id_1", "sub_id_2", "external_id", "is_bot", "is_unique_campaign", "cost"}
	conversionLogColumns = []string{"postback_datetime", "sub_id", "conversion_id", "campaign", "status",
		"previous_status", "original_status", "tid", "payout", "currency", "revenue"}
	receivedColumns = []string{"received_at", "method", "remote_ip", "sub_id", "status", "outcome", "reason", "http_status", "raw_request"}
	sentColumns     = []string{"created_at", "id", "conversion_id", "campaign_id", "method", "url", "status", "attempts", "next_attempt_at", "last_error"}
)

// logData is one page of a log.
type logData struct {
	Tab       string // clicks | conversions | postbacks | s2s
	Available bool
	Error     string
	Columns   []string
	Rows      []logRow
	Total     int
	Page      int
	Pages     int
	Query     logQuery
	Resend    bool
}

type logQuery struct {
	SubID    string
	IP       string
	Status   string
	Interval string
}

type logRow struct {
	ID       int64
	Cells    []string
	Attempts []map[string]any
}

func (u *UI) readLogQuery(c echo.Context) (logQuery, int) {
	q := logQuery{SubID: strings.TrimSpace(c.QueryParam("sub_id")), IP: strings.TrimSpace(c.QueryParam("ip")),
		Status: c.QueryParam("status"), Interval: c.QueryParam("interval")}
	if !contains(rangePresets, q.Interval) {
		q.Interval = "7_days_ago"
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	if page < 1 {
		page = 1
	}
	return q, page
}

// renderLog fills rows from a table answer and renders the log page.
func (u *UI) renderLog(c echo.Context, d *logData, t *ReportTable, err error) error {
	if err != nil {
		d.Error = reportErrorMessage(err)
		u.log.Warn("log page", "tab", d.Tab, "err", err)
	} else if t != nil {
		d.Total = t.Total
		d.Pages = (t.Total + logPageSize - 1) / logPageSize
		for _, r := range t.Rows {
			row := logRow{ID: int64(toFloat(r["id"]))}
			for _, col := range d.Columns {
				row.Cells = append(row.Cells, formatMetric(col, r[col]))
			}
			row.Attempts = attemptsOf(r)
			d.Rows = append(d.Rows, row)
		}
	}
	return u.render(c, http.StatusOK, "logs", &Page{Title: "logs." + d.Tab, Nav: "logs", Data: d})
}

// attemptsOf finds a sent postback's attempt list (any list of objects in the row).
func attemptsOf(r map[string]any) []map[string]any {
	for _, v := range r {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		var out []map[string]any
		for _, x := range list {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

func logFilters(q logQuery) []ReportFilter {
	var f []ReportFilter
	if q.SubID != "" {
		f = append(f, ReportFilter{Name: "sub_id", Operator: "EQUALS", Expression: q.SubID})
	}
	if q.IP != "" {
		f = append(f, ReportFilter{Name: "ip", Operator: "EQUALS", Expression: q.IP})
	}
	return f
}

func (u *UI) clicksLog(c echo.Context) error {
	q, page := u.readLogQuery(c)
	d := &logData{Tab: "clicks", Available: u.opt.Reports != nil, Columns: clickLogColumns, Query: q, Page: page}
	if !d.Available {
		return u.renderLog(c, d, nil, nil)
	}
	t, err := u.opt.Reports.ClicksLog(c.Request().Context(), LogQuery{
		Range: ReportRange{Interval: q.Interval, Timezone: u.timezone(c)}, Columns: clickLogColumns,
		Filters: logFilters(q), Sort: []ReportSort{{Name: "datetime", Order: "DESC"}},
		Limit: logPageSize, Offset: (page - 1) * logPageSize,
	})
	return u.renderLog(c, d, t, err)
}

func (u *UI) conversionsLog(c echo.Context) error {
	q, page := u.readLogQuery(c)
	q.IP = ""
	d := &logData{Tab: "conversions", Available: u.opt.Reports != nil, Columns: conversionLogColumns, Query: q, Page: page}
	if !d.Available {
		return u.renderLog(c, d, nil, nil)
	}
	filters := logFilters(q)
	if q.Status != "" {
		filters = append(filters, ReportFilter{Name: "status", Operator: "EQUALS", Expression: q.Status})
	}
	t, err := u.opt.Reports.ConversionsLog(c.Request().Context(), LogQuery{
		Range: ReportRange{Interval: q.Interval, Timezone: u.timezone(c)}, Columns: conversionLogColumns,
		Filters: filters, Sort: []ReportSort{{Name: "postback_datetime", Order: "DESC"}},
		Limit: logPageSize, Offset: (page - 1) * logPageSize,
	})
	return u.renderLog(c, d, t, err)
}

func (u *UI) receivedLog(c echo.Context) error {
	q, page := u.readLogQuery(c)
	d := &logData{Tab: "postbacks", Available: u.opt.Postback != nil, Columns: receivedColumns, Query: q, Page: page}
	if !d.Available {
		return u.renderLog(c, d, nil, nil)
	}
	t, err := u.opt.Postback.Received(c.Request().Context(), PostbackQuery{SubID: q.SubID, Status: q.Status,
		Limit: logPageSize, Offset: (page - 1) * logPageSize})
	return u.renderLog(c, d, t, err)
}

func (u *UI) sentLog(c echo.Context) error {
	q, page := u.readLogQuery(c)
	d := &logData{Tab: "s2s", Available: u.opt.Postback != nil, Columns: sentColumns, Query: q, Page: page,
		Resend: u.opt.Access(currentUser(c), "logs", true, 0, nil)}
	if !d.Available {
		return u.renderLog(c, d, nil, nil)
	}
	t, err := u.opt.Postback.Sent(c.Request().Context(), PostbackQuery{SubID: q.SubID, Status: q.Status,
		Limit: logPageSize, Offset: (page - 1) * logPageSize})
	return u.renderLog(c, d, t, err)
}

// resend puts a sent (or dead) S2S postback back in the queue now.
func (u *UI) resend(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	if u.opt.Postback == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "error.unavailable")
	}
	if err := u.opt.Postback.Resend(c.Request().Context(), id); err != nil {
		return err
	}
	u.flash(c, "logs.resent")
	return c.Redirect(http.StatusSeeOther, "/admin/logs/s2s")
}

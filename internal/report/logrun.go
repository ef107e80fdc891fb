package report

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// LogRequest is Keitaro's ClickRequest / ConversionRequest. With no range the
// log covers all time (newest first, so the limit keeps it cheap).
type LogRequest struct {
	Range   Range    `json:"range"`
	Limit   int      `json:"limit"`
	Offset  int      `json:"offset"`
	Columns []string `json:"columns"`
	Filters []Filter `json:"filters"`
	Sort    []Sort   `json:"sort"`
	Format  string   `json:"format"`
}

// LogResult is a page of log rows and how many rows match in all.
type LogResult struct {
	Columns []string         `json:"columns"`
	Rows    []map[string]any `json:"rows"`
	Total   int64            `json:"total"`
}

// Log page sizes.
const (
	DefaultLogLimit = 100
	MaxLogLimit     = 10000
)

var defaultClickLogColumns = []string{"datetime", "sub_id", "campaign_id", "campaign", "stream_id", "offer_id",
	"landing_id", "ts_id", "country", "device_type", "os", "browser", "ip", "is_bot", "is_unique_campaign", "cost",
	"sub_id_1", "external_id"}

var defaultConversionLogColumns = []string{"postback_datetime", "datetime", "conversion_id", "sub_id", "campaign_id",
	"campaign", "offer_id", "status", "previous_status", "original_status", "tid", "payout", "currency", "revenue",
	"country", "external_id"}

// ClickLog lists raw clicks (POST /admin_api/v1/clicks/log).
func (r *Reports) ClickLog(ctx context.Context, req LogRequest) (*LogResult, error) {
	return r.runLog(ctx, clickLogTable(r.st.IsPostgres()), req, defaultClickLogColumns)
}

// ConversionLog lists conversions (POST /admin_api/v1/conversions/log).
func (r *Reports) ConversionLog(ctx context.Context, req LogRequest) (*LogResult, error) {
	return r.runLog(ctx, conversionLogTable(r.st.IsPostgres()), req, defaultConversionLogColumns)
}

func (r *Reports) runLog(ctx context.Context, t *logTable, req LogRequest, defaults []string) (*LogResult, error) {
	req.Filters = scopeFilters(ctx, req.Filters)
	pg := r.st.IsPostgres()
	cols := req.Columns
	if len(cols) == 0 {
		cols = defaults
	}
	used := append([]string{}, cols...)
	for _, c := range cols {
		if _, ok := t.columns[c]; !ok {
			return nil, badRequest("unknown column %q", c)
		}
	}
	where, args, names, err := r.logWhere(t, req, pg)
	if err != nil {
		return nil, err
	}
	orderBy, sortNames, err := logOrder(t, req.Sort)
	if err != nil {
		return nil, err
	}
	limit, offset, err := logPage(req)
	if err != nil {
		return nil, err
	}
	used = append(append(used, names...), sortNames...)
	var window *span
	if pg && t.needs("click", used) {
		if window, err = r.logClickWindow(ctx, req); err != nil {
			return nil, err
		}
	}
	joins, joinArgs := t.joins(pg, used, window)
	from := " FROM " + t.from + joins
	args = append(joinArgs, args...)
	res := &LogResult{Columns: cols, Rows: []map[string]any{}}
	err = r.st.DB.WithContext(ctx).Raw("/* report.runLog count */ SELECT COUNT(*)"+from+where, args...).Row().Scan(&res.Total)
	if err != nil {
		return nil, fmt.Errorf("log count: %w", err)
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = t.columns[c].dim.expr
	}
	q := "/* report.runLog */ SELECT " + strings.Join(sel, ", ") + from + where + orderBy + " LIMIT ? OFFSET ?"
	rows, err := r.st.DB.WithContext(ctx).Raw(q, append(args, limit, offset)...).Rows()
	if err != nil {
		return nil, fmt.Errorf("log query: %w", err)
	}
	defer rows.Close()
	loc := time.UTC
	if req.Range.Timezone != "" {
		loc, _ = time.LoadLocation(req.Range.Timezone) // checked by logWhere
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("log scan: %w", err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = logValue(t.columns[c].dim.kind, vals[i], loc)
		}
		res.Rows = append(res.Rows, row)
	}
	return res, rows.Err()
}

// logClickWindow bounds the click times of the conversions in the log's
// range (nil: no range, or none there).
func (r *Reports) logClickWindow(ctx context.Context, req LogRequest) (*span, error) {
	if req.Range == (Range{}) {
		return nil, nil
	}
	sp, err := req.Range.resolve(r.now())
	if err != nil {
		return nil, err
	}
	var lo, hi sql.NullTime
	err = r.st.DB.WithContext(ctx).Raw("/* report.logClickWindow */ SELECT MIN(click_created_at), MAX(click_created_at) "+
		"FROM conversions WHERE created_at >= ? AND created_at < ?", sp.From, sp.To).Row().Scan(&lo, &hi)
	if err != nil {
		return nil, fmt.Errorf("log click window: %w", err)
	}
	if !lo.Valid || !hi.Valid {
		return nil, nil
	}
	return &span{From: lo.Time.Add(-time.Minute), To: hi.Time.Add(time.Minute)}, nil
}

// logWhere builds the WHERE clause and names the columns it filters on.
func (r *Reports) logWhere(t *logTable, req LogRequest, pg bool) (string, []any, []string, error) {
	var b sqlBuf
	b.add(" WHERE 1 = 1")
	if req.Range != (Range{}) {
		sp, err := req.Range.resolve(r.now())
		if err != nil {
			return "", nil, nil, err
		}
		b.add(" AND "+t.timeCol+" >= ? AND "+t.timeCol+" < ?", sp.From, sp.To)
	}
	if len(req.Filters) > maxFilters {
		return "", nil, nil, badRequest("at most %d filters", maxFilters)
	}
	g := &gen{pg: pg}
	var names []string
	for _, f := range req.Filters {
		op := strings.ToUpper(strings.TrimSpace(f.Operator))
		if !knownOperators[op] {
			return "", nil, nil, badRequest("unknown operator %q", f.Operator)
		}
		col, ok := t.columns[f.Name]
		if !ok {
			return "", nil, nil, badRequest("unknown filter name %q", f.Name)
		}
		df, err := parseDimFilter(col.dim, op, f.Expression)
		if err != nil {
			return "", nil, nil, err
		}
		e, args := g.predicate(df)
		b.add(" AND "+e, args...)
		names = append(names, f.Name)
	}
	return b.String(), b.args, names, nil
}

func logOrder(t *logTable, sorts []Sort) (string, []string, error) {
	if len(sorts) == 0 {
		return " ORDER BY " + t.timeCol + " DESC", nil, nil
	}
	parts := make([]string, 0, len(sorts))
	names := make([]string, 0, len(sorts))
	for _, s := range sorts {
		col, ok := t.columns[s.Name]
		if !ok {
			return "", nil, badRequest("cannot sort by %q: unknown column", s.Name)
		}
		dir := strings.ToUpper(s.Order)
		if dir == "" {
			dir = "ASC"
		}
		if dir != "ASC" && dir != "DESC" {
			return "", nil, badRequest("sort order %q: want ASC or DESC", s.Order)
		}
		parts = append(parts, col.dim.expr+" "+dir)
		names = append(names, s.Name)
	}
	return " ORDER BY " + strings.Join(parts, ", "), names, nil
}

func logPage(req LogRequest) (limit, offset int, err error) {
	if req.Limit < 0 || req.Offset < 0 {
		return 0, 0, badRequest("limit and offset must not be negative")
	}
	limit = req.Limit
	if limit == 0 {
		limit = DefaultLogLimit
	}
	return min(limit, MaxLogLimit), req.Offset, nil
}

// logValue normalises what the two drivers hand back (SQLite: 0/1 for
// booleans, text for some times) into JSON-friendly values.
func logValue(k kind, v any, loc *time.Location) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch k {
	case kindBool:
		switch x := v.(type) {
		case int64:
			return x != 0
		case string:
			return x == "1" || x == "true"
		}
	case kindStamp:
		switch x := v.(type) {
		case time.Time:
			return x.In(loc).Format("2006-01-02 15:04:05")
		case string:
			if t, ok := parseSQLiteTime(x); ok {
				return t.In(loc).Format("2006-01-02 15:04:05")
			}
		}
	case kindNumber:
		if x, ok := v.(float64); ok {
			return round4(x)
		}
	case kindInt:
		if x, ok := v.(string); ok {
			n, _ := strconv.ParseInt(x, 10, 64)
			return n
		}
	}
	return v
}

// ClicksLog answers POST /admin_api/v1/clicks/log.
func (r *Reports) ClicksLog(c echo.Context) error {
	return r.logHandler(c, r.ClickLog)
}

// ConversionsLog answers POST /admin_api/v1/conversions/log.
func (r *Reports) ConversionsLog(c echo.Context) error {
	return r.logHandler(c, r.ConversionLog)
}

func (r *Reports) logHandler(c echo.Context, run func(context.Context, LogRequest) (*LogResult, error)) error {
	var req LogRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := run(c.Request().Context(), req)
	if err != nil {
		return r.fail(err)
	}
	if wantsCSV(c, req.Format) {
		return writeCSV(c, res.Columns, res.Rows)
	}
	return c.JSON(http.StatusOK, res)
}

package report

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// fuzzNow anchors the presets so a fuzz input means the same on every run.
var fuzzNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// FuzzReportRequest decodes any JSON body as a report/build request and as a
// clicks/conversions log request. Validation never panics; a refusal is a
// 400; an accepted request yields SQL whose text does not depend on the
// filter values at all (they are bound parameters: the same request with
// every value replaced builds the very same SQL text), with one argument per
// placeholder, in both dialects.
func FuzzReportRequest(f *testing.F) {
	for _, s := range []string{
		`{"range":{"interval":"7_days_ago","timezone":"Asia/Kolkata"},"grouping":["campaign","day"],"metrics":["clicks","conversions","roi"],"filters":[{"name":"country","operator":"IN_LIST","expression":["US","CA"]}],"sort":[{"name":"clicks","order":"desc"}]}`,
		`{"range":{"from":"2026-11-01","to":"2026-11-02 13:00"},"grouping":["sub_id_1"],"filters":[{"name":"sub_id_1","operator":"EQUALS","expression":"x' OR '1'='1"}],"sort":[{"name":"sub_id_1; DROP TABLE clicks--","order":"ASC"}]}`,
		`{"grouping":["campaign_id) FROM users--"],"filters":[{"name":"referrer","operator":"MATCH_REGEXP","expression":"(a+)+$"}]}`,
		`{"filters":[{"name":"campaign_id","operator":"BETWEEN","expression":"1,2"},{"name":"clicks","operator":"GREATER_THAN","expression":"1e309"}],"sort":[{"name":"clicks","order":"ASC; DELETE FROM clicks"}]}`,
		`{"range":{"interval":"all_time","timezone":"America/St_Johns"},"grouping":["hour","weekday","week"],"filters":[{"name":"is_bot","operator":"IS_TRUE"},{"name":"hour","operator":"IN_LIST","expression":"1,\n2"}]}`,
		`{"columns":["sub_id","campaign","cost"],"filters":[{"name":"status","operator":"CONTAINS","expression":"'); DELETE FROM conversions; --"}],"sort":[{"name":"revenue","order":"desc"}],"limit":-1}`,
		`{"range":{"timezone":"../../../etc/passwd"}}`,
		`{"attribution":"conversion_time","grouping":["region"],"filters":[{"name":"ip","operator":"ENDS_WITH","expression":{"a":1}}]}`,
		`[1,2]`, `{"limit":1e99}`, `null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req Request
		if json.NewDecoder(strings.NewReader(body)).Decode(&req) == nil {
			checkReport(t, req)
		}
		var lr LogRequest
		if json.NewDecoder(strings.NewReader(body)).Decode(&lr) == nil {
			for _, pg := range []bool{false, true} {
				checkLog(t, clickLogTable(pg), lr, pg)
				checkLog(t, conversionLogTable(pg), lr, pg)
			}
		}
	})
}

// checkReport validates req and, when accepted, compares its SQL with that
// of the same request with placeholder values.
func checkReport(t *testing.T, req Request) {
	t.Helper()
	p, err := planFor(req)
	if err != nil {
		refused(t, err)
		return
	}
	twin := req
	twin.Filters = placeholderFilters(req.Filters)
	q, err := planFor(twin)
	if err != nil {
		t.Fatalf("request accepted with its values but refused with placeholders: %v", err)
	}
	for _, pg := range []bool{false, true} {
		got, want := reportSQL(t, p, pg), reportSQL(t, q, pg)
		if got != want {
			t.Fatalf("SQL text depends on filter values (pg=%v):\n%s\nvs\n%s", pg, got, want)
		}
	}
}

func planFor(req Request) (*plan, error) {
	p, err := req.validate(fuzzNow)
	if err != nil {
		return nil, err
	}
	p.choose()
	if err := p.checkRawRange(); err != nil {
		return nil, err
	}
	p.clickWindow = span{From: p.span.From.Add(-time.Minute), To: p.span.To.Add(time.Minute)}
	return p, nil
}

// reportSQL is every query of the report, checked for one bound argument
// per placeholder.
func reportSQL(t *testing.T, p *plan, pg bool) string {
	t.Helper()
	var all []string
	for _, s := range p.sides(pg) {
		checkPlaceholders(t, s.q.String(), len(s.q.args))
		all = append(all, s.q.String())
	}
	return strings.Join(all, "\n")
}

func checkLog(t *testing.T, tbl *logTable, req LogRequest, pg bool) {
	t.Helper()
	sql, err := logSQL(tbl, req, pg)
	if err != nil {
		refused(t, err)
		return
	}
	twin := req
	twin.Filters = placeholderFilters(req.Filters)
	want, err := logSQL(tbl, twin, pg)
	if err != nil {
		t.Fatalf("log request accepted with its values but refused with placeholders: %v", err)
	}
	if sql != want {
		t.Fatalf("log SQL text depends on filter values (pg=%v):\n%s\nvs\n%s", pg, sql, want)
	}
}

// logSQL is runLog's query text without the database round trips.
func logSQL(tbl *logTable, req LogRequest, pg bool) (string, error) {
	for _, c := range req.Columns {
		if _, ok := tbl.columns[c]; !ok {
			return "", badRequest("unknown column %q", c)
		}
	}
	r := &Reports{now: func() time.Time { return fuzzNow }}
	where, args, _, err := r.logWhere(tbl, req, pg)
	if err != nil {
		return "", err
	}
	order, _, err := logOrder(tbl, req.Sort)
	if err != nil {
		return "", err
	}
	if _, _, err := logPage(req); err != nil {
		return "", err
	}
	q := where + order
	if n := strings.Count(q, "?"); n != len(args) {
		return "", errors.New("placeholder mismatch: " + q) // surfaces as a non-400 refusal
	}
	return q, nil
}

// placeholderFilters keeps names, operators and value counts, and replaces
// every value with "0" (which parses as text, id, number, hour and bool).
func placeholderFilters(fs []Filter) []Filter {
	out := make([]Filter, len(fs))
	for i, f := range fs {
		n := valueCount(strings.ToUpper(strings.TrimSpace(f.Operator)))
		vals := expressionList(f.Expression, n != 1)
		zeros := make([]any, len(vals))
		for j := range zeros {
			zeros[j] = "0"
		}
		out[i] = Filter{Name: f.Name, Operator: f.Operator, Expression: zeros}
	}
	return out
}

func refused(t *testing.T, err error) {
	t.Helper()
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusBadRequest {
		t.Fatalf("refusal %v: want a 400", err)
	}
}

func checkPlaceholders(t *testing.T, sql string, args int) {
	t.Helper()
	if n := strings.Count(sql, "?"); n != args {
		t.Fatalf("%d placeholders, %d arguments: %s", n, args, sql)
	}
}

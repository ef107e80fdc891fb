package report

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
	"github.com/labstack/echo/v4"
)

// smallSet is six clicks with hand-picked values, for exact filter counts.
func smallSet(t *testing.T) *Reports {
	t.Helper()
	st := testenv.Store(t)
	at := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	subs := []string{"apple", "banana", "cherry", "apricot", "", "a%b_c"}
	countries := []string{"US", "US", "DE", "FR", "", "DE"}
	var batch []model.Click
	for i, s := range subs {
		batch = append(batch, model.Click{ID: uuid.Must(uuid.NewV7()).String(), CreatedAt: at.Add(time.Duration(i) * time.Minute),
			CampaignID: int64(i%3 + 1), SubID1: s, Country: countries[i], IsBot: i%2 == 1, Cost: float64(i)})
	}
	mustDo(t, clicks.InsertBatch(context.Background(), st, batch))
	r := New(st, nil)
	r.now = func() time.Time { return at }
	return r
}

func TestDimensionOperators(t *testing.T) {
	r := smallSet(t)
	cases := []struct {
		name, op string
		expr     any
		want     int64
	}{
		{"sub_id_1", "EQUALS", "apple", 1},
		{"sub_id_1", "NOT_EQUAL", "apple", 5},
		{"sub_id_1", "GREATER_THAN", "b", 2},
		{"sub_id_1", "LESS_THAN", "b", 4},
		{"sub_id_1", "EQUALS_OR_GREATER_THAN", "banana", 2},
		{"sub_id_1", "EQUALS_OR_LESS_THAN", "banana", 5},
		{"sub_id_1", "MATCH_REGEXP", "^ap", 2},
		{"sub_id_1", "NOT_MATCH_REGEXP", "^ap", 4},
		{"sub_id_1", "BEGINS_WITH", "ap", 2},
		{"sub_id_1", "BEGINS_WITH", "a%", 1}, // % is a character, not a wildcard
		{"sub_id_1", "ENDS_WITH", "_c", 1},
		{"sub_id_1", "ENDS_WITH", "y", 1},
		{"sub_id_1", "CONTAINS", "an", 1},
		{"sub_id_1", "CONTAINS", "_", 1},
		{"sub_id_1", "NOT_CONTAIN", "a", 2},
		{"sub_id_1", "IN_LIST", []any{"apple", "cherry"}, 2},
		{"sub_id_1", "IN_LIST", "apple, cherry", 2},
		{"sub_id_1", "NOT_IN_LIST", []any{"apple", "cherry"}, 4},
		{"sub_id_1", "BETWEEN", []any{"apple", "banana"}, 3},
		{"sub_id_1", "IS_SET", nil, 5},
		{"sub_id_1", "IS_NOT_SET", nil, 1},
		{"is_bot", "IS_TRUE", nil, 3},
		{"is_bot", "IS_FALSE", nil, 3},
		{"campaign_id", "EQUALS", 2.0, 2},
		{"campaign", "IN_LIST", []any{1.0, 3.0}, 4},
		{"campaign", "BETWEEN", "2,3", 4},
		{"campaign", "GREATER_THAN", "1", 4},
		{"country", "EQUALS", "DE", 2},
		{"country", "IS_NOT_SET", nil, 1},
		{"country", "MATCH_REGEXP", "^(US|FR)$", 3},
		{"hour", "EQUALS", "12", 6},
		{"day", "EQUALS", "2026-05-10", 6},
	}
	for _, tc := range cases {
		t.Run(tc.name+" "+tc.op, func(t *testing.T) {
			req := Request{Range: Range{From: "2026-05-10", To: "2026-05-10"}, Metrics: []string{"clicks"},
				Filters: []Filter{{Name: tc.name, Operator: tc.op, Expression: tc.expr}}}
			res, err := r.Run(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Summary["clicks"]; got != tc.want {
				t.Errorf("clicks = %v, want %d", got, tc.want)
			}
			log, err := r.ClickLog(context.Background(), LogRequest{Filters: req.Filters})
			if tc.name == "hour" || tc.name == "day" || tc.name == "campaign" {
				return // report-only names
			}
			if err != nil {
				t.Fatal(err)
			}
			if log.Total != tc.want {
				t.Errorf("click log total = %d, want %d", log.Total, tc.want)
			}
		})
	}
}

func TestMetricFilters(t *testing.T) {
	r := smallSet(t)
	cases := []struct {
		op   string
		expr any
		want int // groups by campaign: costs 0+3=3, 1+4=5, 2+5=7
	}{
		{"EQUALS", 5.0, 1}, {"NOT_EQUAL", 5.0, 2}, {"GREATER_THAN", "3", 2}, {"LESS_THAN", 7.0, 2},
		{"EQUALS_OR_GREATER_THAN", 5.0, 2}, {"EQUALS_OR_LESS_THAN", 5.0, 2}, {"BETWEEN", []any{4.0, 8.0}, 2},
		{"IN_LIST", []any{3.0, 7.0}, 2}, {"NOT_IN_LIST", "3", 2}, {"IS_SET", nil, 3}, {"IS_NOT_SET", nil, 0},
		{"IS_TRUE", nil, 3}, {"IS_FALSE", nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			res, err := r.Run(context.Background(), Request{Range: Range{Interval: "today"}, Grouping: []string{"campaign"},
				Metrics: []string{"clicks", "cost"}, Filters: []Filter{{Name: "cost", Operator: tc.op, Expression: tc.expr}}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tc.want || len(res.Rows) != tc.want {
				t.Errorf("total %d rows %d, want %d", res.Total, len(res.Rows), tc.want)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	r := smallSet(t)
	long := strings.Repeat("a", maxRegexpLen+1)
	cases := []struct {
		name    string
		req     Request
		mention string
	}{
		{"unknown dimension", Request{Grouping: []string{"campaign", "sub_id_99"}}, "sub_id_99"},
		{"unknown metric", Request{Metrics: []string{"clicks", "magic"}}, "magic"},
		{"unknown operator", Request{Filters: []Filter{{Name: "country", Operator: "LIKE", Expression: "US"}}}, "LIKE"},
		{"unknown filter name", Request{Filters: []Filter{{Name: "1=1; DROP TABLE clicks", Operator: "EQUALS"}}}, "DROP TABLE"},
		{"sort injection", Request{Sort: []Sort{{Name: "clicks; DROP TABLE clicks--", Order: "ASC"}}}, "cannot sort"},
		{"sort not selected", Request{Metrics: []string{"clicks"}, Sort: []Sort{{Name: "cost"}}}, "cost"},
		{"sort order", Request{Metrics: []string{"clicks"}, Sort: []Sort{{Name: "clicks", Order: "DESC; --"}}}, "ASC or DESC"},
		{"long regexp", Request{Filters: []Filter{{Name: "sub_id_1", Operator: "MATCH_REGEXP", Expression: long}}}, "256"},
		{"bad regexp", Request{Filters: []Filter{{Name: "sub_id_1", Operator: "MATCH_REGEXP", Expression: "(a"}}}, "regular expression"},
		{"regexp on metric", Request{Filters: []Filter{{Name: "clicks", Operator: "MATCH_REGEXP", Expression: "1"}}}, "metric"},
		{"id not a number", Request{Filters: []Filter{{Name: "campaign_id", Operator: "EQUALS", Expression: "1 OR 1=1"}}}, "not an id"},
		{"between arity", Request{Filters: []Filter{{Name: "clicks", Operator: "BETWEEN", Expression: "1"}}}, "2 value"},
		{"unknown interval", Request{Range: Range{Interval: "last_decade"}}, "last_decade"},
		{"unknown timezone", Request{Range: Range{Timezone: "Mars/Olympus"}}, "Mars/Olympus"},
		{"bad date", Request{Range: Range{From: "yesterday-ish"}}, "range.from"},
		{"raw range over a year", Request{Range: Range{From: "2024-01-01", To: "2026-01-01"}, Grouping: []string{"sub_id_2"}}, "367"},
		{"attribution", Request{Attribution: "whenever"}, "whenever"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Run(context.Background(), tc.req)
			var he *echo.HTTPError
			if !errors.As(err, &he) || he.Code != http.StatusBadRequest {
				t.Fatalf("err = %v, want a 400", err)
			}
			if msg, _ := he.Message.(string); !strings.Contains(msg, tc.mention) {
				t.Errorf("message %q does not name %q", msg, tc.mention)
			}
		})
	}
	// The same long range is fine when the rollup serves it.
	if _, err := r.Run(context.Background(), Request{Range: Range{From: "2024-01-01", To: "2026-01-01"},
		Grouping: []string{"campaign", "country"}}); err != nil {
		t.Errorf("rollup report over two years: %v", err)
	}
	// So is sub_id_1 on Postgres, from its daily cube (subcube.go).
	_, err := r.Run(context.Background(), Request{Range: Range{From: "2024-01-01", To: "2026-01-01"},
		Grouping: []string{"sub_id_1"}})
	if r.st.IsPostgres() && err != nil {
		t.Errorf("sub_id_1 report over two years: %v", err)
	}
}

// TestInjectionValuesAreData shows filter values are bound, never SQL.
func TestInjectionValuesAreData(t *testing.T) {
	r := smallSet(t)
	for _, v := range []string{"' OR '1'='1", "apple'; DROP TABLE clicks; --", `\'; --`, "%", "_"} {
		for _, op := range []string{"EQUALS", "BEGINS_WITH", "CONTAINS", "ENDS_WITH", "IN_LIST"} {
			res, err := r.Run(context.Background(), Request{Range: Range{Interval: "today"}, Metrics: []string{"clicks"},
				Filters: []Filter{{Name: "sub_id_1", Operator: op, Expression: v}}})
			if err != nil {
				t.Fatalf("%s %q: %v", op, v, err)
			}
			want := int64(0)
			if (v == "%" || v == "_") && op == "CONTAINS" {
				want = 1 // only "a%b_c" holds the character itself
			}
			if res.Summary["clicks"] != want {
				t.Errorf("%s %q matched %v clicks, want %d", op, v, res.Summary["clicks"], want)
			}
		}
	}
	res, err := r.Run(context.Background(), Request{Range: Range{Interval: "today"}, Metrics: []string{"clicks"}})
	if err != nil || res.Summary["clicks"] != int64(6) {
		t.Fatalf("clicks table damaged: %v %v", res, err)
	}
}

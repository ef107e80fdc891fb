package report

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/labstack/echo/v4"
)

func serve(r *Reports, path, body string, header map[string]string) *httptest.ResponseRecorder {
	e := echo.New()
	e.POST("/admin_api/v1/report/build", r.Build)
	e.POST("/admin_api/v1/clicks/log", r.ClicksLog)
	e.POST("/admin_api/v1/conversions/log", r.ConversionsLog)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestBuildHandler(t *testing.T) {
	r := smallSet(t)
	body := `{"range":{"interval":"today","timezone":"UTC"},"grouping":["country"],"metrics":["clicks","cost"],
		"sort":[{"name":"clicks","order":"DESC"}],"limit":2}`
	rec := serve(r, "/admin_api/v1/report/build", body, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var out struct {
		Rows    []map[string]any `json:"rows"`
		Total   int              `json:"total"`
		Summary map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	// Countries: US 2, DE 2, FR 1, "" 1; sorted by clicks desc then country.
	if out.Total != 4 || len(out.Rows) != 2 || out.Rows[0]["country"] != "DE" || out.Rows[1]["country"] != "US" {
		t.Errorf("rows %v total %d", out.Rows, out.Total)
	}
	if out.Summary["clicks"] != 6.0 || out.Summary["cost"] != 15.0 {
		t.Errorf("summary %v", out.Summary)
	}
	for _, tc := range []struct{ body, mention string }{
		{`{"grouping":["nope"]}`, "nope"},
		{`{"metrics":["clicks"],"filters":[{"name":"country","operator":"SOUNDS_LIKE","expression":"US"}]}`, "SOUNDS_LIKE"},
		{`not json`, "JSON"},
	} {
		rec := serve(r, "/admin_api/v1/report/build", tc.body, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.mention) {
			t.Errorf("%s: status %d body %s", tc.body, rec.Code, rec.Body)
		}
	}
}

func TestBuildCSV(t *testing.T) {
	r := smallSet(t)
	body := `{"range":{"interval":"today"},"grouping":["campaign","sub_id_1"],"metrics":["clicks","cost"],"sort":[{"name":"sub_id_1","order":"ASC"}]}`
	for _, tc := range []struct {
		name   string
		body   string
		header map[string]string
	}{
		{"accept header", body, map[string]string{"Accept": "text/csv"}},
		{"format field", strings.Replace(body, `{"range"`, `{"format":"csv","range"`, 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(r, "/admin_api/v1/report/build", tc.body, tc.header)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			recs, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(recs[0], ",") != "campaign_id,campaign,sub_id_1,clicks,cost" || len(recs) != 7 {
				t.Fatalf("csv %v", recs)
			}
			if strings.Join(recs[1], ",") != "2,#2,,1,4" || strings.Join(recs[2], ",") != "3,#3,a%b_c,1,5" {
				t.Errorf("csv rows %v", recs[1:3])
			}
		})
	}
}

func TestCSVValueEscapesFormulas(t *testing.T) {
	for in, want := range map[any]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "plain": "plain",
		int64(5): "5", 2.5: "2.5", true: "true"} {
		if got := csvValue(in); got != want {
			t.Errorf("csvValue(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestLogs(t *testing.T) {
	r := smallSet(t)
	ctx := context.Background()
	log, err := r.ClickLog(ctx, LogRequest{Columns: []string{"sub_id", "sub_id_1", "is_bot", "cost", "datetime"},
		Sort: []Sort{{Name: "cost", Order: "DESC"}}, Limit: 2, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	if log.Total != 6 || len(log.Rows) != 2 || log.Rows[0]["sub_id_1"] != "" || log.Rows[0]["is_bot"] != false ||
		log.Rows[0]["cost"] != 4.0 || log.Rows[1]["datetime"] != "2026-05-10 12:03:00" {
		t.Errorf("click log %+v", log)
	}
	var clickID string
	mustDo(t, r.st.DB.Raw("SELECT id FROM clicks WHERE sub_id_1 = 'cherry'").Row().Scan(&clickID))
	clickAt := time.Date(2026, 5, 10, 12, 2, 0, 0, time.UTC)
	at := time.Date(2026, 5, 10, 13, 0, 0, 0, time.UTC)
	convs := []model.Conversion{
		{ClickID: clickID, TID: "t1", Status: "sale", Revenue: 12.5, Attributed: true, ClickCreatedAt: &clickAt,
			CampaignID: 3, Params: model.JSONText("{}"), CreatedAt: at, UpdatedAt: at},
		{ClickID: "not-a-click", Status: "lead", Revenue: 3, Params: model.JSONText("{}"), CreatedAt: at.Add(time.Minute), UpdatedAt: at},
	}
	mustDo(t, r.st.DB.Create(&convs).Error)
	body := `{"range":{"interval":"today","timezone":"Asia/Kolkata"},"columns":["sub_id","status","revenue","sub_id_1","region","campaign","datetime"],
		"sort":[{"name":"revenue","order":"DESC"}]}`
	rec := serve(r, "/admin_api/v1/conversions/log", body, nil)
	var out LogResult
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if out.Total != 2 || out.Rows[0]["sub_id"] != clickID || out.Rows[0]["sub_id_1"] != "cherry" ||
		out.Rows[0]["datetime"] != "2026-05-10 18:30:00" || out.Rows[1]["sub_id_1"] != nil || out.Rows[1]["revenue"] != 3.0 {
		t.Errorf("conversion log %+v", out)
	}
	rec = serve(r, "/admin_api/v1/conversions/log", `{"filters":[{"name":"sub_id_1","operator":"EQUALS","expression":"cherry"}]}`, nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Total != 1 {
		t.Errorf("filter on a click column: %s", rec.Body)
	}
	for _, bad := range []string{`{"columns":["password"]}`, `{"sort":[{"name":"id; DROP TABLE conversions"}]}`,
		`{"filters":[{"name":"datetime","operator":"EQUALS","expression":"x"}]}`} {
		if rec := serve(r, "/admin_api/v1/conversions/log", bad, nil); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d", bad, rec.Code)
		}
	}
}

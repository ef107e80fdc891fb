package conversion

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/labstack/echo/v4"
)

func (f *fixture) mountAdmin() {
	g := f.e.Group("/admin_api/v1")
	g.GET("/currency_rates", f.svc.ListRates)
	g.PUT("/currency_rates/:currency", f.svc.PutRate)
	g.DELETE("/currency_rates/:currency", f.svc.DeleteRate)
	g.GET("/postbacks/received", f.svc.ReceivedPostbacks)
	g.GET("/postbacks/sent", f.svc.SentPostbacks)
	g.POST("/postbacks/sent/:id/resend", f.svc.Resend)
}

func (f *fixture) admin(method, path, body string) (int, string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, "application/json")
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestCurrencyRatesAdmin(t *testing.T) {
	f := newFixture(t, nil)
	f.mountAdmin()
	cases := []struct {
		method, path, body string
		code               int
		contains           string
	}{
		{"PUT", "/admin_api/v1/currency_rates/gbp", `{"rate": 1.25}`, 200, `"currency":"GBP"`},
		{"PUT", "/admin_api/v1/currency_rates/GBPX", `{"rate": 1.25}`, 400, "ISO 4217"},
		{"PUT", "/admin_api/v1/currency_rates/JPY", `{"rate": -1}`, 400, "positive"},
		{"PUT", "/admin_api/v1/currency_rates/JPY", `{"rate": "x"}`, 400, "invalid JSON"},
		{"GET", "/admin_api/v1/currency_rates", "", 200, `"currency":"USD","rates":[{"currency":"EUR"`},
		{"DELETE", "/admin_api/v1/currency_rates/CHF", "", 404, "no rate"},
		{"DELETE", "/admin_api/v1/currency_rates/EUR", "", 204, ""},
	}
	for _, c := range cases {
		code, body := f.admin(c.method, c.path, c.body)
		if code != c.code || !strings.Contains(body, c.contains) {
			t.Errorf("%s %s: %d %s, want %d containing %q", c.method, c.path, code, body, c.code, c.contains)
		}
	}
	// The new rate applies to the next postback; the deleted one counts 1:1.
	for cur, want := range map[string]float64{"GBP": 12.5, "EUR": 10} {
		c := f.click(true)
		v := url.Values{"subid": {c.ID}, "payout": {"10"}, "currency": {cur}}
		if _, err := f.svc.Process(context.Background(), Postback{Key: testKey, Values: v}); err != nil {
			t.Fatal(err)
		}
		if got := f.conversions(c.ID)[0].Revenue; got != want {
			t.Errorf("10 %s = %v USD, want %v", cur, got, want)
		}
	}
}

func TestPostbackLogsAdmin(t *testing.T) {
	f := newFixture(t, nil)
	f.mountAdmin()
	c := f.click(true)
	f.do("GET", "/"+testKey+"/postback?subid="+c.ID+"&status=lead", "", "", "")
	f.do("GET", "/"+testKey+"/postback?subid="+c.ID+"&status=lead", "", "", "")
	f.do("GET", "/bad/postback?subid="+c.ID, "", "", "")
	cases := []struct {
		query string
		total int
	}{
		{"", 3}, {"?outcome=duplicate", 1}, {"?outcome=rejected", 1}, {"?sub_id=" + c.ID + "&limit=1", 3},
		{"?from=" + time.Now().UTC().Add(time.Hour).Format(time.RFC3339), 0}, {"?to=2030-01-01", 3},
		{"?campaign_id=" + itoa64(f.camp.ID), 2}, {"?campaign_id=999999", 0}, // the refused one has no conversion
	}
	for _, tc := range cases {
		code, body := f.admin("GET", "/admin_api/v1/postbacks/received"+tc.query, "")
		var p struct {
			Rows  []model.ReceivedPostback `json:"rows"`
			Total int                      `json:"total"`
		}
		if err := json.Unmarshal([]byte(body), &p); code != 200 || err != nil || p.Total != tc.total {
			t.Errorf("received%s: %d %s, want total %d", tc.query, code, body, tc.total)
		}
	}
	for _, q := range []string{"?limit=x", "?offset=-1", "?from=yesterday", "?campaign_id=x", "?campaign_id=-2"} {
		if code, _ := f.admin("GET", "/admin_api/v1/postbacks/received"+q, ""); code != 400 {
			t.Errorf("received%s: %d, want 400", q, code)
		}
	}

	var row model.S2SOutbox
	f.st.DB.First(&row)
	code, body := f.admin("GET", "/admin_api/v1/postbacks/sent?status=pending", "")
	if code != 200 || !strings.Contains(body, `"total":1`) || !strings.Contains(body, `"attempts_log":[]`) {
		t.Errorf("sent: %d %s", code, body)
	}
	hour := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	for q, total := range map[string]string{"?from=" + hour: `"total":0`, "?to=" + hour: `"total":1`,
		"?campaign_id=" + itoa64(f.camp.ID) + "&from=2020-01-01": `"total":1`, "?campaign_id=999999": `"total":0`} {
		if code, body := f.admin("GET", "/admin_api/v1/postbacks/sent"+q, ""); code != 200 || !strings.Contains(body, total) {
			t.Errorf("sent%s: %d %s, want %s", q, code, body, total)
		}
	}
	for _, q := range []string{"?status=lost", "?from=yesterday", "?to=x", "?campaign_id=abc"} {
		if code, _ := f.admin("GET", "/admin_api/v1/postbacks/sent"+q, ""); code != 400 {
			t.Errorf("sent%s: %d, want 400", q, code)
		}
	}
	resend := "/admin_api/v1/postbacks/sent/" + itoa64(row.ID) + "/resend"
	if code, _ := f.admin("POST", resend, ""); code != http.StatusConflict {
		t.Errorf("resend pending: %d, want 409", code)
	}
	f.st.DB.Model(&model.S2SOutbox{}).Where("id = ?", row.ID).Update("status", model.OutboxDead)
	if code, _ := f.admin("POST", resend, ""); code != 200 {
		t.Errorf("resend dead: %d, want 200", code)
	}
	f.st.DB.First(&row, row.ID)
	if row.Status != model.OutboxPending {
		t.Errorf("after resend: %s, want pending", row.Status)
	}
	for path, want := range map[string]int{"/admin_api/v1/postbacks/sent/999999/resend": 404, "/admin_api/v1/postbacks/sent/x/resend": 400} {
		if code, _ := f.admin("POST", path, ""); code != want {
			t.Errorf("POST %s: %d, want %d", path, code, want)
		}
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestConfigChangeReachesTheCache(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = f.svc.WatchConfig(ctx) }()
	c := f.click(true)
	if code, _ := f.do("GET", "/"+testKey+"/postback?subid="+c.ID, "", "", ""); code != 200 {
		t.Fatalf("old key refused: %d", code)
	}
	f.st.DB.Model(&model.Setting{}).Where("key = ?", model.SettingPostbackKey).Update("value", "rotated-key")
	deadline := time.Now().Add(5 * time.Second)
	for {
		// Publish until seen: the subscription may not be up on the first try.
		if err := f.svc.redis.PublishConfigChanged(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if code, _ := f.do("GET", "/rotated-key/postback?subid="+c.ID, "", "", ""); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rotated postback key never reached the cache (TTL is an hour in tests)")
		}
	}
	if code, _ := f.do("GET", "/"+testKey+"/postback?subid="+c.ID, "", "", ""); code != 403 {
		t.Errorf("old key after rotation: %d, want 403", code)
	}
}

package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"
)

// accReceiver is an S2S postback endpoint on 127.0.0.1 that remembers every
// request it got, per path.
type accReceiver struct {
	mu   sync.Mutex
	hits map[string][]url.Values
}

func (r *accReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits[req.URL.Path] = append(r.hits[req.URL.Path], req.URL.Query())
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *accReceiver) got(path string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]url.Values(nil), r.hits[path]...)
}

var accUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestAcceptanceClickToConversion is the loop across packages against a real
// node: tracking link -> 302 to the offer with the click id -> the click in
// clicks/log -> postbacks lead then sale -> the sale in conversions/log ->
// report/build by campaign shows 1 click, 1 conversion and the revenue ->
// update_costs puts a cost on the click, in clicks/log and the report ->
// the campaign's and the traffic source's S2S postbacks each delivered once.
// The offer has a fixed payout (12.5, payout_auto off), so that is the revenue.
func TestAcceptanceClickToConversion(t *testing.T) {
	rcv := &accReceiver{hits: map[string][]url.Values{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	cfg := testConfig(t)
	base, _ := startNode(t, cfg)
	api := accClient{t: t, base: base, key: cfg.Admin.APIKey}
	camp := accCreateCampaign(t, api, srv.URL)
	cid := camp.campaign["id"]

	subid := accClick(t, base, "/keto-acc?subid=ext-77&zone=z1")

	rangeToday := accObj{"interval": "today", "timezone": "UTC"}
	byCampaign := []accObj{{"name": "campaign_id", "operator": "EQUALS", "expression": cid}}
	accEventually(t, 10*time.Second, "click in clicks/log", func() (bool, string) {
		var log struct {
			Rows  []accObj `json:"rows"`
			Total int      `json:"total"`
		}
		api.ok("POST", "/clicks/log", accObj{"range": rangeToday, "limit": 10, "filters": byCampaign,
			"columns": []string{"sub_id", "campaign_id", "external_id", "sub_id_1"}}, &log)
		ok := log.Total == 1 && len(log.Rows) == 1 && log.Rows[0]["sub_id"] == subid &&
			log.Rows[0]["external_id"] == "ext-77" && log.Rows[0]["sub_id_1"] == "z1"
		return ok, fmt.Sprint(log)
	})

	for _, q := range []string{"status=lead&tid=t-1", "status=sale&tid=t-1"} {
		resp, err := http.Get(fmt.Sprintf("%s/%s/postback?subid=%s&%s", base, cfg.PostbackKey, subid, q))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("postback %s: %d", q, resp.StatusCode)
		}
	}

	accEventually(t, 10*time.Second, "sale in conversions/log", func() (bool, string) {
		var log struct {
			Rows  []accObj `json:"rows"`
			Total int      `json:"total"`
		}
		api.ok("POST", "/conversions/log", accObj{"range": rangeToday, "limit": 10, "filters": byCampaign,
			"columns": []string{"sub_id", "status", "previous_status", "revenue", "tid"}}, &log)
		ok := log.Total == 1 && len(log.Rows) == 1 && log.Rows[0]["sub_id"] == subid &&
			log.Rows[0]["status"] == "sale" && log.Rows[0]["previous_status"] == "lead" &&
			log.Rows[0]["tid"] == "t-1" && accNumber(log.Rows[0]["revenue"]) == 12.5
		return ok, fmt.Sprint(log)
	})

	accEventually(t, 10*time.Second, "report by campaign", func() (bool, string) {
		var rep struct {
			Rows []accObj `json:"rows"`
		}
		api.ok("POST", "/report/build", accObj{"range": rangeToday, "grouping": []string{"campaign"},
			"metrics": []string{"clicks", "conversions", "revenue"}, "filters": byCampaign}, &rep)
		ok := len(rep.Rows) == 1 && accNumber(rep.Rows[0]["clicks"]) == 1 &&
			accNumber(rep.Rows[0]["conversions"]) == 1 && accNumber(rep.Rows[0]["revenue"]) == 12.5
		return ok, fmt.Sprint(rep.Rows)
	})

	accCostUpdate(t, api, cid, subid)

	accEventually(t, 15*time.Second, "S2S postbacks delivered", func() (bool, string) {
		return len(rcv.got("/campaign")) >= 1 && len(rcv.got("/source")) >= 1,
			fmt.Sprint(rcv.got("/campaign"), rcv.got("/source"))
	})
	time.Sleep(time.Second) // a second delivery would have come by now
	campaignHits, sourceHits := rcv.got("/campaign"), rcv.got("/source")
	if len(campaignHits) != 1 || campaignHits[0].Get("c") != subid || campaignHits[0].Get("st") != "sale" ||
		campaignHits[0].Get("p") != "12.5" {
		t.Fatalf("campaign S2S postback: %v, want once for the sale of %s with payout 12.5", campaignHits, subid)
	}
	if len(sourceHits) != 1 || sourceHits[0].Get("id") != "ext-77" || sourceHits[0].Get("st") != "sale" {
		t.Fatalf("traffic source S2S postback: %v, want once with id=ext-77", sourceHits)
	}
}

// accCostUpdate sets the campaign's cost for the last hour through
// update_costs and checks the click (clicks/log) and the report, which reads
// the rollup the click writer built, both carry it.
func accCostUpdate(t *testing.T, api accClient, cid any, subid string) {
	t.Helper()
	now := time.Now().UTC()
	var res accObj
	api.ok("POST", fmt.Sprintf("/campaigns/%v/update_costs", cid), accObj{"timezone": "UTC", "cost": "0.5", "currency": "USD",
		"start_date": now.Add(-time.Hour).Format("2006-01-02 15:04"), "end_date": now.Add(time.Hour).Format("2006-01-02 15:04")}, &res)
	if accNumber(res["clicks"]) != 1 {
		t.Fatalf("update_costs: %v, want 1 click", res)
	}
	var log struct{ Rows []accObj }
	api.ok("POST", "/clicks/log", accObj{"range": accObj{"interval": "today", "timezone": "UTC"}, "limit": 10,
		"columns": []string{"sub_id", "cost"}, "filters": []accObj{{"name": "campaign_id", "operator": "EQUALS", "expression": cid}}}, &log)
	if len(log.Rows) != 1 || log.Rows[0]["sub_id"] != subid || accNumber(log.Rows[0]["cost"]) != 0.5 {
		t.Fatalf("clicks/log after update_costs: %v", log.Rows)
	}
	var rep struct{ Rows []accObj }
	api.ok("POST", "/report/build", accObj{"range": accObj{"interval": "today", "timezone": "UTC"}, "grouping": []string{"campaign"},
		"metrics": []string{"clicks", "cost", "revenue"}, "filters": []accObj{{"name": "campaign_id", "operator": "EQUALS", "expression": cid}}}, &rep)
	if len(rep.Rows) != 1 || accNumber(rep.Rows[0]["cost"]) != 0.5 || accNumber(rep.Rows[0]["clicks"]) != 1 {
		t.Fatalf("report after update_costs: %v", rep.Rows)
	}
}

// accClick follows a tracking link as a visitor behind a trusted proxy and
// returns the click id the offer URL carries.
func accClick(t *testing.T, base, link string) string {
	t.Helper()
	// The snapshot may briefly hold the new campaign without its streams,
	// and a GET then answers 200 and records a click of its own: wait with
	// HEAD, which routes alike and records nothing, then click once.
	var loc *url.URL
	for _, method := range []string{"HEAD", "GET"} {
		accEventually(t, 10*time.Second, "tracking link redirects ("+method+")", func() (bool, string) {
			var ok bool
			loc, ok = accVisit(t, method, base+link)
			return ok, fmt.Sprint(loc)
		})
	}
	if loc.Host != "offer.example" || loc.Path != "/lp" || loc.Query().Get("z") != "z1" {
		t.Fatalf("redirect to %s, want the offer with sub_id_1=z1", loc)
	}
	subid := loc.Query().Get("c")
	if !accUUID.MatchString(subid) {
		t.Fatalf("offer URL %s carries no click id", loc)
	}
	return subid
}

// accVisit sends one visitor request; ok when it was redirected.
func accVisit(t *testing.T, method, target string) (*url.URL, bool) {
	t.Helper()
	req, _ := http.NewRequest(method, target, nil)
	req.Header.Set("X-Forwarded-For", "8.8.8.8")
	req.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
	resp, err := accNoRedirect.Do(req)
	if err != nil {
		return nil, false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, false
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	return loc, err == nil
}

func accNumber(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case string:
		var f float64
		fmt.Sscan(n, &f)
		return f
	}
	return -1
}

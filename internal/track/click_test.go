package track

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

func TestClickIsRecordedWithMappedParams(t *testing.T) {
	g := newRig(t, basic("http", ""), nil)
	w := g.get("/summer?zoneid=z77&visitor_id=ext-1&utm_source=fb&sub_id_2=b&foo=bar&keyword=shoes&currency=EUR")
	if w.Code != http.StatusFound {
		t.Fatalf("status %d", w.Code)
	}
	c := g.rec.last(t)
	id, err := uuid.Parse(c.ID)
	if err != nil || id.Version() != 7 {
		t.Fatalf("click id %q is not a UUIDv7", c.ID)
	}
	sec, nsec := id.Time().UnixTime()
	if c.CreatedAt.UnixMilli() != sec*1000+nsec/1e6 {
		t.Fatalf("created_at %v is not the id's time", c.CreatedAt)
	}
	checks := map[string][2]string{
		"sub_id_1 via template":    {c.SubID1, "z77"},
		"external_id via template": {c.ExternalID, "ext-1"},
		"sub_id_2 direct":          {c.SubID2, "b"},
		"utm_source":               {c.UTMSource, "fb"},
		"keyword":                  {c.Keyword, "shoes"},
		"country":                  {c.Country, "US"},
		"device":                   {c.DeviceType, "mobile"},
		"ip":                       {c.IP, "8.8.8.8"},
	}
	for name, v := range checks {
		if v[0] != v[1] {
			t.Errorf("%s = %q, want %q", name, v[0], v[1])
		}
	}
	var extra map[string]string
	if err := c.ExtraParams.Decode(&extra); err != nil || extra["foo"] != "bar" || extra["zoneid"] != "z77" || extra["currency"] != "EUR" {
		t.Errorf("extra params %s", c.ExtraParams)
	}
	if c.CampaignID != 1 || c.StreamID != 10 || c.OfferID != 1 || c.TrafficSourceID != 5 || c.AffiliateNetworkID != 3 {
		t.Errorf("ids: %+v", c)
	}
	if c.Cost != 0.02 || !c.IsUniqueCampaign || c.VisitorCode == "" {
		t.Errorf("cost %v unique %v code %q", c.Cost, c.IsUniqueCampaign, c.VisitorCode)
	}
	want := "https://offer.example/go?click=" + c.ID + "&s1=z77&c=US"
	if w.Header().Get("Location") != want || c.Destination != want {
		t.Errorf("Location %q, destination %q, want %q", w.Header().Get("Location"), c.Destination, want)
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "kite_vc="+c.VisitorCode) {
		t.Errorf("visitor cookie not set: %q", w.Header().Get("Set-Cookie"))
	}
}

func TestCostModels(t *testing.T) {
	tests := []struct {
		typ    string
		value  float64
		auto   bool
		unique bool
		param  string
		want   float64
	}{
		{"CPC", 0.5, false, false, "", 0.5},
		{"CPUC", 0.5, false, true, "", 0.5},
		{"CPUC", 0.5, false, false, "", 0},
		{"CPM", 2, false, false, "", 0.002},
		{"CPA", 3, false, true, "", 0},
		{"RevShare", 3, false, true, "", 0},
		{"CPC", 0.5, true, true, "0,07", 0.07},
		{"CPC", 0.5, true, true, "-1", 0},
		{"CPC", 0.5, true, true, "NaN", 0},
	}
	for _, tt := range tests {
		got := clickCost(&model.Campaign{CostType: tt.typ, CostValue: tt.value, CostAuto: tt.auto}, tt.unique, tt.param)
		if got != tt.want {
			t.Errorf("%s %v auto=%v unique=%v param=%q: cost %v, want %v", tt.typ, tt.value, tt.auto, tt.unique, tt.param, got, tt.want)
		}
	}
}

// TestCostIsConvertedToTrackerCurrency: the click's cost lands in the
// tracker currency, from the source's currency parameter (cost_auto) or the
// campaign's cost_currency; without a rate the amount is kept.
func TestCostIsConvertedToTrackerCurrency(t *testing.T) {
	tests := []struct {
		name     string
		auto     bool
		campCur  string
		query    string
		wantCost float64
	}{
		{"cost param in EUR", true, "", "?cost=2&currency=EUR", 2.2},
		{"cost param, lower case currency", true, "", "?cost=2&currency=eur", 2.2},
		{"cost param, campaign currency", true, "RUB", "?cost=100", 1.1},
		{"cost param in the tracker currency", true, "EUR", "?cost=2&currency=USD", 2},
		{"cost param, unknown currency kept", true, "", "?cost=2&currency=GBP", 2},
		{"CPC in the campaign currency", false, "EUR", "?currency=RUB", 0.022},
		{"CPC without currency", false, "", "", 0.02},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := basic("http", "")
			d.Campaigns[0].CostAuto, d.Campaigns[0].CostCurrency = tt.auto, tt.campCur
			d.Settings = []model.Setting{{Key: model.SettingCurrency, Value: "USD"}}
			d.Rates = []model.CurrencyRate{{Currency: "EUR", Rate: 1.1}, {Currency: "RUB", Rate: 0.011}}
			g := newRig(t, d, nil)
			if w := g.get("/summer" + tt.query); w.Code != http.StatusFound {
				t.Fatalf("status %d", w.Code)
			}
			if got := g.rec.last(t).Cost; math.Abs(got-tt.wantCost) > 1e-9 {
				t.Fatalf("cost %v, want %v", got, tt.wantCost)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	d := basic("http", "")
	g := newRig(t, d, nil)
	long := "/summer?x=" + strings.Repeat("a", 8200)
	tests := []struct {
		name, target string
		code         int
	}{
		{"414 on the tracking link", long, http.StatusRequestURITooLong},
		{"414 on the root", "/?_lp=1&x=" + strings.Repeat("a", 8200), http.StatusRequestURITooLong},
		{"unknown alias", "/winter", http.StatusNotFound},
		{"reserved path", "/admin", http.StatusNotFound},
		{"root without parameters", "/", http.StatusNotFound},
		{"landing click with junk token", "/?_lp=1&_token=abc", http.StatusNotFound},
		{"landing click with unknown token", "/?_lp=1&_token=" + uuid.NewString(), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := g.get(tt.target); w.Code != tt.code {
				t.Fatalf("status %d, want %d", w.Code, tt.code)
			}
		})
	}
	if g.rec.count() != 0 {
		t.Fatalf("bad requests recorded %d clicks", g.rec.count())
	}
}

func TestDefaultCampaignTakesUnknownAliases(t *testing.T) {
	d := basic("http", "")
	d.Settings = []model.Setting{{Key: model.SettingDefaultCampaign, Value: "1"}}
	g := newRig(t, d, nil)
	if w := g.get("/winter"); w.Code != http.StatusFound {
		t.Fatalf("unknown alias with a default campaign: %d", w.Code)
	}
	if w := g.get("/metrics"); w.Code != http.StatusNotFound {
		t.Fatalf("a reserved path must never reach the default campaign: %d", w.Code)
	}
}

func TestHeadRecordsNothing(t *testing.T) {
	g := newRig(t, basic("http", ""), testenv.Redis(t))
	w := g.do(http.MethodHead, "/summer?zoneid=1", "8.8.8.8", iPhoneUA)
	if w.Code != http.StatusFound || !strings.HasPrefix(w.Header().Get("Location"), "https://offer.example/") {
		t.Fatalf("HEAD must answer like GET: %d %q", w.Code, w.Header().Get("Location"))
	}
	if g.rec.count() != 0 || w.Header().Get("Set-Cookie") != "" {
		t.Fatalf("HEAD recorded %d clicks, cookie %q", g.rec.count(), w.Header().Get("Set-Cookie"))
	}
	g.get("/summer")
	if !g.rec.last(t).IsUniqueCampaign {
		t.Fatal("HEAD must not count the visitor as seen")
	}
}

func TestCollectClicksFalse(t *testing.T) {
	d := basic("http", "")
	d.Streams[0].CollectClicks = false
	g := newRig(t, d, nil)
	if w := g.get("/summer"); w.Code != http.StatusFound {
		t.Fatalf("status %d", w.Code)
	}
	if g.rec.count() != 0 {
		t.Fatal("a stream with collect_clicks false must not store clicks")
	}
}

func TestDeletedOfferFallsToNextStream(t *testing.T) {
	d := basic("http", "")
	d.Streams = append([]model.Stream{{ID: 9, CampaignID: 1, Type: "regular", Position: 1, Schema: "redirect",
		ActionType: "http", CollectClicks: true, Offers: []model.StreamOffer{{OfferID: 404, Share: 100}}}}, d.Streams...)
	g := newRig(t, d, nil)
	w := g.get("/summer")
	if w.Code != http.StatusFound || g.rec.last(t).StreamID != 10 {
		t.Fatalf("want the default stream after the dead one, got %d stream %d", w.Code, g.rec.last(t).StreamID)
	}
}

func TestOpenRedirectAttempts(t *testing.T) {
	// A macro in the path or query must still redirect (to offer.example);
	// a macro in the scheme or host is refused outright.
	templates := []struct {
		tmpl      string
		redirects bool
	}{
		{"https://offer.example/{_sub_id_1}", true},
		{"https://offer.example/?u={sub_id_1}", true},
		{"https://offer.example/?u={_sub_id_1}", true},
		{"https://offer.example{_sub_id_1}", false},
		{"{_sub_id_1}", false},
		{"https://{_sub_id_1}/", false},
	}
	attacks := []string{"//evil.example", `\\evil.example`, "@evil.example", "%2F%2Fevil.example",
		"https://evil.example", ".evil.example", "%5C%5Cevil.example", "/%09/evil.example", "#@evil.example", "javascript:alert(1)"}
	for _, tt := range templates {
		tmpl := tt.tmpl
		d := basic("http", "")
		d.Offers[0].ActionPayload = tmpl
		g := newRig(t, d, nil)
		for _, a := range attacks {
			w := g.get("/summer?sub_id_1=" + a)
			loc := w.Header().Get("Location")
			if (loc != "") != tt.redirects {
				t.Errorf("%s with %s: Location %q, want a redirect: %v", tmpl, a, loc, tt.redirects)
			}
			if loc == "" {
				if w.Code != http.StatusNotFound {
					t.Errorf("%s with %s: no Location and status %d", tmpl, a, w.Code)
				}
				continue
			}
			u, err := url.Parse(loc)
			if err != nil || u.Host != "offer.example" || u.Scheme != "https" {
				t.Errorf("%s with %s: redirected to %q", tmpl, a, loc)
			}
		}
	}
}

func TestCRLFNeverReachesHeaders(t *testing.T) {
	d := basic("http", "")
	d.Offers[0].ActionPayload = "https://offer.example/?a={_sub_id_1}&b={sub_id_2}"
	g := newRig(t, d, nil)
	w := g.get("/summer?sub_id_1=x%0D%0ASet-Cookie:%20pwn=1&sub_id_2=%0d%0aX-Evil:1")
	loc := w.Header().Get("Location")
	if strings.ContainsAny(loc, "\r\n") || w.Header().Get("X-Evil") != "" || strings.Contains(w.Header().Get("Set-Cookie"), "pwn") {
		t.Fatalf("header injection: Location %q headers %v", loc, w.Header())
	}
	if c := g.rec.last(t); strings.ContainsAny(c.SubID1+c.SubID2, "\r\n\x00") {
		t.Fatalf("control characters stored: %q %q", c.SubID1, c.SubID2)
	}
}

func TestLandingToOffer(t *testing.T) {
	d := basic("http", "")
	d.Streams[0].Schema = "landings"
	d.Streams[0].Landings = []model.StreamLanding{{LandingID: 7, Share: 100}}
	d.Streams[0].Offers = append(d.Streams[0].Offers, model.StreamOffer{OfferID: 2, Share: 100})
	d.Landings = []model.Landing{{ID: 7, Name: "LP", ActionType: "http", State: "active",
		ActionPayload: "https://lp.example/index.html?next={offer}&z={sub_id_1}"}}
	d.Offers = append(d.Offers, model.Offer{ID: 2, Name: "Second", ActionType: "http", State: "active",
		ActionPayload: "https://second.example/?c={subid}&o={offer_id}"})
	g := newRig(t, d, nil)
	w := g.get("/summer?zoneid=9")
	c := g.rec.last(t)
	next := url.QueryEscape("http://example.com/?_lp=1&_token=" + c.ID)
	if want := "https://lp.example/index.html?next=" + next + "&z=9"; w.Header().Get("Location") != want {
		t.Fatalf("Location %q, want %q", w.Header().Get("Location"), want)
	}
	if c.LandingID != 7 || c.OfferID != 0 {
		t.Fatalf("landing %d offer %d", c.LandingID, c.OfferID)
	}
	w = g.get("/?_lp=1&_token=" + c.ID + "&offer_id=2")
	if want := "https://second.example/?c=" + c.ID + "&o=2"; w.Code != http.StatusFound || w.Header().Get("Location") != want {
		t.Fatalf("landing click: %d %q, want %q", w.Code, w.Header().Get("Location"), want)
	}
	if g.rec.lp[c.ID] != 2 {
		t.Fatalf("landing click recorded offer %d, want 2", g.rec.lp[c.ID])
	}
	w = g.get("/?_lp=1&_token=" + c.ID)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "https://") {
		t.Fatalf("landing click without offer_id: %d %q", w.Code, loc)
	}
}

func TestUniquenessAndLimitsWithRedis(t *testing.T) {
	d := basic("http", "")
	d.Streams = append([]model.Stream{
		{ID: 8, CampaignID: 1, Type: "regular", Position: 1, Name: "limited", Schema: "redirect", ActionType: "http", CollectClicks: true,
			Filters: []model.StreamFilter{{Name: "limit", Mode: "accept", Payload: `{"total":2}`}},
			Offers:  []model.StreamOffer{{OfferID: 1, Share: 100}}},
	}, d.Streams...)
	d.Streams = append([]model.Stream{
		{ID: 7, CampaignID: 1, Type: "regular", Position: 0, Name: "first visit", Schema: "redirect", ActionType: "http", CollectClicks: true,
			Filters: []model.StreamFilter{{Name: "uniqueness", Mode: "accept", Payload: `{"scope":"campaign","method":"ip"}`}},
			Offers:  []model.StreamOffer{{OfferID: 1, Share: 100}}},
	}, d.Streams...)
	g := newRig(t, d, testenv.Redis(t))
	var got []int64
	for i := range 5 {
		ip := "8.8.4." + strconv.Itoa(1+i%2) // two visitors, alternating
		g.do(http.MethodGet, "/summer", ip, desktopUA)
		got = append(got, g.rec.last(t).StreamID)
	}
	// Each visitor's first click is unique (stream 7); the next two repeat
	// clicks fill the limit of stream 8; the rest go to the default stream.
	want := []int64{7, 7, 8, 8, 10}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("streams %v, want %v", got, want)
		}
	}
	if g.rec.last(t).IsUniqueCampaign {
		t.Fatal("a repeat visitor must not be unique")
	}
}

package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

func ptr[T any](v T) *T { return &v }

// seeded are the ids of one object of every kind, all named xss.
type seeded struct {
	Campaign, Stream, Offer, Landing, Network, Source, Group, Admin int64
}

func withFakes(o *Options) {
	o.Reports, o.Postback, o.Simulate = &fakeReports{}, &fakePostbacks{}, fakeSimulator{}
}

// seed stores one object of every kind with xss in every name field.
func seed(t *testing.T, en *env) seeded {
	t.Helper()
	ctx := t.Context()
	var s seeded
	g, err := en.cat.CreateGroup(ctx, catalog.GroupRequest{Name: ptr(xss), Type: ptr("campaigns")})
	must(t, err)
	s.Group = g.ID
	n, err := en.cat.CreateAffiliateNetwork(ctx, catalog.AffiliateNetworkRequest{Name: ptr(xss), OfferParam: ptr("sub1={subid}"),
		PostbackURL: ptr("https://YOUR_TRACKER/YOUR_POSTBACK_KEY/postback?subid={aff_sub}"), Notes: ptr(xss)})
	must(t, err)
	s.Network = n.ID
	o, err := en.cat.CreateOffer(ctx, catalog.OfferRequest{Name: ptr(xss), ActionPayload: ptr("https://offer.example/?s={subid}"),
		AffiliateNetworkID: &n.ID, PayoutValue: ptr(2.5), Notes: ptr(xss)})
	must(t, err)
	s.Offer = o.ID
	l, err := en.cat.CreateLanding(ctx, catalog.LandingRequest{Name: ptr(xss), ActionPayload: ptr("https://lp.example/")})
	must(t, err)
	s.Landing = l.ID
	ts, err := en.cat.CreateTrafficSource(ctx, catalog.TrafficSourceRequest{Name: ptr(xss), Notes: ptr(xss),
		Parameters: &model.SourceParameters{"sub_id_1": {Name: "zone", Placeholder: "{zoneid}"}, "external_id": {Name: "click", Placeholder: "${SUBID}"}}})
	must(t, err)
	s.Source = ts.ID
	c, err := en.cat.CreateCampaign(ctx, catalog.CampaignRequest{Name: ptr(xss), Alias: ptr("xss-camp"), TrafficSourceID: &ts.ID,
		GroupID: &g.ID, Notes: ptr(xss)})
	must(t, err)
	s.Campaign = c.ID
	st, err := en.cat.CreateStream(ctx, catalog.StreamRequest{CampaignID: &c.ID, Name: ptr(xss), Comments: ptr(xss),
		Filters: &[]catalog.FilterRequest{{Name: "country", Mode: "accept", Payload: json.RawMessage(`["US"]`)},
			{Name: "user_agent", Mode: "reject", Payload: json.RawMessage(`["` + strings.ReplaceAll(xss, "/", `\/`) + `"]`)}},
		Offers: &[]catalog.StreamOfferRequest{{OfferID: o.ID, Share: ptr(100)}}})
	must(t, err)
	s.Stream = st.ID
	_, err = en.cat.AddBots(ctx, catalog.BotListRequest{Kind: "ua", Value: xss})
	must(t, err)
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// routePath fills a route's :params with the seeded ids.
func routePath(r Route, s seeded) string {
	id := map[string]int64{"campaigns": s.Campaign, "streams": s.Stream, "offers": s.Offer, "landings": s.Landing,
		"affiliate_networks": s.Network, "traffic_sources": s.Source, "users": s.Admin, "reports": 1, "logs": 7}
	p := r.Path
	if strings.HasPrefix(p, "/campaigns/:id/streams") || strings.HasPrefix(p, "/campaigns/:id/simulate") {
		p = strings.Replace(p, ":id", itoa64(s.Campaign), 1)
	}
	p = strings.Replace(p, ":id", itoa64(id[r.Entity]), 1)
	p = strings.Replace(p, ":key", "1", 1)
	return "/admin" + p
}

// TestEveryPageRendersAndEscapes walks every GET page as an admin over objects
// named <script>alert(1)</script>, proves the script never reaches the page
// raw, and that every template of the UI was rendered at least once.
func TestEveryPageRendersAndEscapes(t *testing.T) {
	en := newEnv(t, withFakes)
	var mu sync.Mutex
	rendered := map[string]bool{}
	en.ui.rendered = func(name string) { mu.Lock(); rendered[name] = true; mu.Unlock() }

	anon := en.browser()
	if rec := anon.do(http.MethodGet, "/admin/setup", nil); rec.Code != http.StatusOK {
		t.Fatalf("setup page: %d", rec.Code)
	}
	s := seed(t, en)
	s.Admin = en.user("admin", model.UserTypeAdmin, model.AccessData{}).ID
	if rec := anon.do(http.MethodGet, "/admin/login", nil); rec.Code != http.StatusOK {
		t.Fatalf("login page: %d", rec.Code)
	}
	b := en.browser()
	b.login("admin")
	must(t, en.st.DB.Create(&model.SavedReport{UserID: s.Admin, Name: xss, Request: `{"ui_query":"grouping=campaign"}`}).Error)
	if rec := b.post("/admin/users/"+itoa64(s.Admin)+"/api_keys", url.Values{"name": {xss}}); rec.Code != http.StatusOK {
		t.Fatalf("create api key: %d", rec.Code)
	}

	escaped := "&lt;script&gt;alert(1)&lt;/script&gt;"
	mustShowName := map[string]bool{"/campaigns": true, "/campaigns/:id": true, "/streams/:id": true, "/offers": true,
		"/offers/:id": true, "/landings": true, "/affiliate_networks": true, "/traffic_sources": true, "/reports": true,
		"/logs/clicks": true, "/logs/conversions": true, "/logs/postbacks": true, "/logs/s2s": true, "/settings": true,
		"/users/:id": true, "/": true, "/groups": true}
	for _, r := range en.ui.Routes() {
		if r.Method != http.MethodGet || r.Entity == Public {
			continue
		}
		path := routePath(r, s)
		rec := b.do(http.MethodGet, path, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, rec.Code)
			continue
		}
		body := rec.Body.String()
		if strings.HasSuffix(path, ".csv") {
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("CSV export headers: %q", ct)
			}
			continue // CSV is data, downloaded as an attachment, never rendered as HTML
		}
		if strings.Contains(body, xss) || strings.Contains(body, "<script>alert(1)") {
			t.Errorf("GET %s: raw script in the page", path)
		}
		if mustShowName[r.Path] && !strings.Contains(body, escaped) && !strings.Contains(body, `\u003cscript\u003e`) {
			t.Errorf("GET %s: the stored name is not shown (escaped)", path)
		}
	}
	rec := b.do(http.MethodPost, "/admin/campaigns/"+itoa64(s.Campaign)+"/simulate", url.Values{"ip": {"1.2.3.4"}}, csrfHeader, b.csrf)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), xss) || !strings.Contains(rec.Body.String(), escaped) {
		t.Errorf("simulate fragment: %d %s", rec.Code, rec.Body.String())
	}
	if rec := b.do(http.MethodGet, "/admin/offers/999999", nil); rec.Code != http.StatusNotFound {
		t.Errorf("missing offer: %d", rec.Code)
	}
	var missing []string
	for name := range en.ui.views.pages["en"] {
		if !rendered[name] {
			missing = append(missing, name)
		}
	}
	if !rendered["simulate_result"] {
		missing = append(missing, "simulate_result")
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("templates never rendered: %v", missing)
	}
}

// TestRouteTableRefusesAnonymousAndUnauthorised walks the whole route table:
// anonymous visitors go to the login page (GET) or get 401 (POST); a user
// without access to the route's entity gets 403; a read-only user may read
// but not write.
func TestRouteTableRefusesAnonymousAndUnauthorised(t *testing.T) {
	en := newEnv(t, withFakes)
	s := seed(t, en)
	s.Admin = en.user("admin", model.UserTypeAdmin, model.AccessData{}).ID
	en.user("nobody", model.UserTypeUser, model.AccessData{})
	en.user("reader", model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessReadOnly,
		OffersAccessType: model.AccessReadOnly, StreamsAccessType: model.AccessReadOnly})
	anon := en.browser()
	anon.do(http.MethodGet, "/admin/login", nil) // gets the double-submit token, so CSRF is not what refuses
	nobody, reader := en.browser(), en.browser()
	nobody.login("nobody")
	reader.login("reader")
	for _, r := range en.ui.Routes() {
		if r.Entity == Public {
			continue
		}
		path := routePath(r, s)
		var rec = anon.do(r.Method, path, nil)
		if r.Method == http.MethodPost {
			rec = anon.post(path, url.Values{})
		}
		switch {
		case r.Method == http.MethodGet && (rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/admin/login")):
			t.Errorf("anonymous GET %s: %d %s", path, rec.Code, rec.Header().Get("Location"))
		case r.Method == http.MethodPost && rec.Code != http.StatusUnauthorized:
			t.Errorf("anonymous POST %s: %d", path, rec.Code)
		}
		if r.Entity == AnyUser {
			continue
		}
		if code := call(nobody, r, path); code != http.StatusForbidden {
			t.Errorf("user without access, %s %s: %d, want 403", r.Method, path, code)
		}
		if r.Entity != "campaigns" && r.Entity != "offers" && r.Entity != "streams" {
			continue
		}
		code := call(reader, r, path)
		if r.Write && code != http.StatusForbidden {
			t.Errorf("read-only user, %s %s: %d, want 403", r.Method, path, code)
		}
		if !r.Write && code == http.StatusForbidden {
			t.Errorf("read-only user refused a read: %s %s", r.Method, path)
		}
	}
}

func call(b *browser, r Route, path string) int {
	if r.Method == http.MethodPost {
		return b.post(path, url.Values{}).Code
	}
	return b.do(r.Method, path, nil).Code
}

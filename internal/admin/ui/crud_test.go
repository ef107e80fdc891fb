package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

func adminBrowser(t *testing.T, en *env) *browser {
	t.Helper()
	en.user("admin", model.UserTypeAdmin, model.AccessData{})
	b := en.browser()
	b.login("admin")
	return b
}

// TestFormsKeepInputAndShowFieldErrors: bad input re-renders the form with a
// message beside the field and everything the user typed.
func TestFormsKeepInputAndShowFieldErrors(t *testing.T) {
	en := newEnv(t)
	b := adminBrowser(t, en)
	cases := []struct {
		name, path string
		form       url.Values
		wantInBody []string
	}{
		{"offer payout not a number", "/admin/offers",
			url.Values{"name": {"My offer"}, "action_payload": {"https://o.example/"}, "payout_value": {"abc"}},
			[]string{`value="My offer"`, `value="abc"`, "Not a number."}},
		{"offer without a name", "/admin/offers",
			url.Values{"name": {""}, "action_payload": {"https://o.example/kept"}},
			[]string{`value="https://o.example/kept"`, `class="field has-error"`}},
		{"campaign with a reserved alias", "/admin/campaigns",
			url.Values{"name": {"Camp typed"}, "alias": {"admin"}},
			[]string{`value="Camp typed"`, `value="admin"`, "flash error"}},
		{"source parameters not JSON", "/admin/traffic_sources",
			url.Values{"name": {"Src"}, "parameters": {"{not json"}},
			[]string{"Not valid JSON.", "{not json"}},
		{"settings bad time zone", "/admin/settings",
			url.Values{"currency": {"USD"}, "timezone": {"Mars/Olympus"}},
			[]string{`value="Mars/Olympus"`, `class="field has-error"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := b.post(tc.path, tc.form)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("code %d, want 422", rec.Code)
			}
			for _, want := range tc.wantInBody {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("body lacks %q", want)
				}
			}
		})
	}
	offers, _ := en.cat.ListOffers(t.Context(), "")
	if len(offers) != 0 {
		t.Errorf("an invalid form stored an offer: %+v", offers)
	}
}

// TestBuyerSetsUpACampaign drives the forms the way a buyer does: network
// (from a preset), offer, traffic source (from a preset), campaign, two
// streams with a country filter, reorder, disable, clone.
func TestBuyerSetsUpACampaign(t *testing.T) {
	en := newEnv(t, withFakes)
	b := adminBrowser(t, en)
	ctx := t.Context()
	if rec := b.do(http.MethodGet, "/admin/affiliate_networks/new?preset=ClickDealer", nil); !strings.Contains(rec.Body.String(), `value="aff_sub={subid}"`) {
		t.Fatalf("network preset not filled in")
	}
	if _, err := en.cat.RegeneratePostbackKey(ctx); err != nil {
		t.Fatal(err)
	}
	created := func(path string, form url.Values) string {
		t.Helper()
		rec := b.post(path, form)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec.Header().Get("Location")
	}
	netURL := created("/admin/affiliate_networks", url.Values{"name": {"ClickDealer"}, "offer_param": {"aff_sub={subid}"},
		"postback_url": {"https://YOUR_TRACKER/YOUR_POSTBACK_KEY/postback?subid={aff_sub}&payout={payout}"}, "duplicate_policy": {"ignore"}, "state": {"active"}})
	settings, _ := en.cat.GetSettings(ctx)
	page := b.do(http.MethodGet, netURL, nil).Body.String()
	want := "http://example.com/" + settings.PostbackKey + "/postback?subid={aff_sub}&amp;payout={payout}"
	if settings.PostbackKey == "" || !strings.Contains(page, want) {
		t.Errorf("network page does not show the postback URL to paste (%q)", want)
	}
	nets, _ := en.cat.ListAffiliateNetworks(ctx, "")
	offerURL := created("/admin/offers", url.Values{"name": {"Offer A"}, "action_payload": {"https://offer.example/?c={subid}"},
		"affiliate_network_id": {itoa64(nets[0].ID)}, "payout_value": {"2,5"}, "payout_currency": {"USD"}, "country": {"US\nCA"}, "state": {"active"}})
	offers, _ := en.cat.ListOffers(ctx, "")
	if len(offers) != 1 || offers[0].PayoutValue != 2.5 || offers[0].AffiliateNetworkID == nil || !strings.Contains(string(offers[0].Country), "CA") {
		t.Fatalf("offer not stored as typed: %+v (%s)", offers, offerURL)
	}
	b.do(http.MethodGet, "/admin/traffic_sources/new?preset=PropellerAds", nil)
	created("/admin/traffic_sources", url.Values{"name": {"Propeller"}, "postback_method": {"GET"}, "postback_statuses": {"sale"},
		"parameters": {`{"external_id": {"name": "subid", "placeholder": "${SUBID}"}, "sub_id_1": {"name": "zone", "placeholder": "${zoneid}"}}`}, "state": {"active"}})
	sources, _ := en.cat.ListTrafficSources(ctx, "")
	campURL := created("/admin/campaigns", url.Values{"name": {"Summer push"}, "alias": {"summer"}, "traffic_source_id": {itoa64(sources[0].ID)},
		"type": {"position"}, "cost_type": {"CPC"}, "cost_value": {"0.01"}, "state": {"active"}})
	camp := b.do(http.MethodGet, campURL, nil).Body.String()
	if !strings.Contains(camp, "http://example.com/summer") || !strings.Contains(camp, "zone=${zoneid}") {
		t.Errorf("campaign page lacks the tracking link builder with the source's parameters")
	}
	cid := strings.TrimPrefix(campURL, "/admin/campaigns/")
	filters := `[{"name":"country","mode":"accept","payload":["US","CA"]}]`
	offersJSON := `[{"offer_id":` + itoa64(offers[0].ID) + `,"share":100}]`
	created("/admin/campaigns/"+cid+"/streams", url.Values{"name": {"US+CA"}, "type": {"regular"}, "schema": {"redirect"},
		"action_type": {"http"}, "weight": {"100"}, "collect_clicks": {"1"}, "state": {"active"}, "filters": {filters}, "offers": {offersJSON}})
	created("/admin/campaigns/"+cid+"/streams", url.Values{"name": {"Everyone else"}, "type": {"default"}, "schema": {"redirect"},
		"action_type": {"http"}, "state": {"active"}, "filters": {"[]"}, "offers": {offersJSON}})
	bad := b.post("/admin/campaigns/"+cid+"/streams", url.Values{"name": {"Broken"}, "type": {"regular"}, "schema": {"redirect"},
		"action_type": {"http"}, "state": {"active"}, "filters": {`[{"name":"country","mode":"accept","payload":"US"}]`}})
	if bad.Code != http.StatusUnprocessableEntity || !strings.Contains(bad.Body.String(), `value="Broken"`) {
		t.Errorf("invalid filter payload: %d, typed name kept: %v", bad.Code, strings.Contains(bad.Body.String(), "Broken"))
	}
	streams, _ := en.cat.ListStreams(ctx, mustID(t, cid), "")
	if len(streams) != 2 || len(streams[0].Filters) != 1 || streams[0].Filters[0].Name != "country" || len(streams[0].Offers) != 1 {
		t.Fatalf("streams not stored: %+v", streams)
	}
	partial := url.Values{"stream_id": {itoa64(streams[1].ID)}}
	if rec := b.post("/admin/campaigns/"+cid+"/streams/order", partial); rec.Code != http.StatusBadRequest {
		t.Fatalf("reorder naming one of two streams: %d, want 400", rec.Code)
	}
	order := url.Values{"stream_id": {itoa64(streams[1].ID), itoa64(streams[0].ID)}}
	if rec := b.post("/admin/campaigns/"+cid+"/streams/order", order); rec.Code != http.StatusSeeOther {
		t.Fatalf("reorder: %d", rec.Code)
	}
	streams, _ = en.cat.ListStreams(ctx, mustID(t, cid), "")
	if streams[0].Name != "Everyone else" {
		t.Errorf("order not saved: first is %q", streams[0].Name)
	}
	if rec := b.post("/admin/campaigns/"+cid+"/state", url.Values{"state": {"disabled"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("disable: %d", rec.Code)
	}
	if c, _ := en.cat.GetCampaign(ctx, mustID(t, cid)); c.State != model.StateDisabled {
		t.Errorf("state toggle: %s", c.State)
	}
	cloneURL := created("/admin/campaigns/"+cid+"/clone", nil)
	if cloneURL == campURL || !strings.HasPrefix(cloneURL, "/admin/campaigns/") {
		t.Errorf("clone went to %s", cloneURL)
	}
	list := b.do(http.MethodGet, "/admin/campaigns?q=summer", nil).Body.String()
	if !strings.Contains(list, "Summer push (copy)") || !strings.Contains(list, "2 campaigns") {
		t.Errorf("campaign search does not show the original and the copy")
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return id
}

// TestAPIKeyShownOnceAndRevoked: the key appears on the create response only.
func TestAPIKeyShownOnceAndRevoked(t *testing.T) {
	en := newEnv(t)
	b := adminBrowser(t, en)
	users, _ := en.users.ListUsers(t.Context())
	uid := itoa64(users[0].ID)
	rec := b.post("/admin/users/"+uid+"/api_keys", url.Values{"name": {"script"}})
	keys, _ := en.users.ListAPIKeys(t.Context(), users[0].ID)
	if len(keys) != 1 {
		t.Fatalf("keys: %d", len(keys))
	}
	body := rec.Body.String()
	i := strings.Index(body, `id="new-key" value="`)
	if i < 0 {
		t.Fatalf("new key not shown")
	}
	key := body[i+len(`id="new-key" value="`):]
	key = key[:strings.Index(key, `"`)]
	if u, err := en.users.UserForAPIKey(t.Context(), key); err != nil || u.ID != users[0].ID {
		t.Fatalf("shown key does not authenticate: %v", err)
	}
	if again := b.do(http.MethodGet, "/admin/users/"+uid, nil).Body.String(); strings.Contains(again, key) {
		t.Errorf("key shown a second time")
	}
	if rec := b.post("/admin/users/"+uid+"/api_keys/"+itoa64(keys[0].ID)+"/revoke", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", rec.Code)
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := en.users.UserForAPIKey(t.Context(), key); err == nil {
		t.Errorf("revoked key still works")
	}
}

// TestSavedReportsAndResend: saved reports belong to their user; resend calls the service.
func TestSavedReportsAndResend(t *testing.T) {
	pb := &fakePostbacks{}
	en := newEnv(t, withFakes, func(o *Options) { o.Postback = pb })
	b := adminBrowser(t, en)
	rec := b.post("/admin/reports/save", url.Values{"name": {"By country"}, "query": {"grouping=country&metrics=clicks&interval=today"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", rec.Code, rec.Body.String())
	}
	page := b.do(http.MethodGet, "/admin/reports", nil).Body.String()
	if !strings.Contains(page, "By country") || !strings.Contains(page, "grouping=country") {
		t.Errorf("saved report not listed")
	}
	var saved model.SavedReport
	must(t, en.st.DB.Take(&saved).Error)
	en.user("other", model.UserTypeAdmin, model.AccessData{})
	other := en.browser()
	other.login("other")
	if rec := other.post("/admin/reports/saved/"+itoa64(saved.ID)+"/delete", nil); rec.Code != http.StatusNotFound {
		t.Errorf("another user deleted my saved report: %d", rec.Code)
	}
	if rec := b.post("/admin/reports/saved/"+itoa64(saved.ID)+"/delete", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("delete own saved report: %d", rec.Code)
	}
	if rec := b.post("/admin/logs/s2s/7/resend", nil); rec.Code != http.StatusSeeOther || len(pb.resent) != 1 || pb.resent[0] != 7 {
		t.Errorf("resend: %d %v", rec.Code, pb.resent)
	}
}

// TestGroupsFilterTheCampaignList: a group made on the groups page files campaigns.
func TestGroupsFilterTheCampaignList(t *testing.T) {
	en := newEnv(t)
	b := adminBrowser(t, en)
	if rec := b.post("/admin/groups", url.Values{"type": {"campaigns"}, "name": {"Push"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("create group: %d %s", rec.Code, rec.Body.String())
	}
	if rec := b.post("/admin/groups", url.Values{"type": {"campaigns"}, "name": {""}}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("group without a name: %d", rec.Code)
	}
	groups, _ := en.cat.ListGroups(t.Context(), "campaigns")
	if len(groups) != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	gid := groups[0].ID
	_, err := en.cat.CreateCampaign(t.Context(), catalog.CampaignRequest{Name: ptr("In push"), GroupID: &gid})
	must(t, err)
	_, err = en.cat.CreateCampaign(t.Context(), catalog.CampaignRequest{Name: ptr("Elsewhere")})
	must(t, err)
	page := b.do(http.MethodGet, "/admin/campaigns?group="+itoa64(gid), nil).Body.String()
	if !strings.Contains(page, "In push") || strings.Contains(page, "Elsewhere") {
		t.Errorf("group filter does not filter")
	}
}

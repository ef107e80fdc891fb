package track

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/snapshot"
)

// actionData is campaign "summer" whose only stream uses schema and action.
func actionData(schema, action, payload string) snapshot.Data {
	d := basic(action, payload)
	d.Streams[0].Schema = schema
	return d
}

func TestActions(t *testing.T) {
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "https://remote-dest.example/p?from=%s\n", r.URL.Query().Get("c"))
	}))
	defer remote.Close()
	offerURL := "https://offer.example/go?click="
	tests := []struct {
		name, schema, action, payload string
		query                         string
		code                          int
		location                      string   // prefix of the Location header
		body                          []string // fragments the body must hold
		notBody                       []string
		header                        [2]string
	}{
		{name: "http", schema: "redirect", action: "http", code: 302, location: offerURL},
		{name: "meta", schema: "redirect", action: "meta", code: 200, body: []string{`http-equiv="refresh" content="0;url=https://offer.example/go?click=`}},
		{name: "double_meta", schema: "redirect", action: "double_meta", code: 200, body: []string{`content="0;url=/?_dm=`}, header: [2]string{"Referrer-Policy", "no-referrer"}},
		{name: "js", schema: "redirect", action: "js", code: 200, body: []string{`window.location.replace("https://offer.example/go?click=`}},
		{name: "blank_referrer", schema: "redirect", action: "blank_referrer", code: 200, body: []string{`<meta name="referrer" content="no-referrer">`}, header: [2]string{"Referrer-Policy", "no-referrer"}},
		{name: "iframe", schema: "redirect", action: "iframe", code: 200, body: []string{`<iframe src="https://offer.example/go?click=`}},
		{name: "formsubmit", schema: "redirect", action: "formsubmit", code: 200, body: []string{`action="https://offer.example/go"`, `<input type="hidden" name="click" value="`}},
		{name: "show_text", schema: "action", action: "show_text", payload: "Hi {sub_id_1}<b>", query: "?zoneid=z%3C1%3E", code: 200, body: []string{"Hi z<1><b>"}, header: [2]string{"Content-Type", "text/plain; charset=utf-8"}},
		{name: "show_html escapes macros", schema: "action", action: "show_html", payload: "<p>{_sub_id_1}</p>", query: "?zoneid=%3Cscript%3Ealert(1)%3C/script%3E", code: 200, body: []string{"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"}, notBody: []string{"<script>"}},
		{name: "status404", schema: "action", action: "status404", code: 404},
		{name: "do_nothing", schema: "action", action: "do_nothing", code: 200},
		{name: "action http", schema: "action", action: "http", payload: "https://static.example/{sub_id_1}", query: "?zoneid=7", code: 302, location: "https://static.example/7"},
		{name: "remote", schema: "action", action: "remote", payload: remote.URL + "/?c={country}", code: 302, location: "https://remote-dest.example/p?from=US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newRig(t, actionData(tt.schema, tt.action, tt.payload), nil, func(o *Options) {
				o.AllowPrivate = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			})
			w := g.get("/summer" + tt.query)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d; body %q", w.Code, tt.code, w.Body.String())
			}
			if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, tt.location) || (tt.location == "") != (loc == "") {
				t.Fatalf("Location %q, want prefix %q", loc, tt.location)
			}
			for _, frag := range tt.body {
				if !strings.Contains(w.Body.String(), frag) {
					t.Errorf("body lacks %q:\n%s", frag, w.Body.String())
				}
			}
			for _, frag := range tt.notBody {
				if strings.Contains(w.Body.String(), frag) {
					t.Errorf("body holds %q:\n%s", frag, w.Body.String())
				}
			}
			if tt.header[0] != "" && w.Header().Get(tt.header[0]) != tt.header[1] {
				t.Errorf("%s = %q, want %q", tt.header[0], w.Header().Get(tt.header[0]), tt.header[1])
			}
			if g.rec.count() != 1 {
				t.Fatalf("recorded %d clicks, want 1", g.rec.count())
			}
		})
	}
}

func TestDoubleMetaSecondHop(t *testing.T) {
	g := newRig(t, actionData("redirect", "double_meta", ""), nil)
	w := g.get("/summer")
	body := w.Body.String()
	i := strings.Index(body, "/?_dm=")
	hop := body[i : i+strings.IndexByte(body[i:], '"')]
	hop = strings.ReplaceAll(hop, "&amp;", "&")
	second := g.get(hop)
	if second.Code != 200 || !strings.Contains(second.Body.String(), "https://offer.example/go?click=") {
		t.Fatalf("second hop: %d %s", second.Code, second.Body.String())
	}
	u, _ := url.Parse(hop)
	q := u.Query()
	q.Set("_dm", "aHR0cHM6Ly9ldmlsLmV4YW1wbGUv") // https://evil.example/ with the old signature
	if w := g.get("/?" + q.Encode()); w.Code != 404 {
		t.Fatalf("a tampered hop must be refused, got %d", w.Code)
	}
}

func TestRemoteRefusesPrivateAddresses(t *testing.T) {
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "https://remote-dest.example/")
	}))
	defer remote.Close()
	g := newRig(t, actionData("action", "remote", remote.URL+"/"), nil)
	if w := g.get("/summer"); w.Code != 404 || w.Header().Get("Location") != "" {
		t.Fatalf("a remote on 127.0.0.1 must be refused without AllowPrivate, got %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestCampaignChaining(t *testing.T) {
	chain := func(n int) snapshot.Data {
		d := basic("http", "")
		d.Streams = nil
		for i := 1; i <= n+1; i++ {
			d.Campaigns = append(d.Campaigns, model.Campaign{ID: int64(100 + i), Alias: fmt.Sprintf("c%d", i), Name: "c", State: "active"})
			s := model.Stream{ID: int64(1000 + i), CampaignID: int64(100 + i), Type: "default", Schema: "action",
				ActionType: "campaign", ActionPayload: fmt.Sprint(101 + i), CollectClicks: true}
			if i == n+1 { // the last campaign redirects
				s.Schema, s.ActionType, s.ActionPayload = "redirect", "http", ""
				s.Offers = []model.StreamOffer{{OfferID: 1, Share: 1}}
			}
			d.Streams = append(d.Streams, s)
		}
		return d
	}
	tests := []struct {
		hops int
		code int
	}{{1, 302}, {10, 302}, {11, 404}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.hops, " hops"), func(t *testing.T) {
			g := newRig(t, chain(tt.hops), nil)
			w := g.get("/c1")
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d", w.Code, tt.code)
			}
			if tt.code == 302 && g.rec.last(t).CampaignID != int64(101+tt.hops) {
				t.Fatalf("click recorded on campaign %d, want the last one", g.rec.last(t).CampaignID)
			}
		})
	}
}

// Two nodes sharing the database (so the postback key) accept each other's
// double meta hops.
func TestDoubleMetaHopWorksAcrossNodes(t *testing.T) {
	d := actionData("redirect", "double_meta", "")
	d.Settings = []model.Setting{{Key: model.SettingPostbackKey, Value: "pbkey-123"}}
	a, b := newRig(t, d, nil), newRig(t, d, nil)
	body := a.get("/summer").Body.String()
	i := strings.Index(body, "/?_dm=")
	hop := strings.ReplaceAll(body[i:i+strings.IndexByte(body[i:], '"')], "&amp;", "&")
	if w := b.get(hop); w.Code != 200 || !strings.Contains(w.Body.String(), "https://offer.example/go?click=") {
		t.Fatalf("node b refused node a's hop: %d", w.Code)
	}
}

package routing

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	kcatalog "github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// payloadless filters ignore their payload (accept = the visitor is one).
var payloadless = map[string]bool{"bot": true, "proxy": true, "empty_referrer": true, "ipv6": true}

// FuzzFilterPayload compiles any filter name, mode and payload: compiling and
// matching never panic, and a filter whose payload was not understood never
// lets anyone through, in accept or reject mode.
func FuzzFilterPayload(f *testing.F) {
	for _, fi := range kcatalog.StreamFilters() {
		f.Add(fi.Name, "accept", string(fi.Template), "1.2.3.4")
	}
	for _, s := range []struct{ name, mode, payload string }{
		{"ip", "reject", `["10.0.0.0/33","1.2.3.4-1.2.3.1","::1-1.2.3.4"]`},
		{"user_agent", "reject", `["/(?i)bot[/", "*a**b*"]`},
		{"referrer", "reject", `null`},
		{"sub_id_31", "accept", `["x"]`},
		{"sub_id_01", "reject", `["x"]`},
		{"limit", "reject", `{"per_hour":-1}`},
		{"schedule", "reject", `{"timezone":"../../etc/passwd","days":[{"day":7,"from":"25:00","to":"x"}]}`},
		{"interval", "reject", `{"from":"9999-99-99","timezone":"Local"}`},
		{"uniqueness", "reject", `{"scope":"global","method":"cookie"}`},
		{"parameter", "reject", `[{"name":"","values":["a"]}]`},
		{"country", "sideways", `["US"]`},
	} {
		f.Add(s.name, s.mode, s.payload, "10.1.2.3")
	}
	f.Fuzz(func(t *testing.T, name, mode, payload, probe string) {
		mf := &model.StreamFilter{Name: name, Mode: mode, Payload: model.JSONText(payload)}
		flt := CompileFilter(mf)
		known := builders[name] != nil || subIDNumber(name) > 0
		switch {
		case !known && flt.Err == nil:
			t.Fatalf("unknown filter %q compiled", name)
		case mode != "" && mode != "accept" && mode != "reject" && flt.Err == nil:
			t.Fatalf("unknown mode %q compiled", mode)
		case known && !payloadless[name] && !json.Valid([]byte(payload)) && flt.Err == nil:
			t.Fatalf("filter %s compiled a payload that is not JSON: %q", name, payload)
		}
		c, s := fuzzStream(flt)
		for _, in := range fuzzInputs(probe) {
			ok := flt.Passes(c, s, in)
			if flt.Err != nil && ok {
				t.Fatalf("invalid filter %s %s %q (%v) passed %q", name, mode, payload, flt.Err, probe)
			}
			if pass, _ := s.Pass(c, in); flt.Err != nil && pass {
				t.Fatalf("stream with invalid filter %s passed", name)
			}
		}
	})
}

func fuzzStream(f *Filter) (*Campaign, *Stream) {
	c := &Campaign{Model: &model.Campaign{ID: 7}}
	s := &Stream{Model: &model.Stream{ID: 9, CampaignID: 7}, Filters: []*Filter{f}}
	return c, s
}

// fuzzInputs are visitors made of the probe, plus an empty one.
func fuzzInputs(probe string) []*Input {
	ip, _ := netip.ParseAddr(probe)
	v := Visitor{IP: ip, Country: probe, Region: probe, City: probe, ISP: probe, ConnectionType: probe,
		DeviceType: probe, DeviceModel: probe, OS: probe, OSVersion: probe, Browser: probe,
		BrowserVersion: probe, Language: probe, UserAgent: probe, Referrer: probe, IsBot: true, IsProxy: true}
	params := map[string]string{"keyword": probe, "source": probe, "sub_id_1": probe, probe: probe}
	now := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	return []*Input{
		{Visitor: v, Params: params, Now: now, Rand: func() float64 { return 0.5 }},
		{Params: map[string]string{}, Now: time.Time{}, Rand: func() float64 { return 0 }},
	}
}

// TestCatalogFilterTemplatesRoute checks that the payload examples the
// catalog publishes (GET /stream_filters) mean the same to routing: each
// compiles and, in accept mode, lets a matching visitor through.
func TestCatalogFilterTemplatesRoute(t *testing.T) {
	ua := "Mozilla/5.0 (Linux; Android 14)"
	match := Visitor{IP: netip.MustParseAddr("2001:db8::1"), Country: "US", Region: "California", City: "Berlin",
		ISP: "Comcast", ConnectionType: "wifi", DeviceType: "mobile", DeviceModel: "iPhone", OS: "Android",
		OSVersion: "14", Browser: "Chrome", BrowserVersion: "120", Language: "en", UserAgent: ua,
		Referrer: "https://www.google.com/", IsBot: true, IsProxy: true}
	in := &Input{Visitor: match, Now: time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC), // a Wednesday, 10:00 UTC
		Params: map[string]string{"keyword": "shoes", "source": "site.com", "utm_source": "fb"},
		Rand:   func() float64 { return 0.5 }}
	for i := 1; i <= 30; i++ {
		in.Params["sub_id_"+itoa(i)] = "a"
	}
	for _, fi := range kcatalog.StreamFilters() {
		t.Run(fi.Name, func(t *testing.T) {
			flt := CompileFilter(&model.StreamFilter{Name: fi.Name, Mode: "accept", Payload: model.JSONText(fi.Template)})
			if flt.Err != nil {
				t.Fatalf("template %s does not compile in routing: %v", fi.Template, flt.Err)
			}
			c, s := fuzzStream(flt)
			in := *in
			switch fi.Name {
			case "ip":
				in.Visitor.IP = netip.MustParseAddr("5.6.7.50")
			case "empty_referrer":
				in.Visitor.Referrer = ""
			case "user_agent":
				in.Visitor.UserAgent = "Googlebot/2.1" // only the /bot/i example matches
			}
			if fi.Name != "uniqueness" && fi.Name != "limit" && !flt.Passes(c, s, &in) {
				t.Fatalf("template %s: a matching visitor does not pass", fi.Template)
			}
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

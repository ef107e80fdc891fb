package visitor

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func TestParse(t *testing.T) {
	p := newTestParser(t, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	bots := NewBotList([]model.BotListEntry{{Kind: "ip", Value: "198.51.100.0/24"}, {Kind: "ua", Value: "kitetestagent"}})
	tests := []struct {
		name    string
		remote  string
		headers map[string]string
		check   func(t *testing.T, v Visitor)
	}{
		{"iphone behind trusted proxy", "127.0.0.1:80", map[string]string{
			"X-Forwarded-For": "8.8.8.8", "User-Agent": uaIPhoneSafari,
			"Accept-Language": "en-GB,en;q=0.9", "Referer": "https://news.example/a?b=c",
		}, func(t *testing.T, v Visitor) {
			want := Visitor{IP: netip.MustParseAddr("8.8.8.8"), IPText: "8.8.8.8", Country: "US",
				UserAgent: uaIPhoneSafari, DeviceType: "mobile", DeviceModel: "iPhone", OS: "iOS", OSVersion: "17.4",
				Browser: "Mobile Safari", BrowserVersion: "17.4", Language: "en", Referrer: "https://news.example/a?b=c"}
			if v != want {
				t.Errorf("got  %+v\nwant %+v", v, want)
			}
		}},
		{"spoofed forwarding from untrusted peer", "8.8.4.4:80", map[string]string{
			"X-Forwarded-For": "198.51.100.1", "User-Agent": uaWindowsChrome,
		}, func(t *testing.T, v Visitor) {
			if v.IPText != "8.8.4.4" || !v.IsProxy || v.IsBot {
				t.Errorf("got ip %s proxy %v bot %v", v.IPText, v.IsProxy, v.IsBot)
			}
		}},
		{"user bot list ip", "198.51.100.9:80", map[string]string{"User-Agent": uaWindowsChrome}, func(t *testing.T, v Visitor) {
			if !v.IsBot || v.BotReason != BotReasonBotListIP || v.DeviceType != "desktop" {
				t.Errorf("got bot %v %q device %q", v.IsBot, v.BotReason, v.DeviceType)
			}
		}},
		{"user bot list ua", "8.8.4.4:80", map[string]string{"User-Agent": uaWindowsChrome + " KiteTestAgent/1"}, func(t *testing.T, v Visitor) {
			if !v.IsBot || v.BotReason != BotReasonBotListUA {
				t.Errorf("got bot %v %q", v.IsBot, v.BotReason)
			}
		}},
		{"crawler wins over list", "198.51.100.9:80", map[string]string{"User-Agent": uaGooglebot}, func(t *testing.T, v Visitor) {
			if !v.IsBot || v.BotReason != `crawler: Googlebot\/` || v.DeviceType != "bot" {
				t.Errorf("got bot %v %q device %q", v.IsBot, v.BotReason, v.DeviceType)
			}
		}},
		{"empty ua is a bot", "[2001:4860:4860::8888]:80", nil, func(t *testing.T, v Visitor) {
			if !v.IsBot || v.BotReason != BotReasonEmptyUA || v.Country != "US" || v.IPText != "2001:4860:4860::8888" {
				t.Errorf("got %+v", v)
			}
		}},
		{"hostile text sanitised", "8.8.4.4:80", map[string]string{
			"User-Agent": "Mozilla\x00/5.0\xff", "Referer": "http://x/\x1b[31m", "Accept-Language": "\xff",
		}, func(t *testing.T, v Visitor) {
			if v.UserAgent != "Mozilla /5.0\uFFFD" || v.Referrer != "http://x/ [31m" || v.Language != "" {
				t.Errorf("got ua %q ref %q lang %q", v.UserAgent, v.Referrer, v.Language)
			}
		}},
		{"garbage remote addr", "not an address", map[string]string{"User-Agent": uaWindowsChrome}, func(t *testing.T, v Visitor) {
			if v.IP.IsValid() || v.IPText != "" || v.Country != "" || v.Browser != "Chrome" {
				t.Errorf("got %+v", v)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/alias", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			tt.check(t, p.Parse(r, bots))
		})
	}
}

func TestParseNilBots(t *testing.T) {
	p := newTestParser(t, Options{})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("User-Agent", uaAndroidChrome)
	if v := p.Parse(r, nil); v.IsBot || v.DeviceType != "mobile" {
		t.Errorf("got %+v", v)
	}
}

// BenchmarkParse is the click-path cost of one visitor with a cached UA:
// real IP, embedded country lookup, language, bot checks.
func BenchmarkParse(b *testing.B) {
	p := newTestParser(b, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	bots := NewBotList([]model.BotListEntry{{Kind: "ip", Value: "198.51.100.0/24"}, {Kind: "ua", Value: "scraper"}})
	r := httptest.NewRequest(http.MethodGet, "/alias?sub_id_1=x", nil)
	r.RemoteAddr = "10.0.0.1:5555"
	r.Header.Set("X-Forwarded-For", "8.8.8.8")
	r.Header.Set("User-Agent", uaAndroidChrome)
	r.Header.Set("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8")
	r.Header.Set("Referer", "https://news.example/")
	b.ReportAllocs()
	for b.Loop() {
		if v := p.Parse(r, bots); v.Country != "US" {
			b.Fatal(v.Country)
		}
	}
}

// TestParseConcurrent shares one Parser (and its UA cache) between
// goroutines, as the HTTP server does; run with -race.
func TestParseConcurrent(t *testing.T) {
	p := newTestParser(t, Options{UACacheSize: 32})
	uas := []string{uaIPhoneSafari, uaAndroidChrome, uaWindowsChrome, uaIPad, uaGooglebot, uaMacSafari}
	done := make(chan Visitor, 8)
	for g := range 8 {
		go func() {
			var last Visitor
			for i := range 50 {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("User-Agent", uas[(g+i)%len(uas)]+" r/"+string(rune('a'+i%20)))
				last = p.Parse(r, nil)
			}
			done <- last
		}()
	}
	for range 8 {
		if v := <-done; v.DeviceType == "" {
			t.Errorf("no device type for %q", v.UserAgent)
		}
	}
}

package visitor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ua-parser/uap-go/uaparser"
)

const (
	uaIPhoneSafari  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	uaAndroidChrome = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
	uaWindowsChrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	uaIPad          = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
	uaMacSafari     = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"
	uaFirefoxLinux  = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
	uaAndroidTablet = "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
	uaGooglebot     = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)

func TestAgentParse(t *testing.T) {
	p := newTestParser(t, Options{})
	tests := []struct {
		name, ua                                string
		devType, model, os, osVer, browser, ver string
		bot                                     bool
	}{
		{"iphone safari", uaIPhoneSafari, "mobile", "iPhone", "iOS", "17.4", "Mobile Safari", "17.4", false},
		{"android chrome", uaAndroidChrome, "mobile", "SM-S918B", "Android", "14", "Chrome Mobile", "124.0.0", false},
		{"windows chrome", uaWindowsChrome, "desktop", "", "Windows", "10", "Chrome", "124.0.0", false},
		{"ipad", uaIPad, "tablet", "iPad", "iOS", "16.6", "Mobile Safari", "16.6", false},
		{"mac safari", uaMacSafari, "desktop", "Mac", "Mac OS X", "10.15.7", "Safari", "17.4", false},
		{"firefox linux", uaFirefoxLinux, "desktop", "", "Ubuntu", "", "Firefox", "125.0", false},
		{"android tablet", uaAndroidTablet, "tablet", "SM-X200", "Android", "13", "Chrome", "122.0.0", false},
		{"googlebot", uaGooglebot, "bot", "", "", "", "Googlebot", "2.1", true},
		{"curl", "curl/8.5.0", "bot", "", "", "", "curl", "8.5.0", true},
		{"empty", "", "", "", "", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := p.agents.parse(tt.ua)
			got := fmt.Sprint(a.DeviceType, "|", a.DeviceModel, "|", a.OS, "|", a.OSVersion, "|", a.Browser, "|", a.BrowserVersion, "|", a.IsBot)
			want := fmt.Sprint(tt.devType, "|", tt.model, "|", tt.os, "|", tt.osVer, "|", tt.browser, "|", tt.ver, "|", tt.bot)
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if tt.bot && a.BotReason == "" {
				t.Error("bot without a reason")
			}
		})
	}
}

func TestDeviceType(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 SamsungBrowser/4.0 TV Safari/537.36", "tv"},
		{"Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7233) AppleWebKit/537.36 (KHTML, like Gecko) Silk/112 like Chrome/112 Safari/537.36", "tv"},
		{"Roku/DVP-9.10 (519.10E04111A)", "tv"},
		{"Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)", "console"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 Edge/44.18363.8131", "console"},
		{"Mozilla/5.0 (Linux; Android 11; Wear OS) AppleWebKit/537.36", "wearable"},
		{"Mozilla/5.0 (Linux; U; Android 4.0.3; en-us; KFTT Build/IML74K) AppleWebKit/535.19 Silk/3.4 Safari/535.19", "tablet"},
		{uaAndroidTablet, "tablet"},
		{uaAndroidChrome, "mobile"},
		{"Opera/9.80 (J2ME/MIDP; Opera Mini/9.80; U; en) Presto/2.12.423 Version/12.16", "mobile"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/124.0.0.0 Safari/537.36", "desktop"},
		{"SomethingUnknown/1.0", ""},
	}
	for _, tt := range tests {
		if got := deviceType(tt.ua); got != tt.want {
			t.Errorf("deviceType(%.50q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

func TestUACacheBounded(t *testing.T) {
	c := newUACache(256)
	for i := range 5000 {
		c.put(fmt.Sprintf("ua-%d", i), agentInfo{Browser: "b"})
	}
	if n := c.len(); n > 256+2*uaCacheShards {
		t.Errorf("cache holds %d entries, bound is about 256", n)
	}
	c.put("hot", agentInfo{Browser: "hot"})
	for i := range 5000 { // keep touching "hot" while flooding: it must survive
		c.put(fmt.Sprintf("flood-%d", i), agentInfo{})
		if v, ok := c.get("hot"); !ok || v.Browser != "hot" {
			t.Fatalf("hot entry evicted after %d inserts", i)
		}
	}
}

func TestAgentParseCaches(t *testing.T) {
	p := newTestParser(t, Options{UACacheSize: 64})
	ua := strings.Repeat("x", 10) + " " + uaWindowsChrome
	first := p.agents.parse(ua)
	if _, ok := p.agents.cache.get(ua); !ok {
		t.Fatal("result not cached")
	}
	if again := p.agents.parse(ua); again != first {
		t.Errorf("cached result differs: %+v vs %+v", again, first)
	}
}

func BenchmarkUACached(b *testing.B) {
	p := newTestParser(b, Options{})
	p.agents.parse(uaAndroidChrome)
	b.ReportAllocs()
	for b.Loop() {
		p.agents.parse(uaAndroidChrome)
	}
}

// BenchmarkUAUncached measures a cache miss: uap-go plus the crawler check.
func BenchmarkUAUncached(b *testing.B) {
	p := newTestParser(b, Options{})
	uas := make([]string, 4096) // distinct, so uap-go's own small cache misses too
	for i := range uas {
		uas[i] = fmt.Sprintf("%s K/%d", uaAndroidChrome, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.agents.compute(uas[i%len(uas)])
		i++
	}
}

// BenchmarkUAUncachedUAPGo is the same miss through uap-go's own Parse*, for
// comparison with the prefiltered rules.
func BenchmarkUAUncachedUAPGo(b *testing.B) {
	ref, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		b.Fatal(err)
	}
	uas := make([]string, 4096)
	for i := range uas {
		uas[i] = fmt.Sprintf("%s K/%d", uaAndroidChrome, i)
	}
	i := 0
	for b.Loop() {
		s := uas[i%len(uas)]
		ref.ParseUserAgent(s)
		ref.ParseOs(s)
		ref.ParseDevice(s)
		i++
	}
}

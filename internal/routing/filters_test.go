package routing

import (
	"net/netip"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// baseVisitor is a typical mobile visitor from the US.
func baseVisitor() Visitor {
	return Visitor{
		IP: netip.MustParseAddr("203.0.113.7"), Country: "US", Region: "CA", City: "San Jose", ISP: "Comcast",
		ConnectionType: "cable", DeviceType: "mobile", DeviceModel: "iPhone", OS: "iOS", OSVersion: "17.4.1",
		Browser: "Safari", BrowserVersion: "17.4", Language: "en-US",
		UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1",
		Referrer:  "https://news.example.com/article",
	}
}

func TestFilters(t *testing.T) {
	// Monday 2026-11-30 10:30 UTC.
	now := time.Date(2026, 11, 30, 10, 30, 0, 0, time.UTC)
	v6 := baseVisitor()
	v6.IP = netip.MustParseAddr("2001:db8::5")
	bot := baseVisitor()
	bot.IsBot, bot.IsProxy, bot.Referrer = true, true, ""
	params := map[string]string{"keyword": "cheap shoes", "source": "site.com", "sub_id_3": "zone42", "zone": "7"}
	seen := Counters{Seen: map[UniqKey]bool{
		{Scope: ScopeCampaign, Method: MethodIPUA, CampaignID: 1}: true,
	}, Limits: map[int64]LimitCount{10: {Hour: 5, Day: 50, Total: 500}}}

	tests := []struct {
		name, filter, payload string
		visitor               Visitor
		counters              Counters
		want                  bool // what accept mode yields; reject must yield the opposite
	}{
		{"country in", "country", `["us","CA"]`, baseVisitor(), Counters{}, true},
		{"country out", "country", `["DE"]`, baseVisitor(), Counters{}, false},
		{"region", "region", `["CA"]`, baseVisitor(), Counters{}, true},
		{"city", "city", `["san jose"]`, baseVisitor(), Counters{}, true},
		{"isp", "isp", `["Verizon"]`, baseVisitor(), Counters{}, false},
		{"connection_type", "connection_type", `["cable","wifi"]`, baseVisitor(), Counters{}, true},
		{"device_type", "device_type", `["mobile","tablet"]`, baseVisitor(), Counters{}, true},
		{"device_type desktop", "device_type", `["desktop"]`, baseVisitor(), Counters{}, false},
		{"device_model", "device_model", `["iPhone"]`, baseVisitor(), Counters{}, true},
		{"os", "os", `["Android"]`, baseVisitor(), Counters{}, false},
		{"os_version prefix", "os_version", `["17"]`, baseVisitor(), Counters{}, true},
		{"os_version no false prefix", "os_version", `["1"]`, baseVisitor(), Counters{}, false},
		{"browser", "browser", `["safari"]`, baseVisitor(), Counters{}, true},
		{"browser_version", "browser_version", `["17.4"]`, baseVisitor(), Counters{}, true},
		{"language base", "language", `["en"]`, baseVisitor(), Counters{}, true},
		{"language other", "language", `["ru"]`, baseVisitor(), Counters{}, false},
		{"ip exact", "ip", `["203.0.113.7"]`, baseVisitor(), Counters{}, true},
		{"ip cidr", "ip", `["10.0.0.0/8","203.0.113.0/24"]`, baseVisitor(), Counters{}, true},
		{"ip range", "ip", `["203.0.113.1-203.0.113.9"]`, baseVisitor(), Counters{}, true},
		{"ip range out", "ip", `["203.0.113.8-203.0.113.9"]`, baseVisitor(), Counters{}, false},
		{"ip v6 cidr", "ip", `["2001:db8::/32"]`, v6, Counters{}, true},
		{"ip v6 not in v4", "ip", `["0.0.0.0/0"]`, v6, Counters{}, false},
		{"ipv6 yes", "ipv6", ``, v6, Counters{}, true},
		{"ipv6 no", "ipv6", ``, baseVisitor(), Counters{}, false},
		{"user_agent exact", "user_agent", `["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1"]`, baseVisitor(), Counters{}, true},
		{"user_agent mask", "user_agent", `["*iPhone*"]`, baseVisitor(), Counters{}, true},
		{"user_agent regex", "user_agent", `["/Android \\d+/"]`, baseVisitor(), Counters{}, false},
		{"user_agent regex, case-insensitive", "user_agent", `["/IPHONE OS \\d+/i"]`, baseVisitor(), Counters{}, true},
		{"user_agent regex, case matters", "user_agent", `["/IPHONE OS/"]`, baseVisitor(), Counters{}, false},
		{"referrer mask", "referrer", `["*example.com*"]`, baseVisitor(), Counters{}, true},
		{"empty_referrer no", "empty_referrer", ``, baseVisitor(), Counters{}, false},
		{"empty_referrer yes", "empty_referrer", ``, bot, Counters{}, true},
		{"keyword", "keyword", `["*shoes"]`, baseVisitor(), Counters{}, true},
		{"source", "source", `["other.com"]`, baseVisitor(), Counters{}, false},
		{"sub_id_3", "sub_id_3", `["zone42","zone43"]`, baseVisitor(), Counters{}, true},
		{"sub_id_4 empty", "sub_id_4", `["x"]`, baseVisitor(), Counters{}, false},
		{"parameter", "parameter", `{"name":"zone","values":["7","8"]}`, baseVisitor(), Counters{}, true},
		{"parameter list", "parameter", `[{"name":"zone","values":["1"]},{"name":"keyword","values":["cheap*"]}]`, baseVisitor(), Counters{}, true},
		{"bot no", "bot", ``, baseVisitor(), Counters{}, false},
		{"bot yes", "bot", ``, bot, Counters{}, true},
		{"proxy yes", "proxy", ``, bot, Counters{}, true},
		{"uniqueness campaign unique", "uniqueness", `"campaign"`, baseVisitor(), Counters{}, true},
		{"uniqueness campaign seen", "uniqueness", `"campaign"`, baseVisitor(), seen, false},
		{"uniqueness campaign by ip", "uniqueness", `{"scope":"campaign","method":"ip"}`, baseVisitor(), seen, true},
		{"uniqueness keitaro list", "uniqueness", `["campaign"]`, baseVisitor(), seen, false},
		{"uniqueness stream", "uniqueness", `{"scope":"stream"}`, baseVisitor(), seen, true},
		{"limit under", "limit", `{"per_hour":6,"per_day":100}`, baseVisitor(), seen, true},
		{"limit hour reached", "limit", `{"per_hour":5}`, baseVisitor(), seen, false},
		{"limit total reached", "limit", `{"total":500}`, baseVisitor(), seen, false},
		{"schedule monday", "schedule", `{"timezone":"UTC","days":[{"day":1,"from":"09:00","to":"18:00"}]}`, baseVisitor(), Counters{}, true},
		{"schedule tz shifts day", "schedule", `{"timezone":"Asia/Tokyo","days":[{"day":1,"from":"09:00","to":"18:00"}]}`, baseVisitor(), Counters{}, false},
		{"schedule overnight", "schedule", `{"timezone":"UTC","days":[{"day":0,"from":"22:00","to":"11:00"}]}`, baseVisitor(), Counters{}, true},
		{"schedule ISO week days", "schedule", `{"timezone":"UTC","days":[1,2,3,4,5],"from":"09:00","to":"18:00"}`, baseVisitor(), Counters{}, true},
		{"schedule ISO weekend", "schedule", `{"timezone":"UTC","days":[6,7],"from":"00:00","to":"24:00"}`, baseVisitor(), Counters{}, false},
		{"schedule ISO sunday is 7", "schedule", `{"timezone":"Asia/Tokyo","days":[7],"from":"22:00","to":"24:00"}`, baseVisitor(), Counters{}, false},
		{"interval inside", "interval", `{"from":"2026-11-01 00:00","to":"2026-12-01","timezone":"UTC"}`, baseVisitor(), Counters{}, true},
		{"interval open end", "interval", `{"from":"2026-12-01 00:00"}`, baseVisitor(), Counters{}, false},
		{"interval tz", "interval", `{"to":"2026-11-30 12:00","timezone":"Europe/Moscow"}`, baseVisitor(), Counters{}, false},
	}
	c, _ := Compile(&model.Campaign{ID: 1}, nil, &Catalog{})
	s := &Stream{Model: &model.Stream{ID: 10}}
	for _, tt := range tests {
		for _, mode := range []string{"accept", "reject"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				f := CompileFilter(&model.StreamFilter{Name: tt.filter, Mode: mode, Payload: model.JSONText(tt.payload)})
				if f.Err != nil {
					t.Fatalf("compile: %v", f.Err)
				}
				in := &Input{Visitor: tt.visitor, Params: params, Now: now, Counters: tt.counters}
				want := tt.want == (mode == "accept")
				if got := f.Passes(c, s, in); got != want {
					t.Fatalf("Passes = %v, want %v", got, want)
				}
			})
		}
	}
}

func TestInvalidFiltersNeverPass(t *testing.T) {
	bad := []struct{ name, payload string }{
		{"country", `{"x":1}`},
		{"ip", `["300.1.1.1"]`},
		{"ip", `["1.2.3.9-1.2.3.1"]`},
		{"user_agent", `["/(/"]`},
		{"uniqueness", `"planet"`},
		{"uniqueness", `{"scope":"campaign","method":"dna"}`},
		{"schedule", `{"timezone":"Mars/Olympus","days":[]}`},
		{"schedule", `{"days":[{"day":9,"from":"09:00","to":"10:00"}]}`},
		{"schedule", `{"timezone":"UTC","days":[0],"from":"09:00","to":"10:00"}`},
		{"schedule", `{"timezone":"UTC","days":"weekdays"}`},
		{"interval", `{"from":"yesterday"}`},
		{"limit", `{"per_hour":-1}`},
		{"parameter", `{"values":["1"]}`},
		{"no_such_filter", `[]`},
		{"sub_id_31", `["a"]`},
	}
	c, _ := Compile(&model.Campaign{ID: 1}, nil, &Catalog{})
	s := &Stream{Model: &model.Stream{ID: 1}}
	for _, b := range bad {
		for _, mode := range []string{"accept", "reject"} {
			f := CompileFilter(&model.StreamFilter{Name: b.name, Mode: mode, Payload: model.JSONText(b.payload)})
			if f.Err == nil {
				t.Errorf("%s %s: want a compile error", b.name, b.payload)
				continue
			}
			if f.Passes(c, s, &Input{Visitor: baseVisitor()}) {
				t.Errorf("%s %s %s: an invalid filter passed", b.name, mode, b.payload)
			}
		}
	}
}

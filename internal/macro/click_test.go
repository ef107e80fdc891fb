package macro

import (
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

func testClick() *model.Click {
	c := &model.Click{
		ID: "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33", CreatedAt: time.Unix(1741503904, 0).UTC(),
		CampaignID: 7, StreamID: 12, OfferID: 3, TrafficSourceID: 4,
		IP: "203.0.113.9", Country: "DE", Region: "BE", City: "Berlin", ISP: "Example ISP",
		DeviceType: "mobile", DeviceModel: "iPhone", OS: "iOS", OSVersion: "17.4",
		Browser: "Mobile Safari", BrowserVersion: "17.4", Language: "de", UserAgent: "Mozilla/5.0 (iPhone)",
		Referrer: "https://ref.example/", IsBot: true, Keyword: "shoes", Source: "site42",
		ExternalID: "ext-1", CreativeID: "cr9", AdCampaignID: "ad5", Cost: 0.015,
		SubID1: "one", SubID30: "thirty", UTMSource: "fb", UTMContent: "banner",
		ExtraParams: `{"gclid":"G-1","subid":"spoofed","ip":"6.6.6.6","n":5,"nul":null}`,
	}
	return c
}

func TestForClick(t *testing.T) {
	m := ForClick(testClick(), "Summer promo", "PropellerAds")
	want := map[string]string{
		"subid": "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33", "clickid": "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33",
		"click_id": "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33", "external_id": "ext-1",
		"campaign_id": "7", "campaign_name": "Summer promo", "stream_id": "12", "landing_id": "",
		"offer_id": "3", "ts_id": "4", "traffic_source_name": "PropellerAds", "source": "site42",
		"keyword": "shoes", "ad_campaign_id": "ad5", "creative_id": "cr9",
		"sub_id_1": "one", "sub_id_2": "", "sub_id_30": "thirty", "utm_source": "fb", "utm_content": "banner",
		"utm_medium": "", "cost": "0.015", "currency": "", "ip": "203.0.113.9", "country": "DE",
		"country_code": "DE", "region": "BE", "city": "Berlin", "isp": "Example ISP",
		"device_type": "mobile", "device_model": "iPhone", "os": "iOS", "os_version": "17.4",
		"browser": "Mobile Safari", "browser_version": "17.4", "language": "de",
		"user_agent": "Mozilla/5.0 (iPhone)", "referrer": "https://ref.example/", "is_bot": "1",
		"gclid": "G-1", "n": "5", "timestamp": "1741503904",
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if _, ok := m["nul"]; ok {
		t.Error("null extra param should be absent")
	}
}

func TestForClickExtraCurrency(t *testing.T) {
	c := &model.Click{ID: "x", ExtraParams: `{"currency":"EUR"}`}
	if got := ForClick(c, "", "")["currency"]; got != "EUR" {
		t.Errorf("currency = %q", got)
	}
	c.ExtraParams = `not json`
	if m := ForClick(c, "", ""); m["subid"] != "x" || m["is_bot"] != "0" {
		t.Errorf("broken extra params broke the map: %v", m["subid"])
	}
}

func TestAddConversion(t *testing.T) {
	m := ForClick(testClick(), "c", "ts")
	AddConversion(m, &model.Conversion{ID: 99, Status: "sale", OriginalStatus: "approved",
		TID: "T-1", Payout: 12.5, Currency: "USD"})
	got := Expand("{subid}|{payout}|{revenue}|{status}|{tid}|{original_status}|{conversion_id}|{currency}|{status:lead=1 sale=2}", m)
	want := "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33|12.5|12.5|sale|T-1|approved|99|USD|2"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestClickMatchesForClick holds the lazy Click to ForClick's answers, with
// the extras decoded from the click or handed over already parsed.
func TestClickMatchesForClick(t *testing.T) {
	extra := map[string]string{"gclid": "G-1", "subid": "spoofed", "ip": "6.6.6.6", "n": "5"}
	cases := []struct {
		name  string
		click *model.Click
		extra map[string]string
	}{
		{"decoded extras", testClick(), nil},
		{"given extras", testClick(), extra},
		{"no extras", &model.Click{ID: "x", CampaignID: 12345}, nil},
		{"extra currency", &model.Click{ID: "x", ExtraParams: `{"currency":"EUR"}`}, nil},
		{"broken extras", &model.Click{ID: "x", ExtraParams: `not json`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ForClick(tc.click, "Summer", "Propeller")
			v := &Click{C: tc.click, CampaignName: "Summer", TrafficSourceName: "Propeller", Extra: tc.extra}
			for k, want := range m {
				if got, ok := v.Lookup(k); !ok || got != want {
					t.Errorf("%s: lazy %q (known %v), map %q", k, got, ok, want)
				}
			}
			for _, k := range []string{"nul", "nope", "offer", "SUBID"} {
				if got, ok := v.Lookup(k); ok {
					t.Errorf("%s: lazy knows %q, map does not", k, got)
				}
			}
			tmpl := "https://x.example/?a={subid}&b={sub_id_30}&c={gclid}&d={currency}&e={is_bot}&f={SubID}&g={_user_agent}&h={nope}"
			if got, want := Expand(tmpl, v), Expand(tmpl, m); got != want {
				t.Errorf("Expand: lazy %q, map %q", got, want)
			}
		})
	}
}

func BenchmarkForClickExpand(b *testing.B) {
	c := testClick()
	b.ReportAllocs()
	for range b.N {
		_ = Expand("https://offer.example/go?click={subid}&s1={sub_id_1}&c={country}", ForClick(c, "c", "ts"))
	}
}

func BenchmarkClickExpand(b *testing.B) {
	c := testClick()
	b.ReportAllocs()
	for range b.N {
		_ = Expand("https://offer.example/go?click={subid}&s1={sub_id_1}&c={country}", &Click{C: c, CampaignName: "c", TrafficSourceName: "ts"})
	}
}

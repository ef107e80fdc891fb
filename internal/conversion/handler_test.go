package conversion

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func TestPostbackInputRules(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.network.PostbackToken = "net-token"
		f.network.AllowedIPs = `["198.51.100.0/24"]`
	})
	pb := "/" + testKey + "/postback?subid="
	longTID := strings.Repeat("t", 300)
	cases := []struct {
		name, method, target, ctype, body, ip string
		code                                  int
		msg                                   string // in the error for a 4xx
		outcome                               string // logged outcome
		check                                 func(t *testing.T, c model.Conversion)
	}{
		{name: "wrong key", target: "/nope/postback?subid={id}", code: 403, msg: "invalid postback key"},
		{name: "empty query key", target: "/postback?subid={id}", code: 403, msg: "invalid postback key"},
		{name: "missing subid", target: pb + "&status=sale", code: 400, msg: "missing subid"},
		{name: "invalid subid", target: pb + "abc", code: 400, msg: "invalid subid"},
		{name: "payout abc", target: pb + "{id}&payout=abc", code: 400, msg: "invalid payout"},
		{name: "payout 1e999", target: pb + "{id}&payout=1e999", code: 400, msg: "invalid payout"},
		{name: "payout NaN", target: pb + "{id}&payout=NaN", code: 400, msg: "invalid payout"},
		{name: "payout Inf", target: pb + "{id}&payout=Inf", code: 400, msg: "invalid payout"},
		{name: "payout negative", target: pb + "{id}&payout=-5", code: 400, msg: "invalid payout"},
		{name: "payout hex", target: pb + "{id}&payout=0x10", code: 400, msg: "invalid payout"},
		{name: "payout two commas", target: pb + "{id}&payout=1,000,5", code: 400, msg: "invalid payout"},
		{name: "payout huge", target: pb + "{id}&payout=99999999999999", code: 400, msg: "invalid payout"},
		{name: "unknown status", target: pb + "{id}&status=approved", code: 400, msg: `unknown status \"approved\"`},
		{name: "bad currency", target: pb + "{id}&payout=3&currency=EURO", code: 400, msg: "invalid currency"},
		{name: "token from wrong IP", target: "/net-token/postback?subid={id}", ip: "203.0.113.9", code: 403, msg: "IP not allowed"},
		{name: "tracker key, network's IP list", target: pb + "{id}", ip: "203.0.113.9", code: 403, msg: "IP not allowed"},
		{name: "bad JSON body", method: "POST", target: "/" + testKey + "/postback", ctype: "application/json", body: `{"subid":`, code: 400, msg: "invalid JSON"},
		{name: "payout with comma", target: pb + "{id}&payout=10,5", ip: "198.51.100.4", code: 200, outcome: "accepted",
			check: func(t *testing.T, c model.Conversion) {
				if c.Payout != 10.5 || c.Status != "sale" || c.Revenue != 10.5 || c.Currency != "USD" {
					t.Errorf("conversion %+v, want sale 10.5 USD", c)
				}
			}},
		{name: "mapped status kept as original", target: pb + "{id}&status=Approved&sale_status=approved,paid&lead_status=pending", ip: "198.51.100.4",
			code: 200, outcome: "accepted", check: func(t *testing.T, c model.Conversion) {
				if c.Status != "sale" || c.OriginalStatus != "Approved" || c.Payout != 5 {
					t.Errorf("conversion %+v, want sale from Approved at the offer's payout", c)
				}
			}},
		{name: "ignored status", target: pb + "{id}&status=test&ignore_status=ping,test", ip: "198.51.100.4", code: 200, outcome: "ignored"},
		{name: "token from allowed IP, aliases", target: "/net-token/postback?click_id={id}&revenue=7.25&txid=T1&status=lead&sub_id_3=x",
			ip: "198.51.100.9", code: 200, outcome: "accepted", check: func(t *testing.T, c model.Conversion) {
				if c.TID != "T1" || c.Payout != 7.25 || c.Status != "lead" || !strings.Contains(string(c.Params), `"sub_id_3":"x"`) {
					t.Errorf("conversion %+v", c)
				}
			}},
		{name: "JSON body with EUR", method: "POST", target: "/" + testKey + "/postback", ctype: "application/json",
			body: `{"cid":"{id}","sum":10,"currency":"eur","status":"sale"}`, ip: "198.51.100.4", code: 200, outcome: "accepted",
			check: func(t *testing.T, c model.Conversion) {
				if c.Payout != 10 || c.Currency != "EUR" || c.Revenue != 11 {
					t.Errorf("conversion %+v, want 10 EUR = 11 USD", c)
				}
			}},
		{name: "form body on /postback?key=", method: "POST", target: "/postback?key=" + testKey, ctype: "application/x-www-form-urlencoded",
			body: "clickid={id}&payout=2&transaction_id=F1", ip: "198.51.100.4", code: 200, outcome: "accepted",
			check: func(t *testing.T, c model.Conversion) {
				if c.TID != "F1" || c.Payout != 2 {
					t.Errorf("conversion %+v", c)
				}
			}},
		{name: "binary junk is made storable", target: pb + "{id}&tid=a%ff%00b&sub_id_1=%c3%28&zz=%00", ip: "198.51.100.4", code: 200, outcome: "accepted",
			check: func(t *testing.T, c model.Conversion) {
				if c.TID != "a\uFFFDb" || !strings.Contains(string(c.Params), "\"sub_id_1\":\"\uFFFD(\"") {
					t.Errorf("conversion %+v", c)
				}
			}},
		{name: "over-long tid is cut", target: pb + "{id}&tid=" + longTID, ip: "198.51.100.4", code: 200, outcome: "accepted",
			check: func(t *testing.T, c model.Conversion) {
				if c.TID != longTID[:maxTID] {
					t.Errorf("tid has %d chars, want %d", len(c.TID), maxTID)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.click(true)
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			before := f.count("received_postbacks", "")
			code, body := f.do(method, strings.ReplaceAll(tc.target, "{id}", c.ID), tc.ctype,
				strings.ReplaceAll(tc.body, "{id}", c.ID), tc.ip)
			if code != tc.code {
				t.Fatalf("code %d (%s), want %d", code, body, tc.code)
			}
			if tc.msg != "" && !strings.Contains(body, tc.msg) {
				t.Errorf("body %s, want it to name %q", body, tc.msg)
			}
			var logged model.ReceivedPostback
			f.st.DB.Order("id DESC").First(&logged)
			if f.count("received_postbacks", "") != before+1 {
				t.Fatalf("received postback not logged")
			}
			want := tc.outcome
			if tc.code >= 400 {
				want = model.PostbackRejected
			}
			if logged.Outcome != want || logged.HTTPStatus != tc.code || strings.Contains(logged.RawRequest, testKey) {
				t.Errorf("logged %+v, want outcome %s code %d and the key masked", logged, want, tc.code)
			}
			convs := f.conversions(c.ID)
			if tc.check == nil {
				if len(convs) != 0 {
					t.Errorf("conversions %+v, want none", convs)
				}
				return
			}
			if len(convs) != 1 {
				t.Fatalf("%d conversions, want 1", len(convs))
			}
			var res Result
			_ = json.Unmarshal([]byte(body), &res)
			if res.ConversionID != convs[0].ID || logged.ConversionID == nil || *logged.ConversionID != convs[0].ID {
				t.Errorf("response %s / log %v do not name conversion %d", body, logged.ConversionID, convs[0].ID)
			}
			tc.check(t, convs[0])
		})
	}
}

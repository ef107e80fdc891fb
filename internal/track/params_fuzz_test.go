package track

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kite-tracker/kite/internal/model"
)

// FuzzMapParams throws arbitrary query strings at the parameter mapping:
// it must never panic, and everything it stores must be valid UTF-8 without
// control characters, within the length bounds, with valid extra JSON.
func FuzzMapParams(f *testing.F) {
	for _, seed := range []string{
		"zoneid=1&visitor_id=abc&sub_id_1=x&utm_source=fb",
		"sub_id_30=a&sub_id_31=b&sub_id_0=c&sub_id_01=d",
		"a=%00%0d%0a&b=%ff%fe&c=%E2%80%AE",
		"=&&=x&k=",
		"cost=0,05&currency=EUR&cost=1",
	} {
		f.Add(seed)
	}
	pm := map[string]string{"zoneid": "sub_id_1", "visitor_id": "external_id", "price": "cost"}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		var c model.Click
		params, extra := mapParams(raw, pm, &c)
		for k, vals := range q { // first value wins, as url.ParseQuery reads it
			if k == clean(k, maxParamName) && k != "" && !isMapTarget(pm, k) && params[k] != clean(vals[0], maxParamValue) {
				t.Fatalf("param %q = %q, url.ParseQuery first value %q", k, params[k], vals[0])
			}
		}
		fields := []string{c.ExternalID, c.Keyword, c.CreativeID, c.AdCampaignID, c.Source,
			c.UTMSource, c.UTMMedium, c.UTMCampaign, c.UTMTerm, c.UTMContent}
		for _, p := range c.SubIDs() {
			fields = append(fields, *p)
		}
		for k, v := range params {
			fields = append(fields, k, v)
		}
		for _, s := range fields {
			if !utf8.ValidString(s) || len(s) > maxParamValue || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("unsafe value stored: %q", s)
			}
		}
		stored := map[string]string{}
		for k, v := range extra {
			if !isClickField(k) {
				stored[k] = v
			}
		}
		if c.ExtraParams != "" {
			want, _ := json.Marshal(stored)
			if string(c.ExtraParams) != string(want) {
				t.Fatalf("extra params %s, json.Marshal gives %s", c.ExtraParams, want)
			}
			if len(stored) > maxExtraParams+len(pm) {
				t.Fatalf("%d extra params kept", len(stored))
			}
		} else if len(stored) != 0 {
			t.Fatalf("extras %v not stored", stored)
		}
		if v, ok := params["zoneid"]; ok && c.SubID1 != v {
			t.Fatalf("zoneid %q not mapped onto sub_id_1 (%q)", v, c.SubID1)
		}
	})
}

func isMapTarget(pm map[string]string, name string) bool {
	for _, kite := range pm {
		if kite == name {
			return true
		}
	}
	return false
}

// FuzzJSONString holds the hand-written extras encoder to encoding/json,
// byte for byte, on any string (valid UTF-8 or not).
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<a href=\"x\">&amp;</a>", "\x00\b\f\n\r\t\x1f\x7f", "\xff\xfe", "\u2028\u2029", "é€😀"} {
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		m := map[string]string{k: v, "z": k}
		for name := range m {
			if isClickField(name) {
				delete(m, name)
			}
		}
		want, _ := json.Marshal(m)
		if len(m) == 0 {
			want = nil
		}
		if got := encodeExtra(map[string]string{k: v, "z": k}); got != string(want) {
			t.Fatalf("encodeExtra %s, json.Marshal %s", got, want)
		}
	})
}

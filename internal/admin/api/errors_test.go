package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBadInput: every kind of bad request gets its clear 4xx, never a 500,
// and leaves nothing written.
func TestBadInput(t *testing.T) {
	v := newEnv(t)
	var offer, camp obj
	v.ok("POST", "/offers", `{"name":"o","action_payload":"https://a.example/"}`, &offer)
	v.ok("POST", "/campaigns", `{"name":"c","alias":"taken"}`, &camp)
	long := strings.Repeat("x", 256)
	longURL := "https://a.example/" + strings.Repeat("p", 4096)
	cases := []struct {
		name, key, method, path, body string
		code                          int
		field                         string // expected key of "fields" on 422
	}{
		{"no key", "", "GET", "/campaigns", "", 401, ""},
		{"wrong key", "nope", "GET", "/campaigns", "", 401, ""},
		{"unknown campaign", adminKey, "GET", "/campaigns/999", "", 404, ""},
		{"bad id", adminKey, "GET", "/campaigns/abc", "", 400, ""},
		{"update unknown", adminKey, "PUT", "/offers/999", `{"name":"x"}`, 404, ""},
		{"malformed JSON", adminKey, "POST", "/campaigns", `{"name":`, 400, ""},
		{"not an object", adminKey, "POST", "/campaigns", `[1,2]`, 400, ""},
		{"wrong type", adminKey, "POST", "/campaigns", `{"name":5}`, 400, ""},
		{"wrong type nested", adminKey, "POST", "/streams", `{"campaign_id":"1"}`, 400, ""},
		{"unknown enum", adminKey, "POST", "/campaigns", `{"name":"a","type":"random"}`, 422, "type"},
		{"unknown cost type", adminKey, "POST", "/campaigns", `{"name":"a","cost_type":"FREE"}`, 422, "cost_type"},
		{"unknown bind", adminKey, "POST", "/campaigns", `{"name":"a","bind_visitors":"x"}`, 422, "bind_visitors"},
		{"long name", adminKey, "POST", "/offers", `{"name":"` + long + `"}`, 422, "name"},
		{"long url", adminKey, "POST", "/offers", `{"name":"a","action_payload":"` + longURL + `"}`, 422, "action_payload"},
		{"missing name", adminKey, "POST", "/offers", `{}`, 422, "name"},
		{"NUL in name", adminKey, "POST", "/offers", `{"name":"a\u0000b"}`, 422, "name"},
		{"huge position", adminKey, "POST", "/campaigns", `{"name":"a","position":99999999999}`, 422, "position"},
		{"bad alias", adminKey, "POST", "/campaigns", `{"name":"a","alias":"has space"}`, 422, "alias"},
		{"reserved alias", adminKey, "POST", "/campaigns", `{"name":"a","alias":"admin_api"}`, 409, ""},
		{"reserved alias any case", adminKey, "POST", "/campaigns", `{"name":"a","alias":"Healthz"}`, 409, ""},
		{"duplicate alias", adminKey, "POST", "/campaigns", `{"name":"a","alias":"taken"}`, 409, ""},
		{"unknown source", adminKey, "POST", "/campaigns", `{"name":"a","traffic_source_id":777}`, 422, "traffic_source_id"},
		{"unknown group", adminKey, "POST", "/offers", `{"name":"a","group_id":777}`, 422, "group_id"},
		{"unknown network", adminKey, "POST", "/offers", `{"name":"a","affiliate_network_id":777}`, 422, "affiliate_network_id"},
		{"bad postback status", adminKey, "POST", "/campaigns", `{"name":"a","postbacks":[{"url":"https://x.example/","statuses":["won"]}]}`, 422, "postbacks[0].statuses"},
		{"bad timezone", adminKey, "POST", "/offers", `{"name":"a","conversion_timezone":"Mars/Base"}`, 422, "conversion_timezone"},
		{"bad duplicate policy", adminKey, "POST", "/affiliate_networks", `{"name":"a","duplicate_policy":"merge"}`, 422, "duplicate_policy"},
		{"bad allowed ip", adminKey, "POST", "/affiliate_networks", `{"name":"a","allowed_ips":["1.2.3"]}`, 422, "allowed_ips"},
		{"bad parameter key", adminKey, "POST", "/traffic_sources", `{"name":"a","parameters":{"sub_id_31":{"name":"x"}}}`, 422, "parameters.sub_id_31"},
		{"bad postback method", adminKey, "POST", "/traffic_sources", `{"name":"a","postback_method":"PATCH"}`, 422, "postback_method"},
		{"list state", adminKey, "GET", "/campaigns?state=gone", "", 422, "state"},
		{"stream without campaign", adminKey, "POST", "/streams", `{"type":"regular"}`, 422, "campaign_id"},
		{"stream unknown campaign", adminKey, "POST", "/streams", `{"campaign_id":999}`, 422, "campaign_id"},
		{"unknown stream", adminKey, "POST", "/streams/999/disable", "", 404, ""},
		{"bot list garbage", adminKey, "POST", "/botlist/add", `{"value":"1.2.3.4\nnot-an-ip"}`, 422, "value"},
		{"settings currency", adminKey, "PUT", "/settings", `{"currency":"dollars"}`, 422, "currency"},
		{"user short password", adminKey, "POST", "/users", `{"login":"bob","password":"123"}`, 422, "password"},
		{"user bad access", adminKey, "POST", "/users", `{"login":"bob","password":"12345678","access_data":{"campaigns_access_type":"all"}}`, 422, "access_data.campaigns_access_type"},
	}
	before := v.notify.n.Load()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := v.call(tc.key, tc.method, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("got %d %s, want %d", code, body, tc.code)
			}
			var resp struct {
				Error  string            `json:"error"`
				Fields map[string]string `json:"fields"`
			}
			if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Error == "" {
				t.Fatalf("error body %q is not {\"error\": ...}", body)
			}
			if tc.field != "" && resp.Fields[tc.field] == "" {
				t.Fatalf("fields %v do not name %q", resp.Fields, tc.field)
			}
		})
	}
	if v.count("campaigns") != 1 || v.count("offers") != 1 || v.count("streams") != 0 || v.count("users") != 1 {
		t.Fatalf("bad input wrote rows")
	}
	if n := v.notify.n.Load(); n != before {
		t.Fatalf("notifier called %d times for rejected requests", n-before)
	}
	if strings.Contains(v.logs.String(), "panic") {
		t.Fatalf("a panic was logged: %s", v.logs.String())
	}
}

// TestStreamFilterPayloads: each filter kind checks its own payload shape.
func TestStreamFilterPayloads(t *testing.T) {
	v := newEnv(t)
	var camp obj
	v.ok("POST", "/campaigns", `{"name":"c"}`, &camp)
	cases := []struct {
		filter string
		ok     bool
	}{
		{`{"name":"country","payload":["US"]}`, true},
		{`{"name":"country","payload":"US"}`, false},
		{`{"name":"country","payload":[]}`, false},
		{`{"name":"country","payload":["usa"]}`, false},
		{`{"name":"bot","mode":"reject"}`, true},
		{`{"name":"bot","payload":["x"]}`, false},
		{`{"name":"empty_referrer","mode":"accept","payload":null}`, true},
		{`{"name":"ip","payload":["10.0.0.0/8","::1","1.1.1.1-1.1.1.9"]}`, true},
		{`{"name":"ip","payload":["10.0.0.0/33"]}`, false},
		{`{"name":"user_agent","payload":["*Android*","/bot[/i"]}`, false},
		{`{"name":"sub_id_7","payload":["a","b"]}`, true},
		{`{"name":"sub_id_31","payload":["a"]}`, false},
		{`{"name":"uniqueness","payload":"campaign"}`, true},
		{`{"name":"uniqueness","payload":{"scope":"global","method":"ip_ua"}}`, true},
		{`{"name":"uniqueness","payload":"forever"}`, false},
		{`{"name":"limit","payload":{"per_hour":10,"total":100}}`, true},
		{`{"name":"limit","payload":{"per_week":10}}`, false},
		{`{"name":"limit","payload":{"per_day":-1}}`, false},
		{`{"name":"schedule","payload":{"timezone":"Europe/Berlin","days":[1,5],"from":"09:00","to":"18:30"}}`, true},
		{`{"name":"schedule","payload":{"timezone":"Europe/Berlin","days":[8],"from":"09:00","to":"18:00"}}`, false},
		{`{"name":"interval","payload":{"timezone":"UTC","from":"2026-01-01 00:00","to":"2026-02-01 00:00"}}`, true},
		{`{"name":"interval","payload":{"timezone":"UTC","from":"2026-02-01 00:00","to":"2026-01-01 00:00"}}`, false},
		{`{"name":"parameter","payload":{"name":"utm_source","values":["fb"]}}`, true},
		{`{"name":"weather","payload":["sunny"]}`, false},
		{`{"name":"country","mode":"maybe","payload":["US"]}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			code, body := v.call(adminKey, "POST", "/streams", fmt.Sprintf(`{"campaign_id":%v,"filters":[%s]}`, camp["id"], tc.filter))
			if tc.ok && code != http.StatusOK || !tc.ok && code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d %s", code, body)
			}
		})
	}
}

// TestNothingHalfWritten: a stream whose third offer does not exist leaves
// no stream, filter or link behind, and an update that fails keeps the old sets.
func TestNothingHalfWritten(t *testing.T) {
	v := newEnv(t)
	var camp, o1, o2, s obj
	v.ok("POST", "/campaigns", `{"name":"c"}`, &camp)
	v.ok("POST", "/offers", `{"name":"o1"}`, &o1)
	v.ok("POST", "/offers", `{"name":"o2"}`, &o2)
	body := fmt.Sprintf(`{"campaign_id":%v,"filters":[{"name":"country","payload":["US"]}],
		"offers":[{"offer_id":%v,"share":50},{"offer_id":%v,"share":30},{"offer_id":424242,"share":20}]}`, camp["id"], o1["id"], o2["id"])
	code, resp := v.call(adminKey, "POST", "/streams", body)
	if code != http.StatusUnprocessableEntity || !strings.Contains(resp, "offers[2].offer_id") {
		t.Fatalf("got %d %s", code, resp)
	}
	for _, table := range []string{"streams", "stream_filters", "stream_offers"} {
		if n := v.count(table); n != 0 {
			t.Fatalf("%s has %d rows after a failed create", table, n)
		}
	}
	v.ok("POST", "/streams", fmt.Sprintf(`{"campaign_id":%v,"offers":[{"offer_id":%v}]}`, camp["id"], o1["id"]), &s)
	code, _ = v.call(adminKey, "PUT", fmt.Sprintf("/streams/%v", s["id"]),
		`{"name":"new","offers":[{"offer_id":424242}],"filters":[{"name":"bot"}]}`)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad update: %d", code)
	}
	var got obj
	v.ok("GET", fmt.Sprintf("/streams/%v", s["id"]), "", &got)
	if got["name"] != "" || len(got["offers"].([]any)) != 1 || len(got["filters"].([]any)) != 0 {
		t.Fatalf("failed update changed the stream: %v", got)
	}
}

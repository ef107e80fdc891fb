package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestEveryResource exercises the remaining routes of the table in order, as
// a buyer's script would, and checks what each answer says.
func TestEveryResource(t *testing.T) {
	v := newEnv(t)
	var lp, net, ts, g, u obj
	v.ok("POST", "/landing_pages", `{"name":"LP","action_payload":"https://lp.example/","offer_count":2}`, &lp)
	v.ok("POST", "/affiliate_networks", `{"name":"Net","offer_param":"sub1={subid}","postback_token":"tok","allowed_ips":["10.0.0.0/8"],"duplicate_policy":"update"}`, &net)
	v.ok("POST", "/traffic_sources", `{"name":"TS","traffic_loss":5}`, &ts)
	v.ok("POST", "/groups", `{"name":"G","type":"offers"}`, &g)
	v.ok("POST", "/users", `{"login":"eve","password":"eve-password","access_data":{"offers_access_type":"read_only"}}`, &u)
	steps := []struct {
		method, path, body string
		want               string // a fragment the answer must contain
	}{
		{"GET", "/landing_pages", "", `"offer_count":2`},
		{"PUT", fmt.Sprintf("/landing_pages/%v", lp["id"]), `{"notes":"n"}`, `"name":"LP"`},
		{"PUT", fmt.Sprintf("/landing_pages/%v/clone", lp["id"]), "", `"name":"LP (copy)"`},
		{"DELETE", fmt.Sprintf("/landing_pages/%v", lp["id"]), "", `"state":"deleted"`},
		{"GET", "/affiliate_networks", "", `"duplicate_policy":"update"`},
		{"POST", fmt.Sprintf("/affiliate_networks/%v/clone", net["id"]), "", `"postback_token":""`},
		{"PUT", fmt.Sprintf("/affiliate_networks/%v", net["id"]), `{"allowed_ips":[]}`, `"allowed_ips":[]`},
		{"POST", fmt.Sprintf("/traffic_sources/%v/clone", ts["id"]), "", `"traffic_loss":5`},
		{"DELETE", fmt.Sprintf("/traffic_sources/%v", ts["id"]), "", `"state":"deleted"`},
		{"POST", fmt.Sprintf("/traffic_sources/%v/restore", ts["id"]), "", `"state":"active"`},
		{"GET", "/groups?type=offers", "", `"name":"G"`},
		{"PUT", fmt.Sprintf("/groups/%v", g["id"]), `{"name":"G2"}`, `"name":"G2"`},
		{"DELETE", fmt.Sprintf("/groups/%v/delete", g["id"]), "", `"success":true`},
		{"GET", "/stream_filters", "", `"name":"uniqueness"`},
		{"GET", "/stream_schemas", "", `"key":"landings"`},
		{"GET", "/stream_types", "", `"key":"forced"`},
		{"GET", "/streams_actions", "", `"key":"double_meta"`},
		{"GET", "/traffic_source_presets", "", `"name":"ExoClick"`},
		{"GET", "/affiliate_network_presets", "", `"offer_param"`},
		{"POST", "/botlist/add", `{"value":"1.2.3.4\n5.6.7.0/24"}`, `"count":2`},
		{"POST", "/botlist/exclude", `{"value":"1.2.3.4"}`, `"count":1`},
		{"GET", "/botlist", "", `"value":"5.6.7.0/24"`},
		{"PUT", "/botlist", `{"value":"9.9.9.9"}`, `"count":1`},
		{"DELETE", "/botlist", "", `"success":true`},
		{"GET", "/settings", "", `"postback_key":"pbkey"`},
		{"PUT", "/settings", `{"timezone":"Europe/Moscow","trusted_proxies":["10.0.0.0/8"]}`, `"timezone":"Europe/Moscow"`},
		{"POST", "/settings/postback_key/regenerate", "", `"currency":"USD"`},
		{"PUT", fmt.Sprintf("/users/%v/access", u["id"]), `{"campaigns_access_type":"full_access"}`, `"campaigns_access_type":"full_access"`},
		{"GET", fmt.Sprintf("/users/%v", u["id"]), "", `"login":"eve"`},
		{"DELETE", fmt.Sprintf("/users/%v", u["id"]), "", `"state":"deleted"`},
	}
	for _, s := range steps {
		code, body := v.call(adminKey, s.method, s.path, s.body)
		if code != 200 || !strings.Contains(body, s.want) {
			t.Fatalf("%s %s: %d %s (want %s)", s.method, s.path, code, body, s.want)
		}
	}
	_, body := v.call(adminKey, "GET", "/settings", "")
	if strings.Contains(body, `"postback_key":"pbkey"`) {
		t.Fatalf("postback key not regenerated: %s", body)
	}
}

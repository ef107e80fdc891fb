package api

import (
	"fmt"
	"net/http"
	"testing"
)

// TestCampaignLifecycle walks the buyer's path through the API: offer ->
// traffic source -> campaign with forced, regular and default streams with
// filters; read back; update; soft-delete; restore; clone.
func TestCampaignLifecycle(t *testing.T) {
	v := newEnv(t)
	var offer, source, camp obj
	v.ok("POST", "/offers", `{"name":"Keto US","action_type":"http","action_payload":"https://adv.example/o?s={subid}",
		"payout_value":12.5,"payout_currency":"USD","country":["US"],"conversion_cap_enabled":true,"daily_cap":50,
		"conversion_timezone":"America/New_York"}`, &offer)
	v.ok("POST", "/traffic_sources", `{"name":"PropellerAds","postback_url":"https://ts.example/pb?id={external_id}&p={payout}",
		"postback_method":"GET","postback_statuses":["sale"],
		"parameters":{"external_id":{"name":"subid","placeholder":"${SUBID}"},"sub_id_1":{"name":"zone","placeholder":"${zoneid}"}}}`, &source)
	v.ok("POST", "/campaigns", fmt.Sprintf(`{"name":"Keto push","alias":"keto1","type":"weight","cost_type":"CPC",
		"cost_value":0.02,"traffic_source_id":%v,"bind_visitors":"sl",
		"postbacks":[{"method":"POST","statuses":["lead","sale"],"url":"https://ts.example/s2s?c={subid}"}]}`, source["id"]), &camp)
	if camp["alias"] != "keto1" || camp["type"] != "weight" || camp["bind_visitors"] != "sl" || camp["state"] != "active" {
		t.Fatalf("campaign fields not kept: %v", camp)
	}
	if pbs := camp["postbacks"].([]any); len(pbs) != 1 || pbs[0].(obj)["method"] != "POST" {
		t.Fatalf("postbacks: %v", camp["postbacks"])
	}
	cid, oid := camp["id"], offer["id"]
	streams := []string{
		fmt.Sprintf(`{"campaign_id":%v,"type":"forced","name":"bots","schema":"action","action_type":"status404",
			"filters":[{"name":"bot","mode":"accept"},{"name":"ip","mode":"accept","payload":["10.0.0.0/8","1.2.3.4"]}],"filter_or":true}`, cid),
		fmt.Sprintf(`{"campaign_id":%v,"type":"regular","name":"US mobile","schema":"redirect","weight":70,
			"filters":[{"name":"country","mode":"accept","payload":["US","CA"]},{"name":"device_type","mode":"reject","payload":["desktop"]},
			{"name":"limit","mode":"accept","payload":{"per_day":1000}}],
			"offers":[{"offer_id":%v,"share":100}]}`, cid, oid),
		fmt.Sprintf(`{"campaign_id":%v,"type":"default","name":"rest","schema":"action","action_type":"http","action_payload":"https://fallback.example/"}`, cid),
	}
	var ids []any
	for _, body := range streams {
		var s obj
		v.ok("POST", "/streams", body, &s)
		ids = append(ids, s["id"])
	}

	var list []obj
	v.ok("GET", fmt.Sprintf("/campaigns/%v/streams", cid), "", &list)
	if len(list) != 3 || list[0]["type"] != "forced" || list[1]["type"] != "regular" || list[2]["type"] != "default" {
		t.Fatalf("streams read back: %v", list)
	}
	f := list[1]["filters"].([]any)
	if len(f) != 3 || f[0].(obj)["name"] != "country" || fmt.Sprint(f[0].(obj)["payload"]) != "[US CA]" ||
		f[1].(obj)["mode"] != "reject" || f[2].(obj)["payload"].(obj)["per_day"] != float64(1000) {
		t.Fatalf("filters read back: %v", f)
	}
	if o := list[1]["offers"].([]any); len(o) != 1 || o[0].(obj)["offer_id"] != oid || o[0].(obj)["share"] != float64(100) {
		t.Fatalf("stream offers: %v", o)
	}
	if list[0]["filter_or"] != true || list[1]["weight"] != float64(70) || list[2]["action_payload"] != "https://fallback.example/" {
		t.Fatalf("stream fields: %v", list)
	}
	var got obj
	v.ok("GET", fmt.Sprintf("/offers/%v", oid), "", &got)
	if got["daily_cap"] != float64(50) || got["conversion_timezone"] != "America/New_York" || got["conversion_cap_enabled"] != true {
		t.Fatalf("offer read back: %v", got)
	}
	v.ok("GET", fmt.Sprintf("/traffic_sources/%v", source["id"]), "", &got)
	if got["parameters"].(obj)["sub_id_1"].(obj)["placeholder"] != "${zoneid}" {
		t.Fatalf("source parameters: %v", got["parameters"])
	}

	// Partial update: absent fields keep their value.
	v.ok("PUT", fmt.Sprintf("/campaigns/%v", cid), `{"name":"Keto push 2"}`, &got)
	if got["name"] != "Keto push 2" || got["alias"] != "keto1" || got["cost_value"] != 0.02 || len(got["postbacks"].([]any)) != 1 {
		t.Fatalf("partial update: %v", got)
	}
	v.ok("PUT", fmt.Sprintf("/streams/%v", ids[1]), `{"filters":[{"name":"os","mode":"accept","payload":["Android"]}]}`, &got)
	if len(got["filters"].([]any)) != 1 || len(got["offers"].([]any)) != 1 || got["name"] != "US mobile" {
		t.Fatalf("stream update: %v", got)
	}

	// Soft delete hides it from the list but keeps it; restore brings it back.
	v.ok("DELETE", fmt.Sprintf("/campaigns/%v", cid), "", &got)
	if got["state"] != "deleted" {
		t.Fatalf("delete: %v", got)
	}
	v.ok("GET", "/campaigns", "", &list)
	if len(list) != 0 {
		t.Fatalf("deleted campaign still listed: %v", list)
	}
	v.ok("GET", "/campaigns/deleted", "", &list)
	if len(list) != 1 {
		t.Fatalf("deleted list: %v", list)
	}
	v.ok("POST", fmt.Sprintf("/campaigns/%v/restore", cid), "", &got)
	v.ok("POST", fmt.Sprintf("/campaigns/%v/disable", cid), "", &got)
	if got["state"] != "disabled" {
		t.Fatalf("disable: %v", got)
	}

	// Clone copies streams with their filters and offer links, under a new alias.
	var clone obj
	v.ok("POST", fmt.Sprintf("/campaigns/%v/clone", cid), "", &clone)
	if clone["id"] == cid || clone["alias"] == "keto1" || clone["alias"] == "" || clone["name"] != "Keto push 2 (copy)" {
		t.Fatalf("clone: %v", clone)
	}
	v.ok("GET", fmt.Sprintf("/campaigns/%v/streams", clone["id"]), "", &list)
	if len(list) != 3 || len(list[0]["filters"].([]any)) != 2 || len(list[1]["offers"].([]any)) != 1 {
		t.Fatalf("cloned streams: %v", list)
	}
	if v.count("streams") != 6 || v.count("campaign_postbacks") != 2 {
		t.Fatalf("rows after clone: streams %d postbacks %d", v.count("streams"), v.count("campaign_postbacks"))
	}
	if n := v.notify.n.Load(); n != 12 {
		t.Fatalf("notifier called %d times, want one per change (12)", n)
	}
	code, _ := v.call(adminKey, "GET", fmt.Sprintf("/streams/%v", ids[0]), "")
	if code != http.StatusOK {
		t.Fatalf("get stream: %d", code)
	}
}

package app

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// accCampaign is what accCreateCampaign made, as the API answered.
type accCampaign struct {
	offer, source, campaign accObj
	streams                 []accObj
}

// accCreateCampaign creates offer -> traffic source -> campaign (alias
// "keto-acc", S2S postbacks to s2sURL when given) with a forced, a regular
// and a default stream carrying filters, and checks that every field sent is
// read back the same, both in the create answers and in fresh GETs. With a
// receiver (a loopback base URL) the campaign's S2S postback goes to
// receiver/campaign and the traffic source's to receiver/source.
func accCreateCampaign(t *testing.T, api accClient, receiver string) accCampaign {
	t.Helper()
	var out accCampaign
	offer := accObj{"name": "Keto US", "offer_type": "external", "action_type": "http",
		"action_payload": "https://offer.example/lp?c={subid}&z={sub_id_1}", "payout_value": 12.5,
		"payout_currency": "USD", "payout_type": "CPA", "country": []string{"US"},
		"conversion_cap_enabled": true, "daily_cap": 50, "conversion_timezone": "America/New_York"}
	out.offer = accCreate(t, api, "/offers", offer)
	sourcePostback := "https://ts.example/pb?id={external_id}"
	if receiver != "" {
		sourcePostback = receiver + "/source?id={external_id}&st={status}"
	}
	source := accObj{"name": "PropellerAds", "postback_url": sourcePostback,
		"postback_method": "GET", "postback_statuses": []string{"sale"},
		"parameters": accObj{"external_id": accObj{"name": "subid", "placeholder": "${SUBID}"},
			"sub_id_1": accObj{"name": "zone", "placeholder": "${zoneid}"}}}
	out.source = accCreate(t, api, "/traffic_sources", source)
	campaign := accObj{"name": "Keto push", "alias": "keto-acc", "type": "position", "cost_type": "CPC",
		"cost_value": 0.02, "cost_currency": "USD", "traffic_source_id": out.source["id"], "bind_visitors": "",
		"postbacks": []accObj{}}
	if receiver != "" {
		campaign["postbacks"] = []accObj{{"method": "GET", "statuses": []string{"sale"},
			"url": receiver + "/campaign?c={subid}&st={status}&p={payout}"}}
	}
	out.campaign = accCreate(t, api, "/campaigns", campaign)
	cid, oid := out.campaign["id"], out.offer["id"]
	streams := []accObj{
		{"campaign_id": cid, "type": "forced", "name": "bots away", "schema": "action", "action_type": "status404",
			"filter_or": true, "filters": []accObj{{"name": "bot", "mode": "accept"},
				{"name": "ip", "mode": "accept", "payload": []string{"10.0.0.0/8", "192.0.2.1"}}}},
		{"campaign_id": cid, "type": "regular", "name": "US mobile", "schema": "redirect", "weight": 70,
			"filters": []accObj{{"name": "country", "mode": "accept", "payload": []string{"US", "CA"}},
				{"name": "device_type", "mode": "reject", "payload": []string{"desktop"}}},
			"offers": []accObj{{"offer_id": oid, "share": 100}}},
		{"campaign_id": cid, "type": "default", "name": "everyone else", "schema": "redirect",
			"offers": []accObj{{"offer_id": oid, "share": 100}}},
	}
	for _, s := range streams {
		out.streams = append(out.streams, accCreate(t, api, "/streams", s))
	}
	var listed []accObj
	api.ok("GET", fmt.Sprintf("/campaigns/%v/streams", cid), nil, &listed)
	if len(listed) != 3 {
		t.Fatalf("campaign streams: %v", listed)
	}
	for i, s := range streams {
		accSubset(t, fmt.Sprintf("listed stream %d", i), accJSON(t, s), accJSON(t, listed[i]))
	}
	return out
}

// accCreate POSTs body to path, then checks the answer and a fresh GET of
// the new object both carry every field sent with the same value.
func accCreate(t *testing.T, api accClient, path string, body accObj) accObj {
	t.Helper()
	var made, read accObj
	api.ok("POST", path, body, &made)
	sent := accJSON(t, body)
	accSubset(t, "POST "+path, sent, made)
	api.ok("GET", fmt.Sprintf("%s/%v", path, made["id"]), nil, &read)
	accSubset(t, "GET "+path, sent, read)
	return made
}

// accSubset fails unless every key of want is in got with an equal value
// (objects compare as subsets, arrays element by element).
func accSubset(t *testing.T, what string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Fatalf("%s: got %v, want an object like %v", what, got, w)
		}
		for k, v := range w {
			accSubset(t, what+"."+k, v, g[k])
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Fatalf("%s: got %v, want %v", what, got, w)
		}
		for i := range w {
			accSubset(t, fmt.Sprintf("%s[%d]", what, i), w[i], g[i])
		}
	default:
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
	}
}

// accJSON turns a value into what a JSON client would decode it as.
func accJSON(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

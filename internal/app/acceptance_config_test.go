package app

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestAcceptanceConfigSurvivesRestart is the foundation's "Must hold" for the
// configuration, through HTTP against a real node: the admin key guards the
// API; offer -> traffic source -> campaign with forced, regular and default
// streams and filters read back as written; updates and soft deletes stick;
// and all of it is still there on a new node over the same database (SQLite,
// or Postgres when KITE_TEST_DATABASE_URL is set) and Redis prefix.
func TestAcceptanceConfigSurvivesRestart(t *testing.T) {
	cfg := testConfig(t)
	base, stop := startNode(t, cfg)
	api := accClient{t: t, base: base, key: cfg.Admin.APIKey}

	var empty []accObj
	api.ok("GET", "/campaigns", nil, &empty)
	if empty == nil || len(empty) != 0 {
		t.Fatalf("fresh node: campaigns = %v, want []", empty)
	}
	for _, key := range []string{"", "wrong-key"} {
		if code, body := (accClient{t: t, base: base, key: key}).do("GET", "/campaigns", nil); code != http.StatusUnauthorized ||
			!strings.Contains(string(body), `"error"`) {
			t.Fatalf("key %q: %d %s, want 401 with an error", key, code, body)
		}
	}

	want := accCreateCampaign(t, api, "")
	cid := want.campaign["id"]

	// Update: partial PUTs keep what they do not name.
	var camp accObj
	api.ok("PUT", fmt.Sprintf("/campaigns/%v", cid), `{"name":"Keto push v2","cost_value":0.03}`, &camp)
	if camp["name"] != "Keto push v2" || camp["alias"] != "keto-acc" || camp["cost_value"] != 0.03 {
		t.Fatalf("campaign update: %v", camp)
	}
	var regular accObj
	api.ok("PUT", fmt.Sprintf("/streams/%v", want.streams[1]["id"]), `{"weight":55}`, &regular)
	if regular["weight"] != float64(55) || len(regular["filters"].([]any)) != 2 {
		t.Fatalf("stream update lost its filters or weight: %v", regular)
	}
	// Soft delete: a second campaign and the offer's twin disappear from lists.
	var doomed, twin accObj
	api.ok("POST", "/campaigns", accObj{"name": "to delete", "alias": "doomed-acc"}, &doomed)
	api.ok("DELETE", fmt.Sprintf("/campaigns/%v", doomed["id"]), nil, nil)
	api.ok("POST", fmt.Sprintf("/offers/%v/clone", want.offer["id"]), nil, &twin)
	api.ok("DELETE", fmt.Sprintf("/offers/%v", twin["id"]), nil, nil)
	before := accSnapshot(t, api, cid)

	stop()
	base2, _ := startNode(t, cfg)
	api2 := accClient{t: t, base: base2, key: cfg.Admin.APIKey}
	after := accSnapshot(t, api2, cid)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("configuration changed across a restart:\nbefore %v\nafter  %v", before, after)
	}
	if after["campaign"].(accObj)["name"] != "Keto push v2" || len(after["streams"].([]any)) != 3 {
		t.Fatalf("restart lost the update: %v", after["campaign"])
	}
	if !accHasID(after["deleted_campaigns"].([]any), doomed["id"]) || accHasID(after["campaigns"].([]any), doomed["id"]) {
		t.Fatalf("soft-deleted campaign: live %v, deleted %v", after["campaigns"], after["deleted_campaigns"])
	}
	if accHasID(after["offers"].([]any), twin["id"]) {
		t.Fatalf("soft-deleted offer listed: %v", after["offers"])
	}
	var users []accObj
	api2.ok("GET", "/users", nil, &users)
	if len(users) != 1 {
		t.Fatalf("bootstrap ran twice: users = %v", users)
	}
}

// accSnapshot reads back everything the test wrote, as JSON values.
func accSnapshot(t *testing.T, api accClient, cid any) accObj {
	t.Helper()
	out := accObj{}
	for name, path := range map[string]string{
		"campaign":          fmt.Sprintf("/campaigns/%v", cid),
		"streams":           fmt.Sprintf("/campaigns/%v/streams", cid),
		"campaigns":         "/campaigns",
		"deleted_campaigns": "/campaigns/deleted",
		"offers":            "/offers",
		"sources":           "/traffic_sources",
	} {
		var v any
		api.ok("GET", path, nil, &v)
		if m, ok := v.(map[string]any); ok {
			v = accObj(m)
		}
		out[name] = v
	}
	return out
}

func accHasID(list []any, id any) bool {
	for _, o := range list {
		if o.(map[string]any)["id"] == id {
			return true
		}
	}
	return false
}

package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSecretsNeverInAcceptanceRunLog runs the buyer's whole loop (the
// acceptance test's steps: campaign set-up, click, lead and sale postbacks,
// reports, costs, S2S delivery) plus the UI and key management, on a node
// logging at DEBUG, and then looks for every secret in everything it logged.
func TestSecretsNeverInAcceptanceRunLog(t *testing.T) {
	rcv := &accReceiver{hits: map[string][]url.Values{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	cfg := testConfig(t)
	cfg.Admin.Password = secAdminPassword
	cfg.Admin.APIKey = secAdminAPIKey
	cfg.PostbackKey = secPostbackKey
	a, base, logs := secNode(t, cfg, slog.LevelDebug)
	env := &secEnv{t: t, app: a, base: base, logs: logs, ids: map[string]int64{}}
	api := accClient{t: t, base: base, key: secAdminAPIKey}

	camp := accCreateCampaign(t, api, srv.URL)
	cid := camp.campaign["id"]
	subid := accClick(t, base, "/keto-acc?subid=ext-77&zone=z1")
	accEventually(t, 10*time.Second, "click in clicks/log", func() (bool, string) {
		var log struct{ Total int }
		api.ok("POST", "/clicks/log", accObj{"range": accObj{"interval": "today", "timezone": "UTC"}, "limit": 1,
			"filters": []accObj{{"name": "campaign_id", "operator": "EQUALS", "expression": cid}}}, &log)
		return log.Total == 1, fmt.Sprint(log)
	})
	postbacks := []string{"/" + secPostbackKey + "/postback?subid=" + subid + "&status=lead&tid=t-1",
		"/postback?key=" + secPostbackKey + "&subid=" + subid + "&status=sale&tid=t-1",
		"/" + secPostbackKey + "/postback?subid=" + subid + "&status=sale&tid=t-1", // a repeat
		"/" + secPostbackKey + "x/postback?subid=" + subid + "&status=sale",        // a wrong key
		"/" + secPostbackKey + "/postback?subid=unknown-click&status=sale",         // an unknown click
		"/" + secPostbackKey + "/postback?status=sale",                             // no click id
	}
	for _, p := range postbacks {
		resp, _ := env.call("GET", p, "", nil, nil)
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	accCostUpdate(t, api, cid, subid)
	accEventually(t, 15*time.Second, "S2S postbacks delivered", func() (bool, string) {
		return len(rcv.got("/campaign")) >= 1 && len(rcv.got("/source")) >= 1, ""
	})

	// Keys and passwords made at run time, and the paths that refuse them.
	user := env.admin("POST", "/users", map[string]any{"login": "buyer2", "password": secViewerPass, "type": "USER",
		"access_data": map[string]any{"campaigns_access_type": "full_access", "reports_access": true}})
	made := env.admin("POST", fmt.Sprintf("/users/%v/api_keys", user["id"]), map[string]any{"name": "script"})
	key, _ := made["key"].(string)
	if key == "" {
		t.Fatalf("api key answer: %v", made)
	}
	env.call("PUT", fmt.Sprintf("/admin_api/v1/users/%v", user["id"]), secAdminAPIKey,
		map[string]any{"password": secViewerPass + "-changed"}, nil)
	for _, k := range []string{key, key + "x", secAdminAPIKey + "x", secPostbackKey} {
		env.call("GET", "/admin_api/v1/campaigns", k, nil, nil)
		env.call("POST", "/admin_api/v1/campaigns", k, "{not json", nil)
	}
	env.call("GET", "/admin_api/v1/campaigns?api_key="+secAdminAPIKey, "", nil, nil)
	env.call("GET", "/admin_api/v1/campaigns", "", nil, map[string]string{"Authorization": "Bearer " + secAdminAPIKey})
	env.secUI(t)
	for _, pw := range []string{secAdminPassword + "x", secViewerPass} {
		env.call("POST", "/admin/login", "", "login=admin&password="+url.QueryEscape(pw),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	resp, metrics := env.call("GET", "/metrics", "", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/metrics: %d", resp.StatusCode)
	}

	secrets := map[string]string{"admin password": secAdminPassword, "admin API key": secAdminAPIKey,
		"postback key": secPostbackKey, "user password": secViewerPass, "changed user password": secViewerPass + "-changed",
		"created API key": key}
	out := logs.String()
	if lines := strings.Count(out, "\n"); lines < 5 || !strings.Contains(out, `"level":"DEBUG"`) && !strings.Contains(out, "kite serving") {
		t.Fatalf("the log capture holds %d lines: %.300s", lines, out)
	}
	for what, s := range secrets {
		if i := strings.Index(out, s); i >= 0 {
			line := out[strings.LastIndexByte(out[:i], '\n')+1:]
			if j := strings.IndexByte(line, '\n'); j > 0 {
				line = line[:j]
			}
			t.Errorf("the %s appears in the log: %s", what, line)
		}
		if strings.Contains(string(metrics), s) {
			t.Errorf("the %s appears in the public /metrics", what)
		}
	}
	t.Logf("%d log lines (debug level) searched for %d secrets", strings.Count(out, "\n"), len(secrets))
}

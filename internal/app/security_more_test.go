package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// testStoredXSSEverywhere stores markup in the names the first XSS test
// does not cover (group, user login, API key name) and relies on the
// visitor values the open-redirect tests stored in clicks (sub_id_1 ...
// carried `"><script>` and friends); every UI page that lists them must
// show them escaped.
func (e *secEnv) testStoredXSSEverywhere(t *testing.T) {
	group := e.admin("POST", "/groups", map[string]any{"name": secXSSScript + "group", "type": "campaigns"})
	e.admin("PUT", fmt.Sprintf("/campaigns/%d", e.ids["sec-a"]), map[string]any{"group_id": group["id"]})
	resp, body := e.call("POST", "/admin_api/v1/users", secAdminAPIKey, map[string]any{"login": secXSSAttr + "u",
		"password": "Xss-User-Pa55-0a0a", "type": "USER", "access_data": map[string]any{}}, nil)
	var userPage string
	if resp.StatusCode == http.StatusOK {
		var id struct{ ID int64 }
		_ = json.Unmarshal(body, &id)
		userPage = fmt.Sprintf("/admin/users/%d", id.ID)
		e.admin("POST", fmt.Sprintf("/users/%d/api_keys", id.ID), map[string]any{"name": secXSSScript + "key"})
	} else if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("user with markup in its login: %d %s, want 200 or 422", resp.StatusCode, body)
	}
	// Clicks with markup in visitor values, so the logs and reports have some.
	for _, v := range []string{secXSSScript, secXSSAttr} {
		e.call("GET", "/sec-a?sub_id_1="+url.QueryEscape(v)+"&keyword="+url.QueryEscape(v), "", nil,
			map[string]string{"User-Agent": v, "Referer": "https://r.example/" + v})
	}
	ui := e.secUI(t)
	pages := []string{"/admin/groups", "/admin/campaigns", "/admin/users", "/admin/logs/clicks", "/admin/logs/s2s",
		"/admin/logs/conversions", "/admin/logs/postbacks", "/admin/reports?grouping=sub_id_1",
		"/admin/reports?grouping=keyword", "/admin/reports?grouping=campaign", "/admin/reports?grouping=offer",
		"/admin/reports?grouping=stream", "/admin/reports?grouping=landing", "/admin/reports?grouping=traffic_source",
		"/admin/reports?grouping=affiliate_network", "/admin/", fmt.Sprintf("/admin/campaigns/%d/streams/new", e.ids["sec-a"])}
	if userPage != "" {
		pages = append(pages, userPage)
	}
	shown := 0
	for _, p := range pages {
		resp, err := ui.Get(e.base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("UI %s: %d", p, resp.StatusCode)
			continue
		}
		for _, r := range []string{secXSSScript, secXSSAttr, "<img src=x", "<script>alert"} {
			if bytes.Contains(body, []byte(r)) {
				t.Errorf("UI %s renders %q unescaped", p, r)
			}
		}
		if bytes.Contains(body, []byte("&lt;script&gt;")) || bytes.Contains(body, []byte("&lt;img")) ||
			bytes.Contains(body, []byte("&#34;&gt;&lt;img")) {
			shown++
		}
	}
	if shown < len(pages)/2 {
		t.Errorf("only %d of %d pages show the stored markup (escaped): the check proves little", shown, len(pages))
	}
	t.Logf("%d of %d pages show stored markup, all escaped", shown, len(pages))
}

// testPasswordSpray guesses one account's password from many client
// addresses (a botnet behind the trusted proxy): the per-account limit must
// stop it, and then the right password from a fresh address is refused too.
func (e *secEnv) testPasswordSpray(t *testing.T) {
	const pass = "Spray-Target-Pa55-3c3c"
	e.admin("POST", "/users", map[string]any{"login": "spray-target", "password": pass, "type": "USER",
		"access_data": map[string]any{}})
	e.secrets = append(e.secrets, pass)
	try := func(i int, password string) int {
		c := secBrowser()
		ip := fmt.Sprintf("203.0.113.%d", i+1)
		req, _ := http.NewRequest("GET", e.base+"/admin/login", nil)
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := secCSRFField.FindSubmatch(page)
		if m == nil {
			t.Fatalf("login page %d without a CSRF token", resp.StatusCode)
		}
		form := url.Values{"login": {"spray-target"}, "password": {password}, "csrf_token": {string(m[1])}}
		req, _ = http.NewRequest("POST", e.base+"/admin/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err = c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limited := 0
	for i := 0; i < 12 && limited == 0; i++ {
		switch code := try(i, fmt.Sprintf("spray-%d", i)); code {
		case http.StatusTooManyRequests:
			limited = i + 1
		case http.StatusUnauthorized:
		default:
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if limited == 0 {
		t.Fatal("12 guesses from 12 addresses and the account still answers")
	}
	if code := try(100, pass); code != http.StatusTooManyRequests {
		t.Errorf("the right password from a fresh address right after the spray: %d, want 429", code)
	}
	t.Logf("spray from distinct addresses refused from guess %d on", limited)
}

// testSelectedCampaignsOnly: a USER given a selection of campaigns sees and
// changes only those; every /campaigns/:id route of the router refuses the
// others, for every method.
func (e *secEnv) testSelectedCampaignsOnly(t *testing.T) {
	mine, other := e.ids["sec-r"], e.ids["sec-a"]
	user := e.admin("POST", "/users", map[string]any{"login": "selected-only", "password": "Selected-Pa55-9f9f",
		"type": "USER", "access_data": map[string]any{"campaigns_access_type": "to_groups_and_selected",
			"campaigns": []int64{mine}, "reports_access": true}})
	made := e.admin("POST", fmt.Sprintf("/users/%v/api_keys", user["id"]), map[string]any{"name": "selected"})
	key, _ := made["key"].(string)
	e.secrets = append(e.secrets, key, "Selected-Pa55-9f9f")
	resp, body := e.call("GET", "/admin_api/v1/campaigns", key, nil, nil)
	var list []struct{ ID int64 }
	if err := json.Unmarshal(body, &list); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("campaign list: %d %s", resp.StatusCode, body)
	}
	seen := map[int64]bool{}
	for _, c := range list {
		seen[c.ID] = true
	}
	if !seen[mine] || seen[other] {
		t.Errorf("campaign list of a user with campaign %d selected: %v", mine, seen)
	}
	if resp, body := e.call("GET", fmt.Sprintf("/admin_api/v1/campaigns/%d", mine), key, nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET its own campaign: %d %s", resp.StatusCode, body)
	}
	n := 0
	for _, r := range e.app.Echo.Routes() {
		if !strings.HasPrefix(r.Path, "/admin_api/v1/campaigns/:id") {
			continue
		}
		path := strings.Replace(r.Path, ":id", fmt.Sprint(other), 1)
		path = strings.NewReplacer(":subid", "0190f0a4-7b1e-7c3a-9f00-000000000001", ":currency", "EUR").Replace(path)
		resp, body := e.call(r.Method, path, key, "{}", nil)
		n++
		if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
			t.Errorf("user without campaign %d: %s %s answered %d %.200s, want 403 or 404", other, r.Method, path,
				resp.StatusCode, body)
		}
	}
	if n < 5 {
		t.Fatalf("only %d /campaigns/:id routes found", n)
	}
	t.Logf("%d /campaigns/:id routes refuse a campaign outside the user's selection", n)
}

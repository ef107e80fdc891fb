package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/config"
)

// The security suite runs one real node (SQLite + miniredis, or Postgres +
// Redis with KITE_TEST_DATABASE_URL / KITE_TEST_REDIS_URL) with an empty
// s2s.allow_private and its log captured, and attacks it from outside.
// Secrets are passed as the operator would (config/env) and searched for in
// the log and in every API answer at the end.
const (
	secAdminPassword = "Adm1n-Secret-Pa55-9d7e"
	secAdminAPIKey   = "sec-admin-api-key-7f3c9e1d2b6a"
	secPostbackKey   = "secpbkey4d8a1c77"
	secViewerPass    = "Viewer-Secret-Pa55-41bc"
	secOfferHost     = "offer.example"
	secXSSScript     = `<script>alert("kite")</script>`
	secXSSAttr       = `"><img src=x onerror=alert(1)>`
)

// secEnv is the node under attack and what the suite learned while setting it up.
type secEnv struct {
	t        *testing.T
	app      *App
	base     string
	logs     *secLog
	hits     *atomic.Int64 // connections the loopback "internal service" received
	internal string        // its base URL, http://127.0.0.1:port
	ids      map[string]int64
	secrets  []string // besides the configured ones: keys and passwords made by the suite
}

// secLog is a goroutine-safe log sink.
type secLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *secLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *secLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestSecurity(t *testing.T) {
	env := secStart(t)
	env.setup()
	t.Run("every route is classified", env.testEveryRouteClassified)
	t.Run("open redirect", env.testOpenRedirect)
	t.Run("open redirect through every macro", env.testOpenRedirectEveryMacro)
	t.Run("no macro in a configured host", env.testNoMacroInAnyHost)
	t.Run("header injection", env.testHeaderInjection)
	t.Run("ssrf s2s postbacks", env.testSSRFPostbacks)
	t.Run("ssrf remote action", env.testSSRFRemote)
	t.Run("ssrf remote action by any spelling", env.testSSRFRemoteSpellings)
	t.Run("admin api needs a key", env.testAPIRequiresKey)
	t.Run("admin api ignores the ui session", env.testAPIIgnoresUISession)
	t.Run("read-only user cannot write", env.testReadOnlyUser)
	t.Run("selected campaigns only", env.testSelectedCampaignsOnly)
	t.Run("reports show only the user's campaigns", env.testReportsScoped)
	t.Run("sql injection in reports", env.testSQLInjection)
	t.Run("stored xss", env.testStoredXSS)
	t.Run("stored xss in every list", env.testStoredXSSEverywhere)
	t.Run("ui routes need a login", env.testUIRoutesNeedLogin)
	t.Run("ui routes need access", env.testUIRoutesNeedAccess)
	t.Run("ui forms need the csrf token", env.testCSRF)
	t.Run("ui forms refuse another session's token", env.testCSRFVariants)
	t.Run("login next stays in the admin", env.testLoginNextStaysHome)
	t.Run("login brute force is limited", env.testBruteForce)
	t.Run("password spray from many addresses is limited", env.testPasswordSpray)
	t.Run("secrets stay secret", env.testSecrets) // last: it reads everything the others logged
}

// secStart runs a node with the suite's secrets, no private S2S ranges and a
// captured log, plus a loopback listener standing for an internal service.
func secStart(t *testing.T) *secEnv {
	t.Helper()
	cfg := testConfig(t)
	cfg.S2S.AllowPrivate = nil
	cfg.Admin.Password = secAdminPassword
	cfg.Admin.APIKey = secAdminAPIKey
	cfg.PostbackKey = secPostbackKey
	env := &secEnv{t: t, hits: &atomic.Int64{}, ids: map[string]int64{}}

	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	go func() {
		for {
			c, err := inner.Accept()
			if err != nil {
				return
			}
			env.hits.Add(1)
			c.Close()
		}
	}()
	env.internal = "http://" + inner.Addr().String()
	env.app, env.base, env.logs = secNode(t, cfg, slog.LevelInfo)
	return env
}

// secNode runs a node whose log (JSON, from level on) is captured, and
// stops it at the end of the test.
func secNode(t *testing.T, cfg config.Config, level slog.Level) (*App, string, *secLog) {
	t.Helper()
	logs := &secLog{}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	a, err := New(ctx, cfg, log, Options{Migrate: true})
	if err != nil {
		cancel()
		t.Fatalf("start node: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("node did not stop within 30s")
		}
	})
	base := "http://" + ln.Addr().String()
	waitHealthy(t, base)
	return a, base, logs
}

// secNoRedirect shows redirects instead of following them.
var secNoRedirect = &http.Client{Timeout: 20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends one request to the node; body is JSON-encoded unless a string.
func (e *secEnv) call(method, path, key string, body any, hdr map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Api-Key", key)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := secNoRedirect.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// admin calls the admin API as the bootstrap admin and wants a 200.
func (e *secEnv) admin(method, path string, body any) map[string]any {
	e.t.Helper()
	resp, raw := e.call(method, "/admin_api/v1"+path, secAdminAPIKey, body, nil)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

func (e *secEnv) create(name, path string, body map[string]any) int64 {
	e.t.Helper()
	out := e.admin("POST", path, body)
	id, _ := out["id"].(float64)
	if id == 0 {
		e.t.Fatalf("create %s: no id in %v", name, out)
	}
	e.ids[name] = int64(id)
	return int64(id)
}

// setup creates what the attacks go through. Every name carries stored XSS.
//   - sec-a: offer with macros in every path and query position, raw and
//     encoded; S2S postbacks to loopback, private and metadata addresses.
//   - sec-r: a `remote` action on the loopback service.
//   - sec-l: a landing, then offer A.
//   - sec-h, sec-t: show_html and show_text pages made of macros.
func (e *secEnv) setup() {
	offerA := "https://" + secOfferHost + "/p/{_sub_id_1}/{sub_id_2}?s={subid}&a={_sub_id_3}&k={_keyword}" +
		"&e={_external_id}&src={_source}&u={_utm_source}&x={_x}&y={y}&r={_referrer}&ua={_user_agent}#{_sub_id_4}"
	e.create("offerA", "/offers", secOffer("offerA", offerA))
	e.create("network", "/affiliate_networks", map[string]any{"name": secXSSAttr + "network"})
	e.create("source", "/traffic_sources", map[string]any{"name": secXSSScript + "source",
		"postback_url": e.internal + "/ts?c={subid}", "postback_method": "GET", "postback_statuses": []string{"sale"}})
	e.create("landing", "/landing_pages", map[string]any{"name": secXSSAttr + "landing", "landing_type": "external",
		"action_type": "http", "action_payload": "https://lander.example/?o={offer}"})
	var postbacks []map[string]any
	for _, u := range secPrivateURLs(e.internal) {
		postbacks = append(postbacks, map[string]any{"method": "GET", "statuses": []string{"sale"}, "url": u})
	}
	streams := map[string]map[string]any{
		"sec-a": {"schema": "redirect", "offers": []map[string]any{{"offer_id": e.ids["offerA"], "share": 100}}},
		"sec-r": {"schema": "action", "action_type": "remote", "action_payload": e.internal + "/remote"},
		"sec-h": {"schema": "action", "action_type": "show_html", "action_payload": secPagePayload},
		"sec-t": {"schema": "action", "action_type": "show_text", "action_payload": secPagePayload},
		"sec-l": {"schema": "landings", "landings": []map[string]any{{"landing_id": e.ids["landing"], "share": 100}},
			"offers": []map[string]any{{"offer_id": e.ids["offerA"], "share": 100}}},
	}
	for alias, stream := range streams {
		camp := map[string]any{"name": secXSSScript + alias, "alias": alias, "type": "position", "cost_type": "CPC",
			"cost_value": 0, "cost_currency": "USD", "traffic_source_id": e.ids["source"], "postbacks": []any{}}
		if alias == "sec-a" {
			camp["postbacks"] = postbacks
		}
		cid := e.create(alias, "/campaigns", camp)
		stream["campaign_id"], stream["type"], stream["name"] = cid, "default", secXSSAttr+alias
		e.create("stream-"+alias, "/streams", stream)
	}
}

func secOffer(name, dest string) map[string]any {
	return map[string]any{"name": secXSSScript + name, "offer_type": "external", "action_type": "http",
		"action_payload": dest, "payout_value": 2, "payout_currency": "USD", "payout_type": "CPA"}
}

// secPagePayload shows visitor-controlled macros, encoded and raw, in a page.
const secPagePayload = "<p>{campaign_name}|{sub_id_1}|{_sub_id_1}|{x}|{_x}|{referrer}|{_user_agent}</p>"

// secPrivateURLs are S2S destinations the SSRF guard must refuse.
func secPrivateURLs(internal string) []string {
	port := internal[strings.LastIndexByte(internal, ':')+1:]
	return []string{
		internal + "/campaign?c={subid}",
		"http://localhost:" + port + "/by-name",
		"http://[::1]:" + port + "/v6",
		"http://[::ffff:127.0.0.1]:" + port + "/mapped",
		"http://0.0.0.0:" + port + "/zero",
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/private",
		"http://192.168.1.1/private",
		// other spellings of the loopback service that need no DNS query
		"http://LOCALHOST:" + port + "/upper",
		"http://[::ffff:7f00:1]:" + port + "/mapped-hex",
		"http://[0:0:0:0:0:ffff:127.0.0.1]:" + port + "/mapped-long",
		"http://[::]:" + port + "/v6-zero",
		"http://offer.example@127.0.0.1:" + port + "/userinfo",
		"http://[::ffff:169.254.169.254]/mapped-metadata",
		"http://[fd00:ec2::254]/aws-v6-metadata",
		"http://100.100.100.200/alibaba-metadata",
	}
}

// attackValues are open-redirect and header-injection attempts, each as
// typed into a query string (some already percent-encoded).
var attackValues = []string{
	"//evil.example", `\\evil.example`, "@evil.example", "%2F%2Fevil.example", "https:evil.example",
	"https://evil.example/", "/%5Cevil.example", "%5C%5Cevil.example", "%40evil.example", "/@evil.example",
	"%09//evil.example", "evil.example%2F%2F..", "%E3%80%82evil.example", "%0d%0aLocation:%20https://evil.example",
	"..%2F..%2F%2F%2Fevil.example", "%2F%2F%2Fevil.example%23", "javascript:alert(1)",
}

var attackParams = []string{"sub_id_1", "sub_id_2", "sub_id_3", "sub_id_4", "keyword", "external_id", "source",
	"utm_source", "x", "y", "subid", "_token"}

func (e *secEnv) testOpenRedirect(t *testing.T) {
	redirects := 0
	check := func(what string, resp *http.Response) {
		t.Helper()
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			return
		}
		u, err := url.Parse(loc)
		if err != nil || u.Scheme != "https" || strings.ToLower(u.Host) != secOfferHost && u.Host != "lander.example" {
			t.Errorf("%s: Location %q leaves the configured host", what, loc)
		}
		if host := secBrowserHost(loc); host != secOfferHost && host != "lander.example" {
			t.Errorf("%s: a browser reads Location %q as host %q", what, loc, host)
		}
		redirects++
	}
	// A macro may fill the path or query of a destination, never its host.
	for _, tmpl := range []string{"https://" + secOfferHost + "{_sub_id_1}/p", "https://{_sub_id_1}/p", "{_sub_id_1}",
		"https://" + secOfferHost + "@{sub_id_1}/", "//{sub_id_1}/p", "https:{sub_id_1}"} {
		resp, body := e.call("POST", "/admin_api/v1/offers", secAdminAPIKey, secOffer("host macro", tmpl), nil)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("offer with destination %q: %d %s, want 422", tmpl, resp.StatusCode, body)
		}
	}
	for _, alias := range []string{"sec-a"} {
		resp, _ := e.call("GET", "/"+alias+"?sub_id_1=ok", "", nil, nil)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("sec-a with a harmless value: %d, want 302", resp.StatusCode)
		}
		for _, p := range attackParams {
			for _, v := range attackValues {
				for _, q := range []string{p + "=" + v, p + "=" + url.QueryEscape(v)} {
					what := fmt.Sprintf("/%s?%s", alias, q)
					resp, _ := e.call("GET", what, "", nil, nil)
					check(what, resp)
				}
			}
		}
		for _, v := range attackValues {
			plain, _ := url.QueryUnescape(v)
			if strings.ContainsAny(plain, "\r\n") {
				continue // not a valid header value; the client refuses it
			}
			resp, _ := e.call("GET", "/"+alias, "", nil, map[string]string{"Referer": plain, "User-Agent": plain})
			check("/"+alias+" with Referer/User-Agent "+plain, resp)
		}
	}
	// The landing's LP click: a real one reaches the offer; forged tokens and
	// offer ids never leave the offer host.
	resp, _ := e.call("GET", "/sec-l", "", nil, nil)
	check("/sec-l", resp)
	lander, _ := url.Parse(resp.Header.Get("Location"))
	offerLink, _ := url.Parse(lander.Query().Get("o"))
	token := offerLink.Query().Get("_token")
	if resp.StatusCode != http.StatusFound || token == "" {
		t.Fatalf("/sec-l: %d Location %q, want a 302 to the landing with an {offer} link", resp.StatusCode, lander)
	}
	resp, _ = e.call("GET", "/?_lp=1&_token="+url.QueryEscape(token), "", nil, nil)
	if resp.StatusCode != http.StatusFound {
		t.Errorf("a real LP click: %d, want 302 to the offer", resp.StatusCode)
	}
	check("LP click", resp)
	for _, v := range attackValues {
		resp, _ := e.call("GET", "/?_lp=1&_token="+url.QueryEscape(token)+"&offer_id="+v+"&sub_id_1="+v, "", nil, nil)
		check("LP click with offer_id "+v, resp)
	}
	resp, _ = e.call("GET", "/sec-l", "", nil, map[string]string{"Host": "evil.example"})
	check("/sec-l with Host: evil.example", resp)
	for _, v := range attackValues {
		resp, _ := e.call("GET", "/?_lp=1&_token="+v+"&offer_id="+v, "", nil, nil)
		check("LP click with "+v, resp)
	}
	// A forged double-meta hop is refused whatever it carries.
	forged := "/?_dm=aHR0cHM6Ly9ldmlsLmV4YW1wbGUv&_sig=AAAAAAAAAAAAAAAAAAAAAAAA"
	resp, body := e.call("GET", forged, "", nil, nil)
	check(forged, resp)
	if bytes.Contains(body, []byte("evil.example")) {
		t.Errorf("forged double meta hop answered %d with the forged destination: %s", resp.StatusCode, body)
	}
	if redirects == 0 {
		t.Fatal("no redirect at all: the suite proved nothing")
	}
	t.Logf("%d redirects checked, all to %s", redirects, secOfferHost)
}

func (e *secEnv) testHeaderInjection(t *testing.T) {
	payloads := []string{"%0d%0aX-Injected:%20yes", "%0D%0ASet-Cookie:%20sec=1", "%0aX-Injected:yes",
		"%0dX-Injected:yes", "%E5%98%8A%E5%98%8DX-Injected:%20yes", "%C4%8D%C4%8AX-Injected:%20yes"}
	var paths []string
	for _, v := range payloads {
		for _, p := range attackParams {
			paths = append(paths, "/sec-a?"+p+"="+v)
		}
		paths = append(paths, "/?_lp=1&_token="+v, "/sec-l?sub_id_1="+v,
			"/"+secPostbackKey+"/postback?subid="+v+"&status="+v+"&tid="+v,
			"/admin/login?next=/admin/"+v, "/admin/"+v, "/admin_api/v1/campaigns/"+v, "/healthz?"+v)
	}
	for _, p := range paths {
		resp, _ := e.call("GET", p, "", nil, nil)
		for name, vals := range resp.Header {
			for _, v := range vals {
				if strings.ContainsAny(v, "\r\n") || strings.EqualFold(name, "X-Injected") ||
					(strings.EqualFold(name, "Set-Cookie") && strings.HasPrefix(v, "sec=")) {
					t.Errorf("GET %s: injected header %s: %q", p, name, v)
				}
			}
		}
	}
}

func (e *secEnv) testSSRFPostbacks(t *testing.T) {
	resp, _ := e.call("GET", "/sec-a?sub_id_1=ssrf", "", nil, nil)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	clickID := loc.Query().Get("s")
	if resp.StatusCode != http.StatusFound || clickID == "" {
		t.Fatalf("click: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	want := len(secPrivateURLs(e.internal)) + 1 // the campaign's postbacks and the traffic source's
	type row struct {
		URL, Status, LastError string
		Attempts               int
	}
	var rows []row
	deadline := time.Now().Add(15 * time.Second)
	for sent := false; time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if !sent {
			// The click reaches Redis within a flush interval; until then the
			// postback is stored unattributed and re-joined later, so resend.
			r, body := e.call("GET", "/"+secPostbackKey+"/postback?subid="+clickID+"&status=sale&payout=3&tid=ssrf", "", nil, nil)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("postback: %d %s", r.StatusCode, body)
			}
		}
		rows = nil
		err := e.app.Store.DB.Raw(`/* app.testSSRFPostbacks */ SELECT url, status, last_error, attempts FROM s2s_outbox`).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		sent = len(rows) > 0
		settled := len(rows) >= want
		for _, r := range rows {
			settled = settled && r.Status != "pending"
		}
		if settled {
			break
		}
	}
	if len(rows) < want {
		t.Fatalf("outbox has %d rows, want %d: %+v", len(rows), want, rows)
	}
	for _, r := range rows {
		if r.Status != "dead" || !strings.Contains(r.LastError, "not allowed") {
			t.Errorf("S2S postback to %s: status %s after %d attempt(s), last error %q; want dead and blocked",
				r.URL, r.Status, r.Attempts, r.LastError)
		}
	}
	if n := e.hits.Load(); n != 0 {
		t.Errorf("the loopback service was contacted %d time(s)", n)
	}
	for _, r := range rows {
		t.Logf("%s -> %s after %d attempt(s): %s", r.URL, r.Status, r.Attempts, r.LastError)
	}
}

func (e *secEnv) testSSRFRemote(t *testing.T) {
	before := e.hits.Load()
	for i := 0; i < 3; i++ {
		resp, _ := e.call("GET", "/sec-r?sub_id_1=remote", "", nil, nil)
		if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 || loc != "" {
			t.Errorf("remote action to loopback answered %d Location %q; want a refusal", resp.StatusCode, loc)
		}
	}
	if n := e.hits.Load() - before; n != 0 {
		t.Errorf("the remote action contacted the loopback service %d time(s)", n)
	}
}

// secAPIRoutes walks the node's own route table: every /admin_api route,
// with path parameters filled in.
func (e *secEnv) secAPIRoutes() [][2]string {
	fill := strings.NewReplacer(":id", "1", ":subid", "0190f0a4-7b1e-7c3a-9f00-000000000001", ":currency", "EUR")
	var out [][2]string
	for _, r := range e.app.Echo.Routes() {
		if strings.HasPrefix(r.Path, "/admin_api/v1/") && r.Method != "echo_route_not_found" {
			out = append(out, [2]string{r.Method, fill.Replace(r.Path)})
		}
	}
	return out
}

func (e *secEnv) testAPIRequiresKey(t *testing.T) {
	routes := e.secAPIRoutes()
	if len(routes) < 90 {
		t.Fatalf("only %d admin API routes found", len(routes))
	}
	for _, r := range routes {
		for _, key := range []string{"", "wrong-key", secAdminAPIKey + "x", secPostbackKey} {
			resp, body := e.call(r[0], r[1], key, "{}", nil)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with key %q: %d %s, want 401", r[0], r[1], key, resp.StatusCode, body)
			}
		}
	}
	t.Logf("%d admin API routes refuse a missing or wrong key", len(routes))
}

// secReadsByPost are admin API routes that read although they are POSTs.
var secReadsByPost = map[string]bool{"/admin_api/v1/report/build": true, "/admin_api/v1/clicks/log": true,
	"/admin_api/v1/conversions/log": true, "/admin_api/v1/campaigns/1/simulate": true}

func (e *secEnv) testReadOnlyUser(t *testing.T) {
	ro := "read_only"
	user := e.admin("POST", "/users", map[string]any{"login": "viewer", "password": secViewerPass, "type": "USER",
		"access_data": map[string]any{"campaigns_access_type": ro, "offers_access_type": ro, "landings_access_type": ro,
			"traffic_sources_access_type": ro, "streams_access_type": ro, "affiliate_networks_access_type": ro,
			"reports_access": true}})
	made := e.admin("POST", fmt.Sprintf("/users/%v/api_keys", user["id"]), map[string]any{"name": "ro"})
	key, _ := made["key"].(string)
	if key == "" {
		t.Fatalf("api key answer: %v", made)
	}
	e.secrets = append(e.secrets, key, secViewerPass)
	if resp, body := e.call("GET", "/admin_api/v1/campaigns", key, nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("read-only user cannot read campaigns: %d %s", resp.StatusCode, body)
	}
	writes := 0
	for _, r := range e.secAPIRoutes() {
		if r[0] == http.MethodGet || secReadsByPost[r[1]] || strings.HasPrefix(r[1], "/admin_api/v1/users/me/") {
			continue
		}
		writes++
		if resp, body := e.call(r[0], r[1], key, "{}", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("read-only user: %s %s answered %d %s, want 403", r[0], r[1], resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/users", "/users/1", "/settings", "/botlist", "/users/1/api_keys"} {
		if resp, _ := e.call("GET", "/admin_api/v1"+p, key, nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("read-only user: GET %s answered %d, want 403 (ADMIN only)", p, resp.StatusCode)
		}
	}
	t.Logf("%d write routes refused to a read-only user", writes)
}

func (e *secEnv) testSQLInjection(t *testing.T) {
	count := func(table string) int64 {
		var n int64
		if err := e.app.Store.DB.Raw("/* app.testSQLInjection */ SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil {
			t.Fatalf("table %s after the attacks: %v", table, err)
		}
		return n
	}
	tables := []string{"campaigns", "offers", "users", "api_keys", "settings", "streams"}
	before := map[string]int64{}
	for _, tb := range tables {
		before[tb] = count(tb)
	}
	inj := "x'); DROP TABLE clicks; DELETE FROM users; --"
	flt := func(name, op string, expr any) map[string]any {
		return map[string]any{"range": map[string]any{"interval": "7_days_ago"}, "grouping": []string{"campaign"},
			"filters": []map[string]any{{"name": name, "operator": op, "expression": expr}}}
	}
	reports := []map[string]any{
		flt("sub_id_1", "EQUALS", inj), flt("sub_id_1", "IN_LIST", []string{inj, "a' OR '1'='1"}),
		flt("sub_id_1", "MATCH_REGEXP", inj), flt("sub_id_1", "CONTAINS", "%' OR 1=1 --"),
		flt("sub_id_1", "BEGINS_WITH", "\\'; SELECT pg_sleep(5); --"), flt("campaign_id", "EQUALS", "1 OR 1=1"),
		flt("country' OR '1'='1", "EQUALS", "US"), flt("country", "EQUALS; DROP TABLE clicks", "US"),
		flt("clicks", "GREATER_THAN", "0) OR (1=1"),
		{"grouping": []string{"campaign; DROP TABLE campaigns"}},
		{"grouping": []string{"campaign"}, "sort": []map[string]any{{"name": "clicks; DROP TABLE clicks", "order": "ASC"}}},
		{"grouping": []string{"campaign"}, "sort": []map[string]any{{"name": "clicks", "order": "ASC; DROP TABLE clicks"}}},
		{"grouping": []string{"campaign"}, "sort": []map[string]any{{"name": "(SELECT password_hash FROM users)", "order": "DESC"}}},
		{"range": map[string]any{"timezone": "UTC'; DROP TABLE clicks; --"}},
		{"range": map[string]any{"from": "2026-01-01' OR '1'='1", "to": "2026-01-02"}},
		{"metrics": []string{"clicks, (SELECT password_hash FROM users)"}},
	}
	logs := []map[string]any{
		{"columns": []string{"sub_id", "(SELECT password_hash FROM users LIMIT 1)"}},
		{"filters": []map[string]any{{"name": "sub_id", "operator": "EQUALS", "expression": inj}}},
		{"filters": []map[string]any{{"name": "status", "operator": "NOT_IN_LIST", "expression": inj + "," + inj}}},
		{"sort": []map[string]any{{"name": "datetime", "order": "DESC, (SELECT 1)"}}},
		{"sort": []map[string]any{{"name": "k.id; DROP TABLE clicks", "order": "ASC"}}},
		{"limit": "1; DROP TABLE clicks"},
	}
	send := func(path string, body map[string]any) {
		resp, raw := e.call("POST", "/admin_api/v1"+path, secAdminAPIKey, body, nil)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s %v: %d %s, want 200 or 400", path, body, resp.StatusCode, raw)
		}
		if regexp.MustCompile(`\$2[aby]\$\d\d\$`).Match(raw) { // a bcrypt hash
			t.Errorf("POST %s %v leaked password hashes: %s", path, body, raw)
		}
	}
	for _, r := range reports {
		send("/report/build", r)
	}
	for _, r := range logs {
		send("/clicks/log", r)
		send("/conversions/log", r)
	}
	for _, tb := range tables {
		if n := count(tb); n != before[tb] {
			t.Errorf("table %s had %d rows, now %d", tb, before[tb], n)
		}
	}
	count("clicks")
	count("conversions")
}

// secUI logs into the admin UI through its login form and returns a client
// carrying the session.
func (e *secEnv) secUI(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.base + "/admin/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("login page %d has no CSRF token: %s", resp.StatusCode, page)
	}
	form := url.Values{"login": {"admin"}, "password": {secAdminPassword}, "csrf_token": {string(m[1])},
		"next": {"//evil.example/admin"}}
	resp, err = c.PostForm(e.base+"/admin/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d, want 303", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/admin/" {
		t.Errorf("login with next=//evil.example/admin redirects to %q, want /admin/", loc)
	}
	return c
}

func (e *secEnv) testStoredXSS(t *testing.T) {
	raw := []string{"<script", "<img", "onerror=alert(1)>"}
	for _, p := range []string{"/campaigns", "/offers", "/landing_pages", "/traffic_sources", "/affiliate_networks",
		fmt.Sprintf("/campaigns/%d/streams", e.ids["sec-a"]), fmt.Sprintf("/streams/%d", e.ids["stream-sec-a"])} {
		resp, body := e.call("GET", "/admin_api/v1"+p, secAdminAPIKey, nil, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`\u003c`)) {
			t.Errorf("GET %s: %d, want 200 with the stored names JSON-escaped: %.200s", p, resp.StatusCode, body)
		}
		for _, r := range raw {
			if bytes.Contains(bytes.ToLower(body), []byte(r)) {
				t.Errorf("GET %s returns %q unescaped", p, r)
			}
		}
	}
	// Reflected: visitor values shown by show_html are escaped; show_text is plain text.
	q := "/sec-h?sub_id_1=" + url.QueryEscape(secXSSScript) + "&x=" + url.QueryEscape(secXSSAttr)
	hdr := map[string]string{"Referer": "https://r.example/" + secXSSAttr, "User-Agent": secXSSScript}
	resp, body := e.call("GET", q, "", nil, hdr)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("&lt;script&gt;")) {
		t.Errorf("show_html: %d %s, want 200 with the values escaped", resp.StatusCode, body)
	}
	for _, r := range []string{secXSSScript, "<img src=x"} {
		if bytes.Contains(body, []byte(r)) {
			t.Errorf("show_html renders visitor input %q unescaped: %s", r, body)
		}
	}
	resp, _ = e.call("GET", strings.Replace(q, "sec-h", "sec-t", 1), "", nil, hdr)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/plain") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("show_text: %d Content-Type %q nosniff %q, want 200 text/plain with nosniff", resp.StatusCode, ct,
			resp.Header.Get("X-Content-Type-Options"))
	}

	ui := e.secUI(t)
	pages := []string{"/admin/", "/admin/campaigns", "/admin/offers", "/admin/landings", "/admin/traffic_sources",
		"/admin/affiliate_networks", "/admin/reports?grouping=campaign"}
	for _, obj := range []struct{ page, id string }{{"campaigns", "sec-a"}, {"offers", "offerA"}, {"landings", "landing"},
		{"traffic_sources", "source"}, {"affiliate_networks", "network"}, {"streams", "stream-sec-a"}} {
		pages = append(pages, fmt.Sprintf("/admin/%s/%d", obj.page, e.ids[obj.id]))
	}
	escaped := 0
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
		for _, r := range []string{secXSSScript, secXSSAttr, "<img src=x"} {
			if bytes.Contains(body, []byte(r)) {
				t.Errorf("UI %s renders %q unescaped", p, r)
			}
		}
		if bytes.Contains(body, []byte("&lt;script&gt;")) || bytes.Contains(body, []byte("&lt;img")) {
			escaped++
		}
	}
	if escaped < len(pages)/2 {
		t.Errorf("only %d of %d pages show the stored names (escaped): the check proves little", escaped, len(pages))
	}
}

func (e *secEnv) testSecrets(t *testing.T) {
	// Refused and wrong-key postbacks and logins: the paths that log requests.
	for _, p := range []string{"/" + secPostbackKey + "/postback", "/" + secPostbackKey + "/postback?subid=zzz",
		"/postback?key=" + secPostbackKey, "/wrong/postback?subid=0190f0a4-7b1e-7c3a-9f00-000000000001"} {
		e.call("GET", p, "", nil, nil)
		e.call("POST", p, "", "{not json", nil)
	}
	e.call("POST", "/admin/login", "", "login=admin&password="+secAdminPassword+"x",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	secrets := map[string]string{"admin password": secAdminPassword, "admin API key": secAdminAPIKey,
		"postback key": secPostbackKey}
	for i, s := range e.secrets {
		secrets[fmt.Sprintf("suite secret %d", i)] = s
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "kite serving") {
		t.Fatalf("the log capture holds no node log: %.300s", logs)
	}
	for what, s := range secrets {
		if i := strings.Index(logs, s); i >= 0 {
			line := logs[strings.LastIndexByte(logs[:i], '\n')+1:]
			if j := strings.IndexByte(line, '\n'); j > 0 {
				line = line[:j]
			}
			t.Errorf("the %s appears in the log: %s", what, line)
		}
	}
	ids := []string{"1", "2", "3"}
	for _, id := range e.ids {
		ids = append(ids, fmt.Sprint(id))
	}
	for _, r := range e.secAPIRoutes() {
		if r[0] != http.MethodGet {
			continue
		}
		for _, id := range ids {
			path := strings.Replace(r[1], "/1", "/"+id, 1)
			_, body := e.call("GET", path, secAdminAPIKey, nil, nil)
			for what, s := range secrets {
				if what == "postback key" && path == "/admin_api/v1/settings" {
					continue // the buyer reads the key there to configure networks
				}
				if bytes.Contains(body, []byte(s)) {
					t.Errorf("GET %s shows the %s", path, what)
				}
			}
			if !strings.Contains(r[1], "/1") {
				break
			}
		}
	}
}

// testCSRF posts every admin UI form with a valid session but without the
// CSRF token: each must be refused before it does anything.
func (e *secEnv) testCSRF(t *testing.T) {
	ui := e.secUI(t)
	n := 0
	for _, r := range e.app.Echo.Routes() {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Path, "/admin/") {
			continue
		}
		path := strings.NewReplacer(":id", fmt.Sprint(e.ids["sec-a"])).Replace(r.Path)
		resp, err := ui.PostForm(e.base+path, url.Values{"name": {"csrf"}, "csrf_token": {"forged"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		n++
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without the CSRF token: %d, want 403", path, resp.StatusCode)
		}
	}
	if n < 20 {
		t.Fatalf("only %d UI forms found", n)
	}
	t.Logf("%d UI forms refuse a forged CSRF token", n)
}

// testBruteForce guesses the admin password until the login form refuses
// even the right one.
func (e *secEnv) testBruteForce(t *testing.T) {
	try := func(password string) int {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(e.base + "/admin/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
		if m == nil {
			t.Fatal("login page without a CSRF token")
		}
		resp, err = c.PostForm(e.base+"/admin/login", url.Values{"login": {"admin"}, "password": {password},
			"csrf_token": {string(m[1])}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	limited := 0
	for i := 0; i < 12 && limited == 0; i++ {
		switch code := try(fmt.Sprintf("guess-%d-wrong", i)); code {
		case http.StatusTooManyRequests:
			limited = i + 1
		case http.StatusUnauthorized:
		default:
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	if limited == 0 {
		t.Fatal("12 wrong passwords in a row and the login form still answers")
	}
	if code := try(secAdminPassword); code != http.StatusTooManyRequests {
		t.Errorf("the right password right after the guessing: %d, want 429", code)
	}
	t.Logf("login refused from guess %d on", limited)
}

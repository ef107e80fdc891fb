package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The route tests walk the node's own echo router (App.Echo.Routes()), not a
// list kept in the test: a route added tomorrow is attacked tomorrow. Every
// route must fall in one of three classes; a new public route fails
// testEveryRouteClassified until someone decides it is meant to be public.

// secPublicRoutes are the routes anyone may call: tracking, postbacks,
// probes and metrics.
var secPublicRoutes = map[string]bool{
	"GET /": true, "HEAD /": true, "GET /:alias": true, "HEAD /:alias": true,
	"GET /:key/postback": true, "POST /:key/postback": true, "GET /postback": true, "POST /postback": true,
	"GET /healthz": true, "HEAD /healthz": true, "GET /readyz": true, "GET /metrics": true,
}

// secUIPublic are the admin UI routes for visitors who are not logged in;
// secUIAnyUser those for any logged-in user whatever their access.
var (
	secUIPublic = map[string]bool{"GET /admin": true, "GET /admin/login": true, "POST /admin/login": true,
		"GET /admin/setup": true, "POST /admin/setup": true, "POST /admin/lang": true, "GET /admin/static/*": true}
	secUIAnyUser = map[string]bool{"POST /admin/logout": true, "GET /admin/password": true, "POST /admin/password": true}
	// secUIReadsByPost are POSTs that only read (or touch the user's own saved reports).
	secUIReadsByPost = map[string]bool{"POST /admin/campaigns/:id/simulate": true, "POST /admin/reports/save": true,
		"POST /admin/reports/saved/:id/delete": true}
	// secUIAdminOnly are pages for ADMIN users only.
	secUIAdminOnly = map[string]bool{"GET /admin/users": true, "GET /admin/users/:id": true, "GET /admin/settings": true}
)

type secRoute struct{ method, path string }

func (r secRoute) key() string { return r.method + " " + r.path }

// secUIRoutes are the node's /admin routes (not /admin_api), real methods only.
func (e *secEnv) secUIRoutes() []secRoute {
	var out []secRoute
	for _, r := range e.app.Echo.Routes() {
		if (r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/")) && r.Method != "echo_route_not_found" {
			out = append(out, secRoute{r.Method, r.Path})
		}
	}
	return out
}

// fill puts ids into a route's path parameters.
func (e *secEnv) fill(path string) string {
	return strings.NewReplacer(":id", fmt.Sprint(e.ids["sec-a"]), ":key", "1", "*", "app.js").Replace(path)
}

func (e *secEnv) testEveryRouteClassified(t *testing.T) {
	var api, ui, public int
	for _, r := range e.app.Echo.Routes() {
		k := r.Method + " " + r.Path
		switch {
		case r.Method == "echo_route_not_found":
		case strings.HasPrefix(r.Path, "/admin_api/"):
			api++ // testAPIRequiresKey, testReadOnlyUser
		case r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/"):
			ui++ // testUIRoutesNeedLogin, testUIRoutesNeedAccess, testCSRF
		case secPublicRoutes[k]:
			public++
		default:
			t.Errorf("route %s is neither admin API, admin UI nor a known public route: "+
				"add it to secPublicRoutes only if anyone may call it", k)
		}
	}
	if api < 90 || ui < 60 || public < len(secPublicRoutes) {
		t.Fatalf("routes: %d admin API, %d admin UI, %d public: the router table looks wrong", api, ui, public)
	}
	t.Logf("%d admin API, %d admin UI and %d public routes", api, ui, public)
}

// secBrowser is a cookie-keeping client that shows redirects instead of following them.
func secBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var secCSRFField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfOf loads page with c and returns the CSRF token its form carries.
func (e *secEnv) csrfOf(t *testing.T, c *http.Client, page string) string {
	t.Helper()
	resp, err := c.Get(e.base + page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := secCSRFField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s: %d without a CSRF token", page, resp.StatusCode)
	}
	return string(m[1])
}

// loginAs logs a user into the UI and returns the client and the session's CSRF token.
func (e *secEnv) loginAs(t *testing.T, login, password string) (*http.Client, string) {
	t.Helper()
	c := secBrowser()
	form := url.Values{"login": {login}, "password": {password}, "csrf_token": {e.csrfOf(t, c, "/admin/login")}}
	resp, err := c.PostForm(e.base+"/admin/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: %d, want 303", login, resp.StatusCode)
	}
	return c, e.csrfOf(t, c, "/admin/password")
}

// send calls one UI route with c; POSTs carry token (if any) as the form's CSRF field.
func (e *secEnv) send(t *testing.T, c *http.Client, r secRoute, token string) *http.Response {
	t.Helper()
	path := e.fill(r.path)
	var resp *http.Response
	var err error
	if r.method == http.MethodPost {
		form := url.Values{"name": {"refused"}, "login": {"refused"}}
		if token != "" {
			form.Set("csrf_token", token)
		}
		resp, err = c.PostForm(e.base+path, form)
	} else {
		var req *http.Request
		req, err = http.NewRequest(r.method, e.base+path, nil)
		if err == nil {
			resp, err = c.Do(req)
		}
	}
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// testUIRoutesNeedLogin: without a session every non-public page sends to
// the login form and every POST is refused, although the request carries a
// valid pre-login CSRF token (so the CSRF check is not what refuses it).
func (e *secEnv) testUIRoutesNeedLogin(t *testing.T) {
	anon := secBrowser()
	token := e.csrfOf(t, anon, "/admin/login")
	n := 0
	for _, r := range e.secUIRoutes() {
		if secUIPublic[r.key()] {
			continue
		}
		n++
		resp := e.send(t, anon, r, token)
		loc := resp.Header.Get("Location")
		switch {
		case r.method == http.MethodPost && resp.StatusCode != http.StatusUnauthorized:
			t.Errorf("anonymous %s: %d, want 401", r.key(), resp.StatusCode)
		case r.method != http.MethodPost && (resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/login")):
			t.Errorf("anonymous %s: %d Location %q, want 303 to /admin/login", r.key(), resp.StatusCode, loc)
		}
	}
	t.Logf("%d UI routes refuse a visitor without a session", n)
}

// testUIRoutesNeedAccess: a user with no access at all gets 403 from every
// route but the any-user ones; a read-only user gets 403 from every write
// and from the ADMIN-only pages. Both carry their session's CSRF token.
func (e *secEnv) testUIRoutesNeedAccess(t *testing.T) {
	const nobodyPass, readerPass = "Nobody-Secret-Pa55-77aa", "Reader-Secret-Pa55-12cd"
	ro := "read_only"
	e.admin("POST", "/users", map[string]any{"login": "nobody-ui", "password": nobodyPass, "type": "USER",
		"access_data": map[string]any{}})
	e.admin("POST", "/users", map[string]any{"login": "reader-ui", "password": readerPass, "type": "USER",
		"access_data": map[string]any{"campaigns_access_type": ro, "offers_access_type": ro, "landings_access_type": ro,
			"traffic_sources_access_type": ro, "streams_access_type": ro, "affiliate_networks_access_type": ro,
			"reports_access": true}})
	e.secrets = append(e.secrets, nobodyPass, readerPass)
	nobody, nobodyToken := e.loginAs(t, "nobody-ui", nobodyPass)
	reader, readerToken := e.loginAs(t, "reader-ui", readerPass)
	refusedNobody, refusedReader := 0, 0
	for _, r := range e.secUIRoutes() {
		k := r.key()
		if secUIPublic[k] || secUIAnyUser[k] {
			continue
		}
		if resp := e.send(t, nobody, r, nobodyToken); resp.StatusCode != http.StatusForbidden {
			t.Errorf("user without access, %s: %d, want 403", k, resp.StatusCode)
		} else {
			refusedNobody++
		}
		write := r.method == http.MethodPost && !secUIReadsByPost[k] || strings.HasSuffix(r.path, "/new")
		if !write && !secUIAdminOnly[k] && !strings.HasPrefix(r.path, "/admin/users") {
			continue
		}
		if resp := e.send(t, reader, r, readerToken); resp.StatusCode != http.StatusForbidden {
			t.Errorf("read-only user, %s: %d, want 403", k, resp.StatusCode)
		} else {
			refusedReader++
		}
	}
	// The reader can still read: the refusals above are about access, not a broken session.
	for _, p := range []string{"/admin/campaigns", "/admin/offers", fmt.Sprintf("/admin/campaigns/%d", e.ids["sec-a"])} {
		if resp := e.send(t, reader, secRoute{http.MethodGet, p}, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("read-only user, GET %s: %d, want 200", p, resp.StatusCode)
		}
	}
	if refusedNobody < 50 || refusedReader < 30 {
		t.Fatalf("only %d routes refused the user without access and %d the read-only user", refusedNobody, refusedReader)
	}
	t.Logf("%d UI routes refuse a user without access, %d a read-only user", refusedNobody, refusedReader)
}

// testAPIIgnoresUISession: the admin API answers only to an Api-Key; a
// logged-in admin's UI cookies (which a cross-site form would carry) are
// not enough, for reads or writes.
func (e *secEnv) testAPIIgnoresUISession(t *testing.T) {
	ui := e.secUI(t)
	admin, _ := url.Parse(e.base + "/admin/")
	var cookies []string
	for _, ck := range ui.Jar.Cookies(admin) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	if len(cookies) == 0 {
		t.Fatal("the UI login left no cookie")
	}
	token := e.csrfOf(t, ui, "/admin/password")
	for _, r := range [][2]string{{"GET", "/admin_api/v1/campaigns"}, {"POST", "/admin_api/v1/campaigns"},
		{"GET", "/admin_api/v1/users"}, {"POST", "/admin_api/v1/users"}, {"GET", "/admin_api/v1/settings"}} {
		resp, body := e.call(r[0], r[1], "", `{"name":"csrf via api","login":"csrf"}`,
			map[string]string{"Cookie": strings.Join(cookies, "; "), "X-CSRF-Token": token})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s with the admin's UI session: %d %.200s, want 401", r[0], r[1], resp.StatusCode, body)
		}
	}
}

// testCSRFVariants posts every UI form with a logged-in admin session and a
// token that is not this session's: none, the pre-login double-submit
// token, another user's session token, and a forged X-CSRF-Token header.
func (e *secEnv) testCSRFVariants(t *testing.T) {
	const otherPass = "Other-Secret-Pa55-5e6f"
	e.admin("POST", "/users", map[string]any{"login": "csrf-other", "password": otherPass, "type": "USER",
		"access_data": map[string]any{"campaigns_access_type": "full_access"}})
	e.secrets = append(e.secrets, otherPass)
	_, otherToken := e.loginAs(t, "csrf-other", otherPass)
	ui := e.secUI(t)
	anonToken := e.csrfOf(t, secBrowser(), "/admin/login")
	n := 0
	for _, r := range e.secUIRoutes() {
		if r.method != http.MethodPost {
			continue
		}
		for _, tok := range []string{"", anonToken, otherToken} {
			n++
			if resp := e.send(t, ui, r, tok); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with token %.8q...: %d, want 403", r.path, tok, resp.StatusCode)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, e.base+e.fill(r.path), strings.NewReader("name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", otherToken)
		resp, err := ui.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		n++
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with another session's X-CSRF-Token: %d, want 403", r.path, resp.StatusCode)
		}
	}
	// The admin's own token still works: the refusals were about the token.
	if resp := e.send(t, ui, secRoute{http.MethodPost, "/admin/lang"}, e.csrfOf(t, ui, "/admin/password")); resp.StatusCode == http.StatusForbidden {
		t.Errorf("POST /admin/lang with the session's own token: %d, want it past the CSRF check", resp.StatusCode)
	}
	t.Logf("%d POSTs with a wrong token refused", n)
}

// testLoginNextStaysHome logs in with a `next` that tries to leave the
// admin: the redirect after login stays under /admin as a browser reads it.
func (e *secEnv) testLoginNextStaysHome(t *testing.T) {
	for _, next := range []string{"//evil.example/admin", `/\evil.example`, `/admin/..\..\/evil.example`,
		"/\t/evil.example", "https://evil.example/admin", "/%2F%2Fevil.example", "/admin/../..//evil.example",
		"javascript:alert(1)", "/admin@evil.example", `\\evil.example`, "%2F%2Fevil.example", "/admin/campaigns"} {
		c := secBrowser()
		form := url.Values{"login": {"admin"}, "password": {secAdminPassword}, "next": {next},
			"csrf_token": {e.csrfOf(t, c, "/admin/login")}}
		resp, err := c.PostForm(e.base+"/admin/login", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// A browser reads "/x" as a path on this host; "//x", "/\x" and "scheme:x" lead elsewhere.
		loc := strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(resp.Header.Get("Location"))
		sameHost := strings.HasPrefix(loc, "/") && (len(loc) == 1 || loc[1] != '/' && loc[1] != '\\')
		if resp.StatusCode != http.StatusSeeOther || !sameHost {
			t.Errorf("login with next=%q: %d Location %q, want a 303 to a path on this host", next, resp.StatusCode,
				resp.Header.Get("Location"))
		}
	}
}

package ui

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

func TestFirstRunCreatesAdminOnce(t *testing.T) {
	en := newEnv(t)
	b := en.browser()
	if rec := b.do(http.MethodGet, "/admin/login", nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/setup" {
		t.Fatalf("login without admin: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	b.do(http.MethodGet, "/admin/setup", nil)
	cases := []struct {
		name string
		form url.Values
		code int
	}{
		{"short password", url.Values{"login": {"boss"}, "password": {"short"}, "password_confirm": {"short"}}, http.StatusUnprocessableEntity},
		{"mismatch", url.Values{"login": {"boss"}, "password": {"longenough1"}, "password_confirm": {"other-one1"}}, http.StatusUnprocessableEntity},
		{"ok", url.Values{"login": {"boss"}, "password": {"longenough1"}, "password_confirm": {"longenough1"}}, http.StatusSeeOther},
		{"again", url.Values{"login": {"boss2"}, "password": {"longenough1"}, "password_confirm": {"longenough1"}}, http.StatusForbidden},
	}
	for _, tc := range cases {
		rec := b.post("/admin/setup", tc.form)
		if rec.Code != tc.code {
			t.Fatalf("%s: code %d, want %d: %s", tc.name, rec.Code, tc.code, rec.Body.String())
		}
		if tc.name == "mismatch" && !strings.Contains(rec.Body.String(), `value="boss"`) {
			t.Errorf("setup form lost what the user typed")
		}
	}
	if rec := b.do(http.MethodGet, "/admin/", nil); rec.Code != http.StatusOK {
		t.Fatalf("after setup the dashboard should open: %d", rec.Code)
	}
	var n int64
	en.st.DB.Model(&model.User{}).Count(&n)
	if n != 1 {
		t.Fatalf("users after setup: %d, want 1", n)
	}
	if rec := en.browser().do(http.MethodGet, "/admin/setup", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("setup screen after an admin exists: %d", rec.Code)
	}
}

func TestLoginRotatesSessionAndLogoutEndsIt(t *testing.T) {
	en := newEnv(t)
	admin := en.user("admin", model.UserTypeAdmin, model.AccessData{})
	// A session id planted before login (fixation) must not survive it.
	planted, _, err := en.ui.sessions.Create(t.Context(), admin.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	b := en.browser()
	b.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: planted}
	b.do(http.MethodGet, "/admin/password", nil)
	b.login("admin")
	got := b.cookies[sessionCookie]
	if got == nil || got.Value == planted {
		t.Fatalf("session not rotated at login: %+v", got)
	}
	if !got.HttpOnly || got.SameSite != http.SameSiteLaxMode || got.Path != "/admin" {
		t.Errorf("session cookie flags: %+v", got)
	}
	if _, err := en.ui.sessions.Lookup(t.Context(), planted); err != ErrNoSession {
		t.Errorf("planted session still alive: %v", err)
	}
	var stored model.Session
	en.st.DB.Take(&stored)
	if stored.ID == got.Value || len(stored.ID) != 64 {
		t.Errorf("sessions table must hold the SHA-256, not the cookie: %q", stored.ID)
	}
	if rec := b.post("/admin/logout", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rec.Code)
	}
	if _, err := en.ui.sessions.Lookup(t.Context(), got.Value); err != ErrNoSession {
		t.Errorf("session alive after logout: %v", err)
	}
	b.cookies[sessionCookie] = got // a copied cookie is dead too
	if rec := b.do(http.MethodGet, "/admin/", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("old cookie after logout: %d", rec.Code)
	}
}

func TestIdleTimeout(t *testing.T) {
	en := newEnv(t, func(o *Options) { o.IdleTimeout = time.Hour })
	en.user("admin", model.UserTypeAdmin, model.AccessData{})
	b := en.browser()
	b.login("admin")
	steps := []struct {
		advance time.Duration
		code    int
	}{
		{50 * time.Minute, http.StatusOK},       // used within the hour: touched
		{50 * time.Minute, http.StatusOK},       // 100 min since login but 50 since last use
		{61 * time.Minute, http.StatusSeeOther}, // idle too long: back to login
		{0, http.StatusSeeOther},                // and it stays dead
	}
	for i, s := range steps {
		en.clock.Add(s.advance)
		if rec := b.do(http.MethodGet, "/admin/password", nil); rec.Code != s.code {
			t.Fatalf("step %d: %d, want %d", i, rec.Code, s.code)
		}
	}
	var n int64
	en.st.DB.Model(&model.Session{}).Count(&n)
	if n != 0 {
		t.Errorf("idle session not deleted: %d rows", n)
	}
}

func TestCSRFRefusedWithoutToken(t *testing.T) {
	en := newEnv(t)
	en.user("admin", model.UserTypeAdmin, model.AccessData{})
	b := en.browser()
	b.login("admin")
	form := func() url.Values {
		return url.Values{"old_password": {"password123"}, "new_password": {"newpassword1"}, "new_password_confirm": {"newpassword1"}}
	}
	if rec := b.do(http.MethodPost, "/admin/password", form()); rec.Code != http.StatusForbidden {
		t.Fatalf("no token: %d", rec.Code)
	}
	f := form()
	f.Set("csrf_token", "forged")
	if rec := b.do(http.MethodPost, "/admin/password", f); rec.Code != http.StatusForbidden {
		t.Fatalf("wrong token: %d", rec.Code)
	}
	// The anonymous double-submit token is not the session's token.
	anonToken := strings.Repeat("a", 43)
	b.cookies[anonCSRFCookie] = &http.Cookie{Name: anonCSRFCookie, Value: anonToken}
	f.Set("csrf_token", anonToken)
	if rec := b.do(http.MethodPost, "/admin/password", f); rec.Code != http.StatusForbidden {
		t.Fatalf("anonymous token on a session: %d", rec.Code)
	}
	if rec := b.do(http.MethodPost, "/admin/password", form(), csrfHeader, b.csrf); rec.Code != http.StatusSeeOther {
		t.Fatalf("htmx header token: %d %s", rec.Code, rec.Body.String())
	}
	anon := en.browser()
	if rec := anon.do(http.MethodPost, "/admin/login", url.Values{"login": {"admin"}, "password": {"newpassword1"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("login without the double-submit token: %d", rec.Code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	en := newEnv(t)
	en.user("admin", model.UserTypeAdmin, model.AccessData{})
	en.user("other", model.UserTypeAdmin, model.AccessData{})
	attempt := func(b *browser, login, pw string) int {
		b.do(http.MethodGet, "/admin/login", nil)
		return b.post("/admin/login", url.Values{"login": {login}, "password": {pw}}).Code
	}
	b := en.browser()
	for i := 0; i < 5; i++ {
		if code := attempt(b, "admin", "wrong"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	if code := attempt(b, "admin", "password123"); code != http.StatusTooManyRequests {
		t.Fatalf("6th try with the right password: %d, want 429", code)
	}
	if code := attempt(b, "other", "password123"); code != http.StatusTooManyRequests {
		t.Fatalf("same IP, other account: %d, want 429 (per-IP limit)", code)
	}
	elsewhere := en.browser()
	elsewhere.ip = "198.51.100.7"
	if code := attempt(elsewhere, "admin", "password123"); code != http.StatusTooManyRequests {
		t.Fatalf("other IP, same account: %d, want 429 (per-account limit)", code)
	}
	if code := attempt(elsewhere, "other", "password123"); code != http.StatusSeeOther {
		t.Fatalf("other IP, other account: %d, want success", code)
	}
	en.clock.Add(16 * time.Minute)
	if code := attempt(b, "admin", "password123"); code != http.StatusSeeOther {
		t.Fatalf("after the window: %d", code)
	}
}

func TestSecureCookieOnlyBehindTLS(t *testing.T) {
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	en := newEnv(t, func(o *Options) { o.TrustedProxies = []netip.Prefix{proxy} })
	cases := []struct {
		ip     string
		secure bool
	}{
		{"10.1.2.3", true},     // trusted proxy says https
		{"203.0.113.9", false}, // anyone else cannot claim it
	}
	for _, tc := range cases {
		b := en.browser()
		b.ip = tc.ip
		rec := b.do(http.MethodGet, "/admin/setup", nil, "X-Forwarded-Proto", "https")
		var found bool
		for _, c := range rec.Result().Cookies() {
			if c.Name == anonCSRFCookie {
				found = true
				if c.Secure != tc.secure {
					t.Errorf("%s: Secure=%v, want %v", tc.ip, c.Secure, tc.secure)
				}
			}
		}
		if !found {
			t.Fatalf("%s: no cookie set", tc.ip)
		}
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	en := newEnv(t)
	en.user("admin", model.UserTypeAdmin, model.AccessData{})
	laptop, phone := en.browser(), en.browser()
	laptop.login("admin")
	phone.login("admin")
	rec := laptop.post("/admin/password", url.Values{"old_password": {"wrong"}, "new_password": {"newpassword1"}, "new_password_confirm": {"newpassword1"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "current password is wrong") {
		t.Fatalf("wrong old password: %d", rec.Code)
	}
	rec = laptop.post("/admin/password", url.Values{"old_password": {"password123"}, "new_password": {"newpassword1"}, "new_password_confirm": {"newpassword1"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("change: %d %s", rec.Code, rec.Body.String())
	}
	if rec := laptop.do(http.MethodGet, "/admin/password", nil); rec.Code != http.StatusOK {
		t.Errorf("own session ended: %d", rec.Code)
	}
	if rec := phone.do(http.MethodGet, "/admin/password", nil); rec.Code != http.StatusSeeOther {
		t.Errorf("other session survived a password change: %d", rec.Code)
	}
}

func TestSafeNext(t *testing.T) {
	cases := map[string]string{
		"/admin/campaigns":  "/admin/campaigns",
		"//evil.example":    "/admin/",
		"https://evil.test": "/admin/",
		"/admin\\@evil":     "/admin/",
		"":                  "/admin/",
	}
	for in, want := range cases {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

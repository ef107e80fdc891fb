package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// testClock is a settable clock shared by the UI and its limiter.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is one UI over a fresh database, plus helpers to drive it like a browser.
type env struct {
	t     *testing.T
	ui    *UI
	users *auth.Service
	e     *echo.Echo
	st    *store.Store
	cat   *catalog.Catalog
	clock *testClock
}

type envOption func(*Options)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	st := testenv.Store(t)
	clock := &testClock{t: time.Now().UTC()}
	cat := catalog.New(st, nil, nil)
	users := auth.New(st, nil)
	o := Options{Store: st, Users: users, Catalog: cat, Now: clock.Now}
	for _, f := range opts {
		f(&o)
	}
	u, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	u.Register(e)
	return &env{t: t, ui: u, users: users, e: e, st: st, cat: cat, clock: clock}
}

// user creates a user with password "password123".
func (en *env) user(login, typ string, access model.AccessData) *model.User {
	en.t.Helper()
	pw := "password123"
	u, err := en.users.CreateUser(en.t.Context(), auth.UserRequest{Login: &login, Password: &pw, Type: &typ, AccessData: &access})
	if err != nil {
		en.t.Fatal(err)
	}
	return u
}

// browser is a cookie jar and the last CSRF token seen.
type browser struct {
	en      *env
	cookies map[string]*http.Cookie
	csrf    string
	ip      string
}

func (en *env) browser() *browser {
	return &browser{en: en, cookies: map[string]*http.Cookie{}, ip: "192.0.2.10"}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request; form values go in the body of a POST.
func (b *browser) do(method, path string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	b.en.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = b.ip + ":40000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.en.e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := csrfRe.FindStringSubmatch(rec.Body.String()); m != nil {
		b.csrf = m[1]
	}
	return rec
}

// post sends a form with the current CSRF token.
func (b *browser) post(path string, form url.Values) *httptest.ResponseRecorder {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf)
	return b.do(http.MethodPost, path, form)
}

// login signs in through the login form and fails the test if it does not work.
func (b *browser) login(login string) {
	b.en.t.Helper()
	b.do(http.MethodGet, "/admin/login", nil)
	rec := b.post("/admin/login", url.Values{"login": {login}, "password": {"password123"}})
	if rec.Code != http.StatusSeeOther {
		b.en.t.Fatalf("login %s: %d %s", login, rec.Code, rec.Body.String())
	}
	b.do(http.MethodGet, "/admin/password", nil) // picks up the session's CSRF token
}

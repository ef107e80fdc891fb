package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

const adminKey = "test-admin-key-0123456789abcdefXYZ"

// lockedBuffer collects logs from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// countingNotifier counts announced configuration changes.
type countingNotifier struct{ n atomic.Int64 }

func (c *countingNotifier) ConfigChanged(context.Context) error { c.n.Add(1); return nil }

type env struct {
	t      *testing.T
	st     *store.Store
	e      *echo.Echo
	cat    *catalog.Catalog
	users  *auth.Service
	notify *countingNotifier
	logs   *lockedBuffer
}

// newEnv gives a bootstrapped tracker behind the admin API on a fresh database.
func newEnv(t *testing.T) *env {
	t.Helper()
	st := testenv.Store(t)
	logs := &lockedBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	ctx := context.Background()
	if err := auth.Bootstrap(ctx, st, auth.BootstrapOptions{AdminLogin: "admin", AdminPassword: "admin-password-1",
		AdminAPIKey: adminKey, PostbackKey: "pbkey"}, log); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	n := &countingNotifier{}
	cat := catalog.New(st, n, log)
	users := auth.New(st, log)
	e := echo.New()
	e.HTTPErrorHandler = errorHandler
	New(cat, users, log).Register(e)
	return &env{t: t, st: st, e: e, cat: cat, users: users, notify: n, logs: logs}
}

// errorHandler renders errors as the app's single handler does: {"error": msg}.
func errorHandler(err error, c echo.Context) {
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if s, ok := he.Message.(string); ok {
			msg = s
		}
	}
	_ = c.JSON(code, map[string]string{"error": msg})
}

// call sends one request with the given key ("" for none) and decodes the reply.
func (v *env) call(key, method, path, body string) (int, string) {
	v.t.Helper()
	req := httptest.NewRequest(method, Base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Api-Key", key)
	}
	rec := httptest.NewRecorder()
	v.e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// ok calls as the admin and fails the test unless the answer is 200; it
// decodes the body into out when out is not nil.
func (v *env) ok(method, path, body string, out any) {
	v.t.Helper()
	code, resp := v.call(adminKey, method, path, body)
	if code != http.StatusOK {
		v.t.Fatalf("%s %s: %d %s", method, path, code, resp)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			v.t.Fatalf("%s %s: decode %q: %v", method, path, resp, err)
		}
	}
}

// count returns the rows of a table.
func (v *env) count(table string) int64 {
	v.t.Helper()
	var n int64
	if err := v.st.DB.Table(table).Count(&n).Error; err != nil {
		v.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

type obj = map[string]any

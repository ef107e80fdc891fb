package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestErrorHandlerAnswers(t *testing.T) {
	a := &App{Log: quietLog()}
	e := echo.New()
	cases := []struct {
		path, accept string
		err          error
		code         int
		body         string
		retryAfter   bool
	}{
		{"/admin_api/v1/x", "", echo.NewHTTPError(http.StatusNotFound, "campaign not found"), 404, `{"error":"campaign not found"}`, false},
		{"/k/postback", "", echo.NewHTTPError(http.StatusServiceUnavailable, "retry later"), 503, `{"error":"retry later"}`, true},
		{"/admin_api/v1/x", "", errors.New("db exploded: secret detail"), 500, `{"error":"internal error"}`, false},
		{"/alias", "", echo.NewHTTPError(http.StatusRequestURITooLong, "too long"), 414, "too long", false},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		rec := httptest.NewRecorder()
		a.handleError(c.err, e.NewContext(req, rec))
		if rec.Code != c.code || strings.TrimSpace(rec.Body.String()) != c.body {
			t.Errorf("%s %v: %d %q, want %d %q", c.path, c.err, rec.Code, rec.Body.String(), c.code, c.body)
		}
		if got := rec.Header().Get("Retry-After") != ""; got != c.retryAfter {
			t.Errorf("%s: Retry-After present = %v, want %v", c.path, got, c.retryAfter)
		}
	}
}

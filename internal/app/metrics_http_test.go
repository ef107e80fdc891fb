package app

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestSurfaceOf(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"/summer", "track"},
		{"/", "track"},
		{"/admin_api/v1/campaigns", "admin_api"},
		{"/admin", "ui"},
		{"/admin/login", "ui"},
		{"/k3y/postback", "postback"},
		{"/postback", "postback"},
		{"/healthz", "ops"},
		{"/readyz", "ops"},
		{"/metrics", "ops"},
		{"/static/app.js", "static"},
	}
	for _, tt := range tests {
		if got := surfaces[surfaceOf(tt.path)]; got != tt.want {
			t.Errorf("surfaceOf(%q) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

// The cached series count exactly what WithLabelValues on every request
// counted, and /metrics lists only the series that were used.
func TestHTTPMetricsCachedSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newHTTPMetrics(reg)
	requests := []struct {
		s    surfaceID
		code int
	}{
		{surfaceTrack, 302}, {surfaceTrack, 302}, {surfaceTrack, 404}, {surfacePostback, 200},
		{surfaceAdminAPI, 401}, {surfaceTrack, 302}, {surfaceOps, 999}, {surfaceOps, 999},
	}
	for _, r := range requests {
		m.observe(r.s, r.code, time.Millisecond)
	}
	tests := []struct {
		surface, code string
		want          float64
	}{
		{"track", "302", 3},
		{"track", "404", 1},
		{"postback", "200", 1},
		{"admin_api", "401", 1},
		{"ops", "999", 2},
		{"ui", "200", 0},
	}
	for _, tt := range tests {
		var got dto.Metric
		if err := m.requests.WithLabelValues(tt.surface, tt.code).Write(&got); err != nil {
			t.Fatal(err)
		}
		if got.GetCounter().GetValue() != tt.want {
			t.Errorf("requests{surface=%s,code=%s} = %v, want %v", tt.surface, tt.code, got.GetCounter().GetValue(), tt.want)
		}
	}
	// Only the surfaces that answered have a latency histogram.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var hist []string
	for _, mf := range mfs {
		if mf.GetName() != "kite_http_request_duration_seconds" {
			continue
		}
		for _, metric := range mf.GetMetric() {
			hist = append(hist, fmt.Sprintf("%s=%d", metric.GetLabel()[0].GetValue(), metric.GetHistogram().GetSampleCount()))
		}
	}
	if got, want := strings.Join(hist, " "), "admin_api=1 ops=2 postback=1 track=4"; got != want {
		t.Fatalf("latency histograms %q, want %q", got, want)
	}
}

// frame, the one middleware: a request id everywhere but on the tracking
// link, a panic answered 500 (and, as before, not counted), every other
// request counted under its surface and final status.
func TestFrameMiddleware(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := &App{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), registry: reg, metrics: newHTTPMetrics(reg)}
	e := a.newEcho()
	e.GET("/:alias", func(c echo.Context) error {
		if c.Param("alias") == "boom" {
			panic("boom")
		}
		return c.Redirect(http.StatusFound, "https://offer.example/")
	})
	e.GET("/admin_api/v1/things", func(c echo.Context) error {
		return echo.NewHTTPError(http.StatusUnauthorized, "no key")
	})
	tests := []struct {
		path      string
		code      int
		requestID bool
	}{
		{"/summer", http.StatusFound, false},
		{"/summer", http.StatusFound, false},
		{"/admin_api/v1/things", http.StatusUnauthorized, true},
		{"/healthz", http.StatusOK, true},
		{"/boom", http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != tt.code {
			t.Errorf("%s: status %d, want %d", tt.path, w.Code, tt.code)
		}
		if got := w.Header().Get(echo.HeaderXRequestID) != ""; got != tt.requestID {
			t.Errorf("%s: request id header present %v, want %v", tt.path, got, tt.requestID)
		}
	}
	for _, c := range []struct {
		surface, code string
		want          float64
	}{
		{"track", "302", 2}, {"admin_api", "401", 1}, {"ops", "200", 1}, {"track", "500", 0},
	} {
		var got dto.Metric
		if err := a.metrics.requests.WithLabelValues(c.surface, c.code).Write(&got); err != nil {
			t.Fatal(err)
		}
		if got.GetCounter().GetValue() != c.want {
			t.Errorf("requests{surface=%s,code=%s} = %v, want %v", c.surface, c.code, got.GetCounter().GetValue(), c.want)
		}
	}
}

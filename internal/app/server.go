package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kite-tracker/kite/internal/config"
)

// newEcho builds the HTTP server shell shared by every surface: request ids,
// panic recovery, metrics (all three in frame), one error handler and the
// health endpoints.
func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = a.ipExtractor()
	e.Use(a.frame(middleware.RequestID()))

	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.HEAD("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.GET("/readyz", a.readyz)
	e.GET("/metrics", a.metricsAuth(echo.WrapHandler(promhttp.HandlerFor(a.registry, promhttp.HandlerOpts{}))))
	return e
}

// metricsAuth guards /metrics with the configured bearer token: the figures
// (campaign traffic, error rates) are the operator's business, while
// Prometheus scrapers send such a token as a matter of course. Without a
// token /metrics stays open, for a scraper on a private network.
func (a *App) metricsAuth(next echo.HandlerFunc) echo.HandlerFunc {
	want := []byte("Bearer " + a.Cfg.MetricsToken)
	return func(c echo.Context) error {
		if a.Cfg.MetricsToken == "" {
			return next(c)
		}
		got := []byte(c.Request().Header.Get(echo.HeaderAuthorization))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			a.Log.Warn("metrics refused: missing or wrong bearer token", "remote_ip", c.RealIP())
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="metrics"`)
			return echo.NewHTTPError(http.StatusUnauthorized, "metrics need the bearer token (KITE_METRICS_TOKEN)")
		}
		return next(c)
	}
}

// readyz is 200 only when SQL and Redis both answer.
func (a *App) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{"sql": "ok", "redis": "ok"}
	code := http.StatusOK
	if err := a.Store.Ping(ctx); err != nil {
		status["sql"], code = err.Error(), http.StatusServiceUnavailable
	}
	if err := a.Redis.Ping(ctx); err != nil {
		status["redis"], code = err.Error(), http.StatusServiceUnavailable
	}
	return c.JSON(code, status)
}

// handleError is the one place errors become responses: a safe message to
// the client, the full error to the log.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(code)
		}
	}
	req := c.Request()
	attrs := []any{"method", req.Method, "path", logPath(c), "status", code,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err}
	if code >= 500 {
		a.Log.Error("request failed", attrs...)
	} else {
		a.Log.Info("request refused", attrs...)
	}
	if code == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
		// A network or client that honours it retries after the outage
		// instead of giving up: nothing refused this way is lost.
		c.Response().Header().Set("Retry-After", "30")
	}
	if req.Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	if wantsJSON(req) {
		_ = c.JSON(code, map[string]string{"error": msg})
		return
	}
	_ = c.String(code, msg)
}

func wantsJSON(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/admin_api/") || strings.HasSuffix(p, "/postback") || p == "/postback" ||
		strings.Contains(r.Header.Get("Accept"), "application/json")
}

// frame is the middleware every request passes through: a request id (not
// on the tracking link), panic recovery, then metrics, in that order. It is
// one middleware rather than three because echo applies middleware anew on
// every request: each one cost a closure allocation per click.
func (a *App) frame(requestID echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if surfaceOf(c.Request().URL.Path) == surfaceTrack {
				// The tracking link logs nothing per hit, so an id there is only cost.
				return a.recoverPanics(next, c)
			}
			return requestID(func(c echo.Context) error { return a.recoverPanics(next, c) })(c)
		}
	}
}

// recoverPanics turns a panic into a logged 500, never a dropped connection.
func (a *App) recoverPanics(next echo.HandlerFunc, c echo.Context) (err error) {
	defer a.recoverInto(&err, c)
	return a.observe(next, c)
}

// recoverInto is recoverPanics' deferred call.
func (a *App) recoverInto(err *error, c echo.Context) {
	if r := recover(); r != nil {
		a.Log.Error("panic in handler", "panic", r, "path", c.Request().URL.Path)
		*err = echo.NewHTTPError(http.StatusInternalServerError, "internal error")
	}
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// The series of each surface, looked up once: WithLabelValues hashes
	// its labels and formats the code on every request (three allocations
	// a click). Each is made on its first request, as before, so /metrics
	// lists the same series.
	bySurface [len(surfaces)]surfaceMetrics
}

type surfaceMetrics struct {
	duration atomic.Pointer[prometheus.Observer]
	codes    [600]atomic.Pointer[prometheus.Counter] // by status code
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kite_http_requests_total", Help: "HTTP requests by surface and status code.",
		}, []string{"surface", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kite_http_request_duration_seconds", Help: "HTTP request latency by surface.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"surface"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe counts one request of surface s that answered code in d.
func (m *httpMetrics) observe(s surfaceID, code int, d time.Duration) {
	sm := &m.bySurface[s]
	if code >= 0 && code < len(sm.codes) {
		c := sm.codes[code].Load()
		if c == nil {
			v := m.requests.WithLabelValues(surfaces[s], strconv.Itoa(code))
			c = &v
			sm.codes[code].Store(c)
		}
		(*c).Inc()
	} else {
		m.requests.WithLabelValues(surfaces[s], strconv.Itoa(code)).Inc()
	}
	o := sm.duration.Load()
	if o == nil {
		v := m.duration.WithLabelValues(surfaces[s])
		o = &v
		sm.duration.Store(o)
	}
	(*o).Observe(d.Seconds())
}

// surfaceID is an index into surfaces.
type surfaceID uint8

const (
	surfaceTrack surfaceID = iota
	surfaceAdminAPI
	surfaceUI
	surfacePostback
	surfaceOps
	surfaceStatic
)

// surfaces are the metrics' surface labels, by surfaceID.
var surfaces = [...]string{
	surfaceTrack: "track", surfaceAdminAPI: "admin_api", surfaceUI: "ui", surfacePostback: "postback",
	surfaceOps: "ops", surfaceStatic: "static",
}

// surfaceOf groups paths for metrics without exploding label cardinality.
func surfaceOf(path string) surfaceID {
	switch {
	case strings.HasPrefix(path, "/admin_api/"):
		return surfaceAdminAPI
	case strings.HasPrefix(path, "/admin"):
		return surfaceUI
	case strings.HasSuffix(path, "/postback") || path == "/postback":
		return surfacePostback
	case path == "/healthz" || path == "/readyz" || path == "/metrics":
		return surfaceOps
	case strings.HasPrefix(path, "/static/"):
		return surfaceStatic
	}
	return surfaceTrack
}

// observe counts and times every request; only refused or failed requests
// are logged at info level (the tracking link is too hot to log each hit).
// A panic passes through uncounted, as it always did.
func (a *App) observe(next echo.HandlerFunc, c echo.Context) error {
	start := time.Now()
	err := next(c)
	if err != nil {
		c.Error(err)
	}
	s := surfaceOf(c.Request().URL.Path)
	code := c.Response().Status
	a.metrics.observe(s, code, time.Since(start))
	if s != surfaceTrack && a.Log.Enabled(c.Request().Context(), slog.LevelDebug) {
		a.Log.Debug("request", "method", c.Request().Method, "path", logPath(c), "status", code,
			"duration_ms", time.Since(start).Milliseconds())
	}
	return nil
}

// ipExtractor makes c.RealIP() believe X-Forwarded-For only from the
// configured trusted proxies; with none, the TCP peer is the client.
func (a *App) ipExtractor() echo.IPExtractor {
	trusted, _ := config.ParseCIDRs(a.Cfg.TrustedProxies)
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// logPath is the path as it may be logged: the route pattern where there is
// one, so the postback key in /{postback_key}/postback never reaches a log.
func logPath(c echo.Context) string {
	if p := c.Path(); p != "" && p != "/*" {
		return p
	}
	if strings.HasSuffix(c.Request().URL.Path, "/postback") {
		return "/:key/postback"
	}
	return c.Request().URL.Path
}

// Package app wires Kite together: stores, the HTTP surfaces, the background
// workers, and their ordered start and stop. It holds no globals: every
// dependency is built here and passed down.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kite-tracker/kite/internal/config"
	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/store"
)

// Version is set at build time with -ldflags "-X .../internal/app.Version=...".
var Version = "dev"

// Options are start-up choices that are not configuration.
type Options struct {
	Migrate bool // apply pending migrations on start (always on in embedded mode)
}

// App is one running Kite node.
type App struct {
	Cfg   config.Config
	Log   *slog.Logger
	Store *store.Store
	Redis *hot.Redis
	Echo  *echo.Echo

	registry *prometheus.Registry
	metrics  *httpMetrics
	// stages are stopped in order on shutdown: the HTTP server first (no new
	// clicks), then the recorder (flush what it holds), then everything that
	// consumes what the recorder produced.
	stages  [][]task
	closers []func() error
}

// task is a background worker declared as data.
type task struct {
	name string
	run  func(ctx context.Context) error
}

// ErrStaleSchema means the database needs `kite migrate up`.
var ErrStaleSchema = errors.New("database schema is behind")

// New opens the stores, checks the schema, bootstraps the first admin and
// builds every component. Close releases what it opened if Run is not called.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*App, error) {
	a := &App{Cfg: cfg, Log: log, registry: prometheus.NewRegistry()}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics = newHTTPMetrics(a.registry)
	if err := a.openStores(ctx, opt); err != nil {
		a.Close()
		return nil, err
	}
	a.Echo = a.newEcho()
	if err := a.build(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) openStores(ctx context.Context, opt Options) error {
	st, err := store.Open(ctx, a.Cfg.DatabaseURL, a.Log)
	if err != nil {
		return err
	}
	a.Store = st
	a.closers = append(a.closers, st.Close)
	if err := a.checkSchema(ctx, opt.Migrate || st.Dialect == store.SQLite); err != nil {
		return err
	}
	r, err := hot.Open(ctx, a.Cfg.RedisURL, a.Cfg.RedisPrefix, a.Log)
	if err != nil {
		return err
	}
	a.Redis = r
	a.closers = append(a.closers, r.Close)
	if a.Cfg.Embedded() {
		a.Log.Info("embedded mode: SQLite at " + a.Cfg.DatabaseURL + " and an in-process Redis; single node only, " +
			"the click cache lives in memory (set KITE_DATABASE_URL and KITE_REDIS_URL for production)")
	}
	return nil
}

func (a *App) checkSchema(ctx context.Context, migrate bool) error {
	if migrate {
		n, err := a.Store.MigrateUp(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			a.Log.Info("migrations applied", "count", n)
		}
		return nil
	}
	pending, err := a.Store.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w: %d migration(s) pending (first: %s); run `kite migrate up` or start with --migrate",
			ErrStaleSchema, len(pending), pending[0].Name)
	}
	return nil
}

func (a *App) addStage(tasks ...task) { a.stages = append(a.stages, tasks) }

// Run serves until ctx ends, then stops in order: HTTP (in-flight requests
// finish), then each stage of workers, then the stores.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Cfg.Listen)
	if err != nil {
		a.Close()
		return fmt.Errorf("listen %s: %w", a.Cfg.Listen, err)
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests listen on :0).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	defer a.Close()
	srv := &http.Server{Handler: a.Echo, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}

	type running struct {
		cancel context.CancelFunc
		wg     *sync.WaitGroup
	}
	errc := make(chan error, 64)
	var stages []running
	for _, st := range a.stages {
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		wg := &sync.WaitGroup{}
		for _, t := range st {
			wg.Add(1)
			go func(t task) {
				defer wg.Done()
				if err := t.run(sctx); err != nil && !errors.Is(err, context.Canceled) {
					a.Log.Error("worker stopped with an error", "worker", t.name, "err", err)
					errc <- fmt.Errorf("%s: %w", t.name, err)
				}
			}(t)
		}
		stages = append(stages, running{cancel, wg})
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	a.Log.Info("kite serving", "listen", ln.Addr().String(), "version", Version)
	a.serveDebug(ctx)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	a.Log.Info("shutting down: stop accepting, finish requests, drain workers")
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		a.Log.Error("http shutdown", "err", err)
	}
	for _, st := range stages {
		st.cancel()
		done := make(chan struct{})
		go func() { st.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-sctx.Done():
			a.Log.Error("shutdown timed out waiting for workers")
			return errors.New("shutdown timed out")
		}
	}
	a.Log.Info("stopped cleanly")
	return runErr
}

// Close releases the stores (in reverse order of opening).
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
	a.closers = nil
}

// Registry is the Prometheus registry served at /metrics.
func (a *App) Registry() *prometheus.Registry { return a.registry }

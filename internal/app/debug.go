package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveDebug serves Go's profiler on cfg.DebugListen until ctx ends, so an
// operator can see where CPU and memory go under real load. It is a separate
// listener, never the public one: pprof has no authentication.
func (a *App) serveDebug(ctx context.Context) {
	if a.Cfg.DebugListen == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: a.Cfg.DebugListen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		a.Log.Warn("profiler serving; keep this address private", "debug_listen", a.Cfg.DebugListen)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("debug listener", "err", err)
		}
	}()
}

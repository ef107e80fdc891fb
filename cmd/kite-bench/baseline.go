package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func init() {
	register("baseline", "serve a bare net/http fixed 302: the yardstick for the tracking link", runBaseline)
}

// runBaseline serves the fastest redirect Go can: no routing, no recording.
// Kite's tracking link throughput is reported as a ratio of this one, on
// the same machine under the same load.
func runBaseline(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:18090", "address to serve on")
	location := fs.String("location", "https://offer.example/landing?src=baseline", "Location of the 302")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv := &http.Server{
		Addr: *listen,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", *location)
			w.WriteHeader(http.StatusFound)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Printf("baseline: fixed 302 on http://%s/\n", *listen)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Command kite is the Kite tracker: `kite` (= `kite serve`), `kite migrate
// up|status`, `kite user create`, `kite version`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kite-tracker/kite/internal/app"
	"github.com/kite-tracker/kite/internal/config"
)

// Exit codes: 1 for a runtime failure, 2 for bad configuration or usage.
const (
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, "kite", app.Version)
		return 0
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	log := newLogger(cfg.Log, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, args, stderr)
	case "migrate":
		return migrate(ctx, cfg, log, args, stdout, stderr)
	case "user":
		return user(ctx, cfg, log, args, stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "kite: unknown command %q (want serve, migrate, user or version)\n", cmd)
	return exitUsage
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrateFlag := fs.Bool("migrate", false, "apply pending migrations before serving")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	a, err := app.New(ctx, cfg, log, app.Options{Migrate: *migrateFlag})
	if err != nil {
		log.Error("start-up failed", "err", err)
		if errors.Is(err, app.ErrStaleSchema) {
			fmt.Fprintln(stderr, "kite:", err)
		}
		return exitFailure
	}
	if err := a.Run(ctx); err != nil {
		log.Error("stopped with an error", "err", err)
		return exitFailure
	}
	return 0
}

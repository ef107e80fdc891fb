package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/kite-tracker/kite/internal/config"
	"github.com/kite-tracker/kite/internal/store"
)

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || (args[0] != "up" && args[0] != "status") {
		fmt.Fprintln(stderr, "usage: kite migrate up|status")
		return exitUsage
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		fmt.Fprintln(stderr, "kite:", err)
		return exitFailure
	}
	defer st.Close()
	if args[0] == "up" {
		n, err := st.MigrateUp(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "kite:", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		return 0
	}
	all, err := st.MigrationStatus(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "kite:", err)
		return exitFailure
	}
	for _, m := range all {
		state := "pending"
		if m.AppliedAt != nil {
			state = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(stdout, "%04d  %-40s %s\n", m.Version, m.Name, state)
	}
	return 0
}

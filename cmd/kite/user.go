package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/kite-tracker/kite/internal/config"
)

func user(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "kite user: not wired yet")
	return exitFailure
}

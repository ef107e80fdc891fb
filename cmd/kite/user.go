package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/config"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// user handles `kite user create --login L --password-stdin [--admin]`. The
// password comes only from standard input, never from the command line
// (which other users of the machine can read in the process list).
func user(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: kite user create --login L --password-stdin [--admin]")
		return exitUsage
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	login := fs.String("login", "", "login of the new user")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	admin := fs.Bool("admin", false, "make the user an ADMIN (default USER)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if *login == "" || !*fromStdin {
		fmt.Fprintln(stderr, "kite user create: --login and --password-stdin are required")
		return exitUsage
	}
	password, err := readPassword(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "kite user create:", err)
		return exitUsage
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		fmt.Fprintln(stderr, "kite:", err)
		return exitFailure
	}
	defer st.Close()
	if st.Dialect == store.SQLite {
		if _, err := st.MigrateUp(ctx); err != nil {
			fmt.Fprintln(stderr, "kite:", err)
			return exitFailure
		}
	}
	typ := model.UserTypeUser
	if *admin {
		typ = model.UserTypeAdmin
	}
	u, err := auth.New(st, log).CreateUser(ctx, auth.UserRequest{Login: login, Password: &password, Type: &typ})
	if err != nil {
		fmt.Fprintln(stderr, "kite user create:", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "created user %s (id %d, %s)\n", u.Login, u.ID, u.Type)
	return 0
}

// readPassword takes the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", fmt.Errorf("no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty password on standard input")
	}
	return line, nil
}

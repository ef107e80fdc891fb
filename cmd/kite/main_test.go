package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBadConfigExitsTwoNamingTheVariable(t *testing.T) {
	cases := []struct{ env, val string }{
		{"KITE_DATABASE_URL", "mysql://x"},
		{"KITE_REDIS_URL", "memcached://x"},
		{"KITE_TRUSTED_PROXIES", "not-a-cidr"},
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.val)
			var out, errOut bytes.Buffer
			code := run(nil, strings.NewReader(""), &out, &errOut)
			if code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			msg := strings.TrimSpace(errOut.String())
			if !strings.Contains(msg, c.env) || strings.Count(msg, "\n") != 0 {
				t.Fatalf("want one line naming %s, got %q", c.env, msg)
			}
		})
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, nil, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "kite ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("unknown command exit %d, want 2", code)
	}
}

func TestMigrateUpAndStatusOnSQLite(t *testing.T) {
	t.Setenv("KITE_DATABASE_URL", "sqlite:"+t.TempDir()+"/k.db")
	var out, errOut bytes.Buffer
	if code := run([]string{"migrate", "status"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "pending") {
		t.Fatalf("status before: %d %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"migrate", "up"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "applied") {
		t.Fatalf("up: %d %q %q", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"migrate", "status"}, nil, &out, &errOut); code != 0 || strings.Contains(out.String(), "pending") {
		t.Fatalf("status after: %d %q", code, out.String())
	}
	if code := run([]string{"migrate", "sideways"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("bad migrate arg exit %d, want 2", code)
	}
}

func TestUserCreateFromStdin(t *testing.T) {
	t.Setenv("KITE_DATABASE_URL", "sqlite:"+t.TempDir()+"/k.db")
	var out, errOut bytes.Buffer
	code := run([]string{"user", "create", "--login", "alice", "--password-stdin", "--admin"},
		strings.NewReader("correct horse battery staple\n"), &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "created user alice") || !strings.Contains(out.String(), "ADMIN") {
		t.Fatalf("create: %d %q %q", code, out.String(), errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "horse") {
		t.Fatal("password echoed")
	}
	code = run([]string{"user", "create", "--login", "alice", "--password-stdin"},
		strings.NewReader("another long password\n"), &out, &errOut)
	if code == 0 {
		t.Fatal("duplicate login accepted")
	}
	if code := run([]string{"user", "create", "--login", "bob"}, strings.NewReader("x\n"), &out, &errOut); code != 2 {
		t.Fatalf("missing --password-stdin: exit %d, want 2", code)
	}
	if code := run([]string{"user", "create", "--login", "bob", "--password-stdin"}, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Fatalf("empty stdin: exit %d, want 2", code)
	}
}

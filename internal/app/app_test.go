package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/config"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// testConfig points a node at the test services (or embedded ones).
func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DatabaseURL = testenv.DatabaseURL(t)
	cfg.RedisURL = os.Getenv("KITE_TEST_REDIS_URL")
	cfg.RedisPrefix = testenv.Name("kt") + ":"
	cfg.Clicks.SpoolDir = t.TempDir()
	cfg.ShutdownTimeout = 20 * time.Second
	cfg.Admin.APIKey = "test-api-key"
	cfg.PostbackKey = "testpostbackkey"
	cfg.S2S.AllowPrivate = []string{"127.0.0.0/8"}
	cfg.TrustedProxies = []string{"127.0.0.0/8"}
	return cfg
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startNode runs a node on a loopback port and returns its base URL and a
// stop function that waits for a clean exit.
func startNode(t *testing.T, cfg config.Config) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, quietLog(), Options{Migrate: true})
	if err != nil {
		cancel()
		t.Fatalf("start node: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	waitHealthy(t, base)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node stopped with error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("node did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return base, stop
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("node not healthy within 15s")
}

func TestOpsEndpoints(t *testing.T) {
	base, _ := startNode(t, testConfig(t))
	cases := []struct {
		path     string
		want     int
		contains string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, `"sql":"ok"`},
		{"/metrics", 200, "kite_http_requests_total"},
	}
	for _, c := range cases {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || !strings.Contains(string(body), c.contains) {
			t.Errorf("%s: %d %q, want %d containing %q", c.path, resp.StatusCode, body, c.want, c.contains)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id header", c.path)
		}
	}
}

func TestStaleSchemaIsRefusedOnPostgres(t *testing.T) {
	if !testenv.Postgres() {
		t.Skip("the stale-schema check applies to Postgres; SQLite migrates on start")
	}
	cfg := testConfig(t)
	st, err := store.Open(context.Background(), cfg.DatabaseURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Forget the newest migration: the node must refuse to serve.
	st.DB.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`)
	st.Close()
	_, err = New(context.Background(), cfg, quietLog(), Options{})
	if !errors.Is(err, ErrStaleSchema) || !strings.Contains(err.Error(), "kite migrate up") {
		t.Fatalf("err = %v, want ErrStaleSchema naming `kite migrate up`", err)
	}
}

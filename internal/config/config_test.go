package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaultsAreEmbeddedMode(t *testing.T) {
	cfg, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Embedded() || cfg.DatabaseURL != "sqlite:./data/kite.db" || cfg.Listen != ":8080" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	cfg, err := Load(envOf(map[string]string{
		"KITE_LISTEN":                "127.0.0.1:9000",
		"KITE_DATABASE_URL":          "postgres://u@h/db",
		"KITE_REDIS_URL":             "redis://127.0.0.1:6379/0",
		"KITE_ADMIN_API_KEY":         "k1",
		"KITE_S2S_ALLOW_PRIVATE":     "127.0.0.0/8, 10.0.0.0/8",
		"KITE_CLICKS_FLUSH_INTERVAL": "20ms",
		"KITE_CLICKS_WRITER":         "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9000" || cfg.Admin.APIKey != "k1" || cfg.Embedded() ||
		len(cfg.S2S.AllowPrivate) != 2 || cfg.Clicks.FlushInterval != 20*time.Millisecond || cfg.Clicks.Writer {
		t.Fatalf("overrides not applied: %+v", cfg)
	}
}

func TestLoadRejectsBadValuesNamingTheKey(t *testing.T) {
	cases := []struct {
		env     map[string]string
		wantKey string
	}{
		{map[string]string{"KITE_DATABASE_URL": "mysql://x"}, "KITE_DATABASE_URL"},
		{map[string]string{"KITE_REDIS_URL": "http://x"}, "KITE_REDIS_URL"},
		{map[string]string{"KITE_TRUSTED_PROXIES": "10.0.0.0/99"}, "KITE_TRUSTED_PROXIES"},
		{map[string]string{"KITE_S2S_ALLOW_PRIVATE": "nope"}, "KITE_S2S_ALLOW_PRIVATE"},
		{map[string]string{"KITE_CLICKS_DURABILITY": "maybe"}, "KITE_CLICKS_DURABILITY"},
		{map[string]string{"KITE_CLICKS_BATCH_SIZE": "ten"}, "KITE_CLICKS_BATCH_SIZE"},
		{map[string]string{"KITE_S2S_MAX_AGE": "1h"}, "KITE_S2S_MAX_AGE"},
		{map[string]string{"KITE_LOG_LEVEL": "loud"}, "KITE_LOG_LEVEL"},
		{map[string]string{"KITE_CONFIG": "/nonexistent/kite.yaml"}, "KITE_CONFIG"},
	}
	for _, c := range cases {
		_, err := Load(envOf(c.env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != c.wantKey {
			t.Errorf("env %v: err %v, want a config error naming %s", c.env, err, c.wantKey)
			continue
		}
		if strings.Contains(ce.Error(), "\n") {
			t.Errorf("error spans lines: %q", ce.Error())
		}
	}
}

func TestLoadYAMLFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kite.yaml")
	yaml := "listen: \":7000\"\nclicks:\n  batch_size: 42\ns2s:\n  allow_private: [\"127.0.0.0/8\"]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(envOf(map[string]string{"KITE_CONFIG": path, "KITE_LISTEN": ":7001"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != ":7001" || cfg.Clicks.BatchSize != 42 || cfg.S2S.AllowPrivate[0] != "127.0.0.0/8" {
		t.Fatalf("yaml+env: %+v", cfg)
	}
	if err := os.WriteFile(path, []byte("no_such_key: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(envOf(map[string]string{"KITE_CONFIG": path})); err == nil {
		t.Fatal("unknown YAML key accepted")
	}
}

// The example file must document every key (and parse).
func TestExampleFileDocumentsEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../../configs/kite.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, k := range Keys() {
		leaf := k[0][strings.LastIndex(k[0], ".")+1:]
		if !strings.Contains(text, leaf+":") || !strings.Contains(text, k[1]) {
			t.Errorf("configs/kite.example.yaml does not document %s (%s)", k[0], k[1])
		}
	}
	if _, err := Load(envOf(map[string]string{"KITE_CONFIG": "../../configs/kite.example.yaml"})); err != nil {
		t.Fatalf("example file does not load: %v", err)
	}
}

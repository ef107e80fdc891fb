package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/store"
)

// Validate checks every setting and returns the first problem as an *Error.
func (c Config) Validate() error {
	checks := []struct {
		path string
		err  error
	}{
		{"listen", nonEmpty(c.Listen)},
		{"database_url", databaseURL(c.DatabaseURL)},
		{"redis_url", redisURL(c.RedisURL)},
		{"trusted_proxies", cidrs(c.TrustedProxies)},
		{"s2s.allow_private", cidrs(c.S2S.AllowPrivate)},
		{"clicks.attribution_ttl", atLeast(c.Clicks.AttributionTTL, time.Minute)},
		{"clicks.flush_interval", between(c.Clicks.FlushInterval, time.Millisecond, 10*time.Second)},
		{"clicks.batch_size", positive(c.Clicks.BatchSize)},
		{"clicks.durability", oneOf(c.Clicks.Durability, "fast", "strict")},
		{"clicks.writer_batch", positive(c.Clicks.WriterBatch)},
		{"clicks.writer_interval", atLeast(c.Clicks.WriterInterval, time.Millisecond)},
		{"clicks.max_query_bytes", positive(c.Clicks.MaxQueryBytes)},
		{"s2s.connect_timeout", atLeast(c.S2S.ConnectTimeout, 100*time.Millisecond)},
		{"s2s.timeout", atLeast(c.S2S.Timeout, 100*time.Millisecond)},
		{"s2s.per_host", positive(c.S2S.PerHost)},
		{"s2s.workers", positive(c.S2S.Workers)},
		{"s2s.max_age", atLeast(c.S2S.MaxAge, 72*time.Hour)},
		{"snapshot.refresh_interval", atLeast(c.Snapshot.RefreshInterval, time.Second)},
		{"reports.retention_days", notNegative(c.Reports.RetentionDays)},
		{"ui.idle_timeout", atLeast(c.UI.IdleTimeout, time.Minute)},
		{"log.level", oneOf(c.Log.Level, "debug", "info", "warn", "error")},
		{"log.format", oneOf(c.Log.Format, "json", "text")},
		{"shutdown_timeout", atLeast(c.ShutdownTimeout, time.Second)},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return &Error{Key: EnvName(ch.path), Path: ch.path, Problem: ch.err.Error()}
		}
	}
	return nil
}

func nonEmpty(s string) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func databaseURL(s string) error {
	_, dsn, err := store.ParseURL(s)
	if err != nil {
		scheme, _, _ := strings.Cut(s, ":")
		return fmt.Errorf("unsupported scheme %q (want postgres://... or sqlite:PATH)", scheme)
	}
	if dsn == "" {
		return fmt.Errorf("no database given after the scheme")
	}
	return nil
}

func redisURL(s string) error {
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "redis+cluster://") {
		if strings.TrimPrefix(s, "redis+cluster://") == "" {
			return fmt.Errorf("no cluster addresses after redis+cluster://")
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return fmt.Errorf("want redis://host:port[/db], rediss://... or redis+cluster://h1:p,h2:p")
	}
	return nil
}

func cidrs(list []string) error {
	_, err := ParseCIDRs(list)
	return err
}

func atLeast(d, min time.Duration) error {
	if d < min {
		return fmt.Errorf("%s is below the minimum %s", d, min)
	}
	return nil
}

func between(d, min, max time.Duration) error {
	if d < min || d > max {
		return fmt.Errorf("%s is outside %s..%s", d, min, max)
	}
	return nil
}

func positive(n int) error {
	if n <= 0 {
		return fmt.Errorf("must be a positive number, got %d", n)
	}
	return nil
}

func notNegative(n int) error {
	if n < 0 {
		return fmt.Errorf("must not be negative, got %d", n)
	}
	return nil
}

func oneOf(s string, allowed ...string) error {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", s, strings.Join(allowed, ", "))
}

// Package testenv gives each test a fresh database and Redis: a throwaway
// Postgres database when KITE_TEST_DATABASE_URL is set (else a temp SQLite
// file) and a real Redis with a private key prefix when KITE_TEST_REDIS_URL is
// set (else miniredis). KITE_TEST_REQUIRE_SERVICES=1 makes a missing or
// unreachable service a failure instead of a fallback.
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/store"
)

// RequireServices is true when the run must use real Postgres and Redis.
func RequireServices() bool { return os.Getenv("KITE_TEST_REQUIRE_SERVICES") == "1" }

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DatabaseURL returns a fresh, migrated database URL for t and removes the
// database when t ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("KITE_TEST_DATABASE_URL")
	if base == "" {
		if RequireServices() {
			t.Fatal("KITE_TEST_REQUIRE_SERVICES=1 but KITE_TEST_DATABASE_URL is not set")
		}
		return "sqlite:" + filepath.Join(t.TempDir(), "kite.db")
	}
	name := "kite_t_" + randomSuffix()
	tmpl, err := pgTemplate(base)
	if err != nil {
		t.Fatalf("postgres test template: %v", err)
	}
	admin := openOrFail(t, base)
	if err := admin.DB.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + tmpl).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	_ = admin.Close()
	t.Cleanup(func() {
		a, err := store.Open(context.Background(), base, nil)
		if err != nil {
			return
		}
		defer a.Close()
		a.DB.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return withDBName(base, name)
}

// StoreCollated opens a fresh database for t whose default collation is the
// ICU locale given (such as "en-US", which orders "a" before "B" where bytes
// put "B" first), migrated from scratch: a template cannot be copied into
// another collation. Postgres only; it skips t when the server has no ICU.
func StoreCollated(t testing.TB, icuLocale string) *store.Store {
	t.Helper()
	base := os.Getenv("KITE_TEST_DATABASE_URL")
	if !strings.HasPrefix(base, "postgres") {
		t.Skip("a collated database needs Postgres (set KITE_TEST_DATABASE_URL)")
	}
	name := "kite_c_" + randomSuffix()
	admin := openOrFail(t, base)
	err := admin.DB.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' ` +
		`LOCALE_PROVIDER icu ICU_LOCALE '` + strings.ReplaceAll(icuLocale, "'", "") + `'`).Error
	_ = admin.Close()
	if err != nil {
		t.Skipf("this Postgres cannot make an ICU %q database: %v", icuLocale, err)
	}
	t.Cleanup(func() {
		if a, err := store.Open(context.Background(), base, nil); err == nil {
			a.DB.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			_ = a.Close()
		}
	})
	st := openOrFail(t, withDBName(base, name))
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

// Store opens a fresh migrated database for t, closed when t ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st := openOrFail(t, DatabaseURL(t))
	if st.Dialect == store.SQLite {
		if _, err := st.MigrateUp(context.Background()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func openOrFail(t testing.TB, url string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	st, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	return st
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// pgTemplate returns a migrated database that every test database is copied
// from (much faster than migrating each one). Its name carries a hash of the
// migrations, so test processes share it and a schema change makes a new one;
// an advisory lock keeps parallel test processes from building it twice.
func pgTemplate(base string) (string, error) {
	templateOnce.Do(func() {
		all, err := store.Migrations(store.Postgres)
		if err != nil {
			templateErr = err
			return
		}
		h := sha256.New()
		for _, m := range all {
			h.Write([]byte(m.Name))
			h.Write([]byte(m.SQL))
		}
		name := "kite_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
		templateName, templateErr = name, buildTemplate(base, name)
	})
	return templateName, templateErr
}

func buildTemplate(base, name string) error {
	ctx := context.Background()
	admin, err := store.Open(ctx, base, nil)
	if err != nil {
		return err
	}
	defer admin.Close()
	sqlDB, err := admin.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7291002)`); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(7291002)`) //nolint:errcheck
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := name + "_b"
	conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building) //nolint:errcheck
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return err
	}
	st, err := store.Open(ctx, withDBName(base, building), nil)
	if err != nil {
		return err
	}
	_, err = st.MigrateUp(ctx)
	_ = st.Close()
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name)
	return err
}

func withDBName(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

// Redis gives t a Redis with a private key prefix; keys are removed when t ends.
func Redis(t testing.TB) *hot.Redis {
	t.Helper()
	url := os.Getenv("KITE_TEST_REDIS_URL")
	if url == "" && RequireServices() {
		t.Fatal("KITE_TEST_REQUIRE_SERVICES=1 but KITE_TEST_REDIS_URL is not set")
	}
	prefix := "kt" + randomSuffix() + ":"
	r, err := hot.Open(context.Background(), url, prefix, nil)
	if err != nil {
		t.Fatalf("open test redis: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("test redis not reachable: %v", err)
	}
	t.Cleanup(func() {
		if !r.Embedded() {
			cleanPrefix(r)
		}
		_ = r.Close()
	})
	return r
}

func cleanPrefix(r *hot.Redis) {
	ctx := context.Background()
	iter := r.C.Scan(ctx, 0, r.Prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 500 {
			r.C.Del(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		r.C.Del(ctx, keys...)
	}
}

// Postgres tells whether tests run against Postgres.
func Postgres() bool { return strings.HasPrefix(os.Getenv("KITE_TEST_DATABASE_URL"), "postgres") }

// Name returns a unique name with the given prefix, for test objects.
func Name(prefix string) string { return fmt.Sprintf("%s-%s", prefix, randomSuffix()) }

package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kite-tracker/kite/migrations"
)

// Migration is one numbered SQL file of the store's dialect.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// MigrationStatus is a migration and whether it has been applied.
type MigrationStatus struct {
	Migration
	AppliedAt *time.Time
}

// Migrations lists the embedded migrations of the dialect in order.
func Migrations(dialect string) ([]Migration, error) {
	entries, err := fs.ReadDir(migrations.FS, dialect)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrations.FS, dialect+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

func (s *Store) ensureVersionTable(ctx context.Context) error {
	ts := "TIMESTAMPTZ"
	if s.Dialect == SQLite {
		ts = "DATETIME"
	}
	return s.DB.WithContext(ctx).Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` + ts + ` NOT NULL)`).Error
}

// MigrationStatus reports every known migration and when it was applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	if err := s.ensureVersionTable(ctx); err != nil {
		return nil, err
	}
	all, err := Migrations(s.Dialect)
	if err != nil {
		return nil, err
	}
	type row struct {
		Version   int
		AppliedAt time.Time
	}
	var rows []row
	if err := s.DB.WithContext(ctx).Raw(`SELECT version, applied_at FROM schema_migrations`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	applied := map[int]time.Time{}
	for _, r := range rows {
		applied[r.Version] = r.AppliedAt
	}
	out := make([]MigrationStatus, len(all))
	for i, m := range all {
		out[i] = MigrationStatus{Migration: m}
		if at, ok := applied[m.Version]; ok {
			at := at
			out[i].AppliedAt = &at
		}
	}
	return out, nil
}

// Pending lists migrations not applied yet.
func (s *Store) Pending(ctx context.Context) ([]Migration, error) {
	st, err := s.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, m := range st {
		if m.AppliedAt == nil {
			out = append(out, m.Migration)
		}
	}
	return out, nil
}

// MigrateUp applies every pending migration, each in its own transaction, and
// returns how many it applied. On Postgres an advisory lock keeps two nodes
// starting together from migrating at once.
func (s *Store) MigrateUp(ctx context.Context) (int, error) {
	if s.Dialect == Postgres {
		conn, err := s.DB.DB()
		if err != nil {
			return 0, err
		}
		c, err := conn.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		if _, err := c.ExecContext(ctx, `SELECT pg_advisory_lock(7291001)`); err != nil {
			return 0, err
		}
		defer c.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7291001)`) //nolint:errcheck
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		return 0, err
	}
	sqlDB, err := s.DB.DB()
	if err != nil {
		return 0, err
	}
	for i, m := range pending {
		if err := applyOne(ctx, sqlDB, m); err != nil {
			return i, fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return len(pending), nil
}

// applyOne runs one migration file and records it, in one transaction. It
// goes through database/sql because a file holds several statements, which
// gorm's prepared-statement mode cannot send.
func applyOne(ctx context.Context, db *sql.DB, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	q := `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`
	if _, err := tx.ExecContext(ctx, q, m.Version, m.Name, time.Now().UTC()); err != nil {
		return err
	}
	return tx.Commit()
}

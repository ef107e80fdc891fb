// Package store is the only package that talks SQL: it opens the database
// (Postgres in production, SQLite embedded), runs the migrations and holds the
// repositories. Everything above it sees model types and plain methods.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects Kite runs on.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Store wraps the database handle. It is safe for concurrent use.
type Store struct {
	DB      *gorm.DB
	Dialect string
}

// ErrNotFound is returned when a row asked for by id does not exist.
var ErrNotFound = errors.New("not found")

// ParseURL splits a KITE_DATABASE_URL into dialect and driver DSN.
// Accepted: postgres://..., postgresql://..., sqlite:PATH (also sqlite://PATH).
func ParseURL(url string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	case strings.HasPrefix(url, "sqlite://"):
		return SQLite, strings.TrimPrefix(url, "sqlite://"), nil
	case strings.HasPrefix(url, "sqlite:"):
		return SQLite, strings.TrimPrefix(url, "sqlite:"), nil
	}
	return "", "", fmt.Errorf("unsupported database URL scheme (want postgres:// or sqlite:PATH)")
}

// Open connects to the database named by url. It does not migrate.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	dialect, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		SkipDefaultTransaction: true,
		// pgx already caches prepared statements per connection; gorm's own
		// PrepareStmt would add a prepare and a close round trip per statement
		// inside transactions.
		PrepareStmt: false,
		Logger:      logger.Discard,
		NowFunc:     func() time.Time { return time.Now().UTC() },
	}
	var db *gorm.DB
	switch dialect {
	case Postgres:
		db, err = gorm.Open(postgres.Open(dsn), cfg)
	case SQLite:
		db, err = openSQLite(dsn, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == Postgres {
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32) // = open: closing idle ones under load costs a backend start each
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect %s: %w", dialect, err)
	}
	return &Store{DB: db, Dialect: dialect}, nil
}

// openSQLite opens the file with WAL and a busy timeout. One writer
// connection avoids SQLITE_BUSY between our own goroutines.
func openSQLite(path string, cfg *gorm.Config) (*gorm.DB, error) {
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, err
			}
		}
	}
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	db, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(1)
	return db, nil
}

// Ping checks the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// IsPostgres tells hand-written SQL which dialect to speak.
func (s *Store) IsPostgres() bool { return s.Dialect == Postgres }

// ErrNotPgx means the Postgres driver under gorm is not pgx (never the case
// with Open); callers then take their portable path.
var ErrNotPgx = errors.New("postgres connection is not pgx")

// WithPgx runs fn on the pgx connection of a connection borrowed from the
// pool, for hot paths where gorm's statement building and reflective scans
// cost as much as the round trip (click writer, postback fast path).
func (s *Store) WithPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return ErrNotPgx
		}
		return fn(sc.Conn())
	})
}

// Package catalog is Kite's configuration domain: campaigns and their streams,
// offers, landing pages, affiliate networks, traffic sources, groups, the bot
// list and tracker settings. The admin API and the web UI both call it; it
// validates request structs (never raw models), writes each change in one
// transaction and then tells the cluster that configuration changed.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/store"
)

// Notifier announces a configuration change (the lead passes a Redis-backed
// one so every node rebuilds its routing snapshot).
type Notifier interface {
	ConfigChanged(ctx context.Context) error
}

// Catalog is the configuration service. It is safe for concurrent use.
type Catalog struct {
	st     *store.Store
	notify Notifier
	log    *slog.Logger
}

// New returns a Catalog over st; notify may be nil (nothing is announced).
func New(st *store.Store, notify Notifier, log *slog.Logger) *Catalog {
	if log == nil {
		log = slog.Default()
	}
	return &Catalog{st: st, notify: notify, log: log}
}

// Store exposes the underlying store (for packages that build on the catalog).
func (c *Catalog) Store() *store.Store { return c.st }

// db is the context-bound handle for reads outside a transaction.
func (c *Catalog) db(ctx context.Context) *gorm.DB { return c.st.DB.WithContext(ctx) }

// write runs fn in one transaction and announces the change when it commits.
// Everything inside fn must use tx: on SQLite there is a single connection and
// a second handle would wait forever.
func (c *Catalog) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if err := c.db(ctx).Transaction(fn); err != nil {
		return mapDBError(err)
	}
	c.changed(ctx)
	return nil
}

// changed tells the notifier; a failed announcement is logged, not returned,
// because the change itself is committed and snapshots also refresh on a timer.
func (c *Catalog) changed(ctx context.Context) {
	if c.notify == nil {
		return
	}
	if err := c.notify.ConfigChanged(ctx); err != nil {
		c.log.Warn("catalog: config change not announced", "err", err)
	}
}

// mapDBError turns driver errors into the catalog's typed errors.
func mapDBError(err error) error {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve), errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	}
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key value") ||
		strings.Contains(msg, "SQLSTATE 23505") {
		return fmt.Errorf("%w: %s", ErrConflict, "an object with this value already exists")
	}
	return err
}

// first loads one row by id into dst, mapping "no row" to ErrNotFound.
func first(db *gorm.DB, dst any, what string, id int64) error {
	err := db.Where("id = ?", id).Take(dst).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound(what, id)
	}
	return err
}

// exists reports whether table has a row with id.
func exists(db *gorm.DB, table string, id int64) (bool, error) {
	var n int64
	err := db.Table(table).Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

// NotifyFunc adapts a function to Notifier, e.g.
// catalog.NotifyFunc(redis.PublishConfigChanged).
type NotifyFunc func(ctx context.Context) error

// ConfigChanged calls f.
func (f NotifyFunc) ConfigChanged(ctx context.Context) error { return f(ctx) }

package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

// Maintainer keeps the raw clicks table in shape: on Postgres it creates day
// partitions ahead of time and drops those older than the retention; on
// SQLite it deletes old raw clicks in batches. The hourly rollup and the
// conversions are kept whatever the retention, so rollup-served reports
// still cover old days.
type Maintainer struct {
	st            *store.Store
	retentionDays int
	log           *slog.Logger
	now           func() time.Time
	// Every is how often Run repeats its work (default one hour).
	Every time.Duration
	// DaysAhead is how many future days get a partition (default 7).
	DaysAhead int
	// CompactEvery is how often the report cubes' recent delta rows are
	// folded (default one minute); CompactHours is how far back (default 48).
	CompactEvery time.Duration
	CompactHours int
}

// NewMaintainer returns the partition and retention worker; retentionDays 0
// keeps raw clicks forever.
func NewMaintainer(st *store.Store, retentionDays int, log *slog.Logger) *Maintainer {
	if log == nil {
		log = slog.Default()
	}
	return &Maintainer{st: st, retentionDays: retentionDays, log: log, now: time.Now, Every: time.Hour, DaysAhead: 7,
		CompactEvery: time.Minute, CompactHours: 48}
}

// Run maintains at once and then every m.Every (partitions, retention) and
// m.CompactEvery (cube compaction) until ctx ends. A failed pass is logged
// and retried on the next tick.
func (m *Maintainer) Run(ctx context.Context) error {
	t := time.NewTicker(m.Every)
	defer t.Stop()
	ct := time.NewTicker(m.CompactEvery)
	defer ct.Stop()
	m.pass(ctx, m.RunOnce, "clicks maintenance")
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			m.pass(ctx, m.RunOnce, "clicks maintenance")
		case <-ct.C:
			m.pass(ctx, m.compactRecent, "report cube compaction")
		}
	}
}

func (m *Maintainer) pass(ctx context.Context, f func(context.Context) error, what string) {
	if err := f(ctx); err != nil && ctx.Err() == nil {
		m.log.Error(what+" failed", "err", err)
	}
}

func (m *Maintainer) compactRecent(ctx context.Context) error {
	return m.CompactCubes(ctx, m.now().Add(-time.Duration(m.CompactHours)*time.Hour))
}

// RunOnce does one maintenance pass: partitions, retention, compaction.
func (m *Maintainer) RunOnce(ctx context.Context) error {
	today := m.now().UTC().Truncate(24 * time.Hour)
	if err := m.compactRecent(ctx); err != nil {
		return err
	}
	if !m.st.IsPostgres() {
		return m.deleteOld(ctx, "clicks", "rowid", today)
	}
	for d := -1; d <= m.DaysAhead; d++ {
		if err := m.ensurePartition(ctx, today.AddDate(0, 0, d)); err != nil {
			return err
		}
	}
	if err := m.dropOldPartitions(ctx, today); err != nil {
		return err
	}
	return m.deleteOld(ctx, "clicks_default", "ctid", today)
}

// EnsurePartitions creates the day partitions of [from, to] (UTC days) on
// Postgres, for backfills and seeding; a no-op on SQLite.
func (m *Maintainer) EnsurePartitions(ctx context.Context, from, to time.Time) error {
	if !m.st.IsPostgres() {
		return nil
	}
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to); d = d.AddDate(0, 0, 1) {
		if err := m.ensurePartition(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func partitionName(day time.Time) string { return "clicks_p" + day.Format("20060102") }

// ensurePartition creates the partition of one UTC day. Rows of that day
// already in the default partition are moved into it in the same
// transaction (attaching would fail otherwise); the default partition is
// locked meanwhile so no new row of that day lands there.
func (m *Maintainer) ensurePartition(ctx context.Context, day time.Time) error {
	name := partitionName(day)
	var exists bool
	db := m.st.DB.WithContext(ctx)
	if err := db.Raw("/* report.ensurePartition */ SELECT to_regclass(?) IS NOT NULL", name).Row().Scan(&exists); err != nil {
		return fmt.Errorf("check partition %s: %w", name, err)
	}
	if exists {
		return nil
	}
	from, to := day.Format("2006-01-02 15:04:05+00"), day.AddDate(0, 0, 1).Format("2006-01-02 15:04:05+00")
	err := db.Transaction(func(tx *gorm.DB) error {
		// name and bounds are built from a date above, never from input.
		stmts := []string{
			"LOCK TABLE clicks_default IN ACCESS EXCLUSIVE MODE",
			"CREATE TABLE " + name + " (LIKE clicks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
			"INSERT INTO " + name + " SELECT * FROM clicks_default WHERE created_at >= '" + from + "' AND created_at < '" + to + "'",
			"DELETE FROM clicks_default WHERE created_at >= '" + from + "' AND created_at < '" + to + "'",
			"ALTER TABLE clicks ATTACH PARTITION " + name + " FOR VALUES FROM ('" + from + "') TO ('" + to + "')",
		}
		for _, s := range stmts {
			if err := tx.Exec("/* report.ensurePartition */ " + s).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create partition %s: %w", name, err)
	}
	m.log.Info("clicks partition created", "partition", name)
	return nil
}

// dropOldPartitions drops day partitions wholly older than the retention.
func (m *Maintainer) dropOldPartitions(ctx context.Context, today time.Time) error {
	if m.retentionDays <= 0 {
		return nil
	}
	cutoff := today.AddDate(0, 0, -m.retentionDays)
	var names []string
	err := m.st.DB.WithContext(ctx).Raw(`/* report.dropOldPartitions */ SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
		WHERE p.relname = 'clicks' AND c.relkind = 'r' AND c.relname LIKE 'clicks\_p%'`).Scan(&names).Error
	if err != nil {
		return fmt.Errorf("list partitions: %w", err)
	}
	for _, n := range names {
		day, err := time.Parse("20060102", strings.TrimPrefix(n, "clicks_p"))
		if err != nil || day.AddDate(0, 0, 1).After(cutoff) {
			continue
		}
		if err := m.st.DB.WithContext(ctx).Exec("/* report.dropOldPartitions */ DROP TABLE " + n).Error; err != nil {
			return fmt.Errorf("drop partition %s: %w", n, err)
		}
		m.log.Info("clicks partition dropped", "partition", n)
	}
	return nil
}

// deleteOld removes raw clicks older than the retention in small batches,
// so the click writer is never blocked for long.
func (m *Maintainer) deleteOld(ctx context.Context, table, rowID string, today time.Time) error {
	if m.retentionDays <= 0 {
		return nil
	}
	cutoff := today.AddDate(0, 0, -m.retentionDays)
	q := "/* report.deleteOld */ DELETE FROM " + table + " WHERE " + rowID + " IN (SELECT " + rowID + " FROM " +
		table + " WHERE created_at < ? LIMIT 5000)"
	for ctx.Err() == nil {
		res := m.st.DB.WithContext(ctx).Exec(q, cutoff)
		if res.Error != nil {
			return fmt.Errorf("delete old clicks: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
	}
	return ctx.Err()
}

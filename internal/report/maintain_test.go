package report

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

var quiet = slog.New(slog.DiscardHandler)

func countClicks(t *testing.T, m *Maintainer, table string) int64 {
	t.Helper()
	var n int64
	mustDo(t, m.st.DB.Raw("SELECT COUNT(*) FROM "+table).Row().Scan(&n))
	return n
}

func TestMaintainerRetention(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	var batch []model.Click
	for _, age := range []time.Duration{40 * 24 * time.Hour, 20 * 24 * time.Hour, time.Hour, 0} {
		batch = append(batch, model.Click{ID: uuid.Must(uuid.NewV7()).String(), CreatedAt: now.Add(-age), CampaignID: 1})
	}
	mustDo(t, clicks.InsertBatch(ctx, st, batch))
	m := NewMaintainer(st, 30, quiet)
	m.now = func() time.Time { return now }
	if st.IsPostgres() {
		// A pass 40 days ago partitions that day, moving its click out of the default partition.
		past := NewMaintainer(st, 0, quiet)
		past.now = func() time.Time { return now.AddDate(0, 0, -40) }
		mustDo(t, past.RunOnce(ctx))
		if n := countClicks(t, m, partitionName(now.AddDate(0, 0, -40).Truncate(24*time.Hour))); n != 1 {
			t.Fatalf("old partition holds %d clicks, want 1", n)
		}
	}
	mustDo(t, m.RunOnce(ctx))
	mustDo(t, m.RunOnce(ctx)) // a second pass changes nothing
	if n := countClicks(t, m, "clicks"); n != 3 {
		t.Errorf("%d clicks left, want 3 (the 40-day-old one dropped)", n)
	}
	var hourly int64
	mustDo(t, st.DB.Raw("SELECT COALESCE(SUM(clicks), 0) FROM click_stats_hourly").Row().Scan(&hourly))
	if hourly != 4 {
		t.Errorf("rollup holds %d clicks, want all 4 kept", hourly)
	}
	if !st.IsPostgres() {
		return
	}
	today := partitionName(now.Truncate(24 * time.Hour))
	if n := countClicks(t, m, today); n != 2 {
		t.Errorf("today's partition holds %d clicks, want 2 (moved from default)", n)
	}
	if n := countClicks(t, m, "clicks_default"); n != 1 {
		t.Errorf("default partition holds %d clicks, want the 20-day-old one", n)
	}
	var parts int64
	mustDo(t, st.DB.Raw(`SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE c.relkind = 'r' AND c.relname LIKE 'clicks\_p%'`).Row().Scan(&parts))
	if parts != 9 { // yesterday, today and 7 days ahead
		t.Errorf("%d day partitions, want 9", parts)
	}
	// Inserting into a fresh partition still works through the parent.
	mustDo(t, clicks.InsertBatch(ctx, st, []model.Click{{ID: uuid.Must(uuid.NewV7()).String(), CreatedAt: now.Add(24 * time.Hour)}}))
}

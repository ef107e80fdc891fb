package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

// Holder owns the current snapshot. Current is a single atomic load, so the
// click path never waits on a reload.
type Holder struct {
	st    *store.Store
	r     *hot.Redis
	log   *slog.Logger
	every time.Duration
	cur   atomic.Pointer[Snapshot]
	load  func(context.Context) (Data, error) // Load from st; tests replace it

	// Reloads overlap: an admin change reloads at once on its own node
	// while Run reloads for the announcement of an earlier change. Each
	// reload is numbered when it starts, and one that started earlier never
	// replaces the snapshot of one that started later (its reads may
	// predate the latest change).
	started atomic.Int64
	mu      sync.Mutex
	shown   int64 // number of the reload whose snapshot is current, under mu
}

// New makes a holder that starts with an empty snapshot; call Reload (or
// Run) to load the configuration. every is the safety-net reload period
// (30 s when zero).
func New(st *store.Store, r *hot.Redis, log *slog.Logger, every time.Duration) *Holder {
	if every <= 0 {
		every = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	h := &Holder{st: st, r: r, log: log, every: every}
	h.load = func(ctx context.Context) (Data, error) { return Load(ctx, h.st) }
	h.cur.Store(Empty())
	return h
}

// Current returns the snapshot in use; never nil.
func (h *Holder) Current() *Snapshot { return h.cur.Load() }

// Set installs s (tests and tools that build snapshots themselves).
func (h *Holder) Set(s *Snapshot) { h.cur.Store(s) }

// Reload reads the configuration and swaps in a new snapshot, unless a
// reload that started later has already swapped in its own. On error the
// old snapshot stays.
func (h *Holder) Reload(ctx context.Context) error {
	n := h.started.Add(1)
	d, err := h.load(ctx)
	if err != nil {
		return err
	}
	s := Build(d, time.Now().UTC())
	h.mu.Lock()
	defer h.mu.Unlock()
	if n < h.shown {
		return nil // older than what is in use
	}
	for _, w := range s.Warnings {
		h.log.Warn("snapshot: configuration problem", "problem", w)
	}
	h.shown = n
	h.cur.Store(s)
	return nil
}

// Run reloads on every announced configuration change and every period
// until ctx ends. A failed reload is logged and the old snapshot kept.
func (h *Holder) Run(ctx context.Context) error {
	var changed <-chan struct{}
	if h.r != nil {
		changed = h.r.SubscribeConfigChanged(ctx)
	}
	tick := time.NewTicker(h.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := h.Reload(rctx); err != nil && ctx.Err() == nil {
			h.log.Error("snapshot: reload failed, keeping the previous configuration", "err", err)
		}
		cancel()
	}
}

// Load reads everything a snapshot needs. It runs a fixed number of queries
// (one per table) whatever the number of campaigns. On Postgres they run in
// one read-only REPEATABLE READ transaction, so a snapshot never mixes the
// tables as they were before and after a change committed meanwhile (a new
// stream without its offers, say). SQLite has one writer at a time.
func Load(ctx context.Context, st *store.Store) (Data, error) {
	if !st.IsPostgres() {
		return load(st.DB.WithContext(ctx))
	}
	var d Data
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		d, err = load(tx)
		return err
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return d, err
}

// load is Load's queries on db.
func load(db *gorm.DB) (Data, error) {
	var d Data
	active := model.StateActive
	steps := []struct {
		what string
		run  func() error
	}{
		{"campaigns", func() error { return db.Where("state = ?", active).Find(&d.Campaigns).Error }},
		{"streams", func() error {
			return db.Where("state = ? AND campaign_id IN (SELECT id FROM campaigns WHERE state = ?)", active, active).
				Order("campaign_id, position, id").Find(&d.Streams).Error
		}},
		{"offers", func() error { return db.Where("state = ?", active).Find(&d.Offers).Error }},
		{"landings", func() error { return db.Where("state = ?", active).Find(&d.Landings).Error }},
		{"traffic sources", func() error { return db.Where("state <> ?", model.StateDeleted).Find(&d.Sources).Error }},
		{"affiliate networks", func() error { return db.Where("state <> ?", model.StateDeleted).Find(&d.Networks).Error }},
		{"bot list", func() error { return db.Find(&d.BotList).Error }},
		{"settings", func() error { return db.Find(&d.Settings).Error }},
		{"currency rates", func() error { return db.Find(&d.Rates).Error }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return Data{}, fmt.Errorf("snapshot: load %s: %w", s.what, err)
		}
	}
	if err := attachStreamParts(db, d.Streams); err != nil {
		return Data{}, err
	}
	return d, nil
}

// attachStreamParts loads all filters, stream offers and stream landings
// once and hands them to their streams.
func attachStreamParts(db *gorm.DB, streams []model.Stream) error {
	if len(streams) == 0 {
		return nil
	}
	var filters []model.StreamFilter
	var offers []model.StreamOffer
	var landings []model.StreamLanding
	if err := db.Order("stream_id, id").Find(&filters).Error; err != nil {
		return fmt.Errorf("snapshot: load stream filters: %w", err)
	}
	if err := db.Order("stream_id, id").Find(&offers).Error; err != nil {
		return fmt.Errorf("snapshot: load stream offers: %w", err)
	}
	if err := db.Order("stream_id, id").Find(&landings).Error; err != nil {
		return fmt.Errorf("snapshot: load stream landings: %w", err)
	}
	idx := make(map[int64]*model.Stream, len(streams))
	for i := range streams {
		idx[streams[i].ID] = &streams[i]
	}
	for _, f := range filters {
		if s := idx[f.StreamID]; s != nil {
			s.Filters = append(s.Filters, f)
		}
	}
	for _, o := range offers {
		if s := idx[o.StreamID]; s != nil {
			s.Offers = append(s.Offers, o)
		}
	}
	for _, l := range landings {
		if s := idx[l.StreamID]; s != nil {
			s.Landings = append(s.Landings, l)
		}
	}
	return nil
}

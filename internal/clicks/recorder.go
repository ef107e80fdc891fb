package clicks

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// strictWait bounds how long a strict-mode Record waits for its batch before
// writing the click to the spool itself (the batcher may not be running).
const strictWait = 5 * time.Second

// Recorder takes clicks from the tracking link and gets them into Redis
// without ever making the visitor wait for Redis.
type Recorder struct {
	opt       Options
	r         *hot.Redis
	st        *store.Store
	log       *slog.Logger
	streamKey string

	in      chan item
	mu      sync.RWMutex // guards closed against in-flight sends to in
	closed  bool
	pending *pendingIndex
	spool   *spool
	down    atomic.Bool // Redis failed: batches go to the spool until the replayer sees it back
	m       recorderMetrics
	hashes  *hot.HashReader // click hashes for Lookup, concurrent postbacks sharing round trips
}

type item struct {
	c    *model.Click
	done chan struct{} // strict mode: closed once the click is durable
}

// NewRecorder builds a recorder; Run must run for clicks to leave memory.
func NewRecorder(opt Options, r *hot.Redis, st *store.Store, log *slog.Logger) *Recorder {
	opt = opt.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	return &Recorder{
		opt: opt, r: r, st: st, log: log.With("component", "click-recorder"),
		streamKey: r.Key(streamName),
		in:        make(chan item, opt.QueueSize),
		pending:   newPendingIndex(),
		spool:     newSpool(opt.SpoolDir, opt.Durability == DurabilityStrict),
		m:         newRecorderMetrics(),
		hashes:    hot.NewHashReader(r, opt.RedisTimeout),
	}
}

// Record hands the click to the batcher and returns at once (in strict mode,
// once its batch is in Redis or fsynced to the spool). The recorder keeps c:
// the caller must not change it afterwards.
func (rec *Recorder) Record(c *model.Click) {
	normalizeCreatedAt(c)
	rec.pending.put(c)
	rec.m.recorded.Inc()
	var done chan struct{}
	if rec.opt.Durability == DurabilityStrict {
		done = make(chan struct{})
	}
	rec.mu.RLock()
	if rec.closed {
		rec.mu.RUnlock()
		rec.spoolClicks([]*model.Click{c}) // after drain: straight to disk
		return
	}
	select {
	case rec.in <- item{c: c, done: done}:
		rec.mu.RUnlock()
	default:
		rec.mu.RUnlock()
		rec.spoolClicks([]*model.Click{c}) // queue full: never block the visitor
		return
	}
	if done != nil {
		t := time.NewTimer(strictWait)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			rec.spoolClicks([]*model.Click{c}) // duplicates are harmless: the writer is idempotent
		}
	}
}

// Run batches clicks into Redis and replays the spool until ctx ends, then
// drains every queued click (to Redis, or to the spool if Redis is down).
func (rec *Recorder) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); rec.replayLoop(ctx) }()
	defer wg.Wait()

	batch := make([]item, 0, rec.opt.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var tick <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			rec.drain(batch)
			return nil
		case it := <-rec.in:
			batch = append(batch, it)
			if rec.opt.Durability == DurabilityStrict {
				// Group commit: everything queued now shares one flush.
				batch = rec.takeQueued(batch)
			} else if len(batch) < rec.opt.BatchSize {
				if tick == nil {
					timer.Reset(rec.opt.FlushInterval)
					tick = timer.C
				}
				continue
			}
		case <-tick:
		}
		timer.Stop()
		tick = nil
		rec.flush(batch)
		batch = batch[:0]
	}
}

// takeQueued moves queued items into batch without blocking.
func (rec *Recorder) takeQueued(batch []item) []item {
	for len(batch) < rec.opt.BatchSize {
		select {
		case it := <-rec.in:
			batch = append(batch, it)
		default:
			return batch
		}
	}
	return batch
}

// drain closes the recorder to new sends and flushes everything queued.
func (rec *Recorder) drain(batch []item) {
	rec.mu.Lock()
	rec.closed = true
	rec.mu.Unlock()
	for {
		batch = rec.takeQueued(batch)
		if len(batch) == 0 {
			return
		}
		rec.flush(batch)
		batch = batch[:0]
	}
}

// flush sends one batch to Redis, or to the spool when Redis fails or is
// known to be down; strict-mode waiters are released afterwards.
func (rec *Recorder) flush(batch []item) {
	if len(batch) == 0 {
		return
	}
	cs := make([]*model.Click, len(batch))
	for i, it := range batch {
		cs[i] = it.c
	}
	evs := rec.encode(cs)
	if !rec.down.Load() {
		err := rec.push(evs)
		if err == nil {
			rec.pending.remove(cs)
			release(batch)
			return
		}
		rec.log.Warn("redis unavailable, spooling clicks", "clicks", len(evs), "err", err)
		rec.down.Store(true)
	}
	rec.spoolEvents(evs, cs)
	release(batch)
}

func release(batch []item) {
	for _, it := range batch {
		if it.done != nil {
			close(it.done)
		}
	}
}

// encode turns clicks into stream events; a click that cannot be encoded
// (never expected) is logged and dropped rather than blocking the batch.
func (rec *Recorder) encode(cs []*model.Click) []event {
	evs := make([]event, 0, len(cs))
	for _, c := range cs {
		e, err := clickEvent(c)
		if err != nil {
			rec.log.Error("click dropped", "click_id", c.ID, "err", err)
			continue
		}
		evs = append(evs, e)
	}
	return evs
}

func (rec *Recorder) spoolClicks(cs []*model.Click) {
	rec.spoolEvents(rec.encode(cs), cs)
}

// spoolEvents appends to the spool. The clicks stay in the pending index (so
// Lookup finds them) unless it is over its cap; then Lookup scans the spool.
func (rec *Recorder) spoolEvents(evs []event, cs []*model.Click) {
	if err := rec.spool.append(evs); err != nil {
		// Disk and Redis both failing: nothing else can keep the click.
		rec.log.Error("click spool write failed: clicks lost", "clicks", len(evs), "err", err)
		rec.pending.remove(cs)
		return
	}
	rec.m.spooled.Add(float64(len(evs)))
	if rec.pending.overCap() {
		rec.pending.remove(cs)
	}
}

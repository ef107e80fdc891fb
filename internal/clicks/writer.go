package clicks

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/redis/go-redis/v9"
)

const (
	streamName     = "clicks-stream"
	deadStreamName = "clicks-dead" // entries SQL refuses one by one, kept for inspection
	writerGroup    = "sql-writer"
	drainTimeout   = 10 * time.Second
)

// Writer moves click events from the Redis Stream into SQL as one member of
// a consumer group: any number of nodes share the stream, each entry is
// committed by one of them, and inserts are idempotent anyway.
type Writer struct {
	opt       Options
	r         *hot.Redis
	st        *store.Store
	log       *slog.Logger
	stream    string
	dead      string
	lastClaim time.Time
	// ownClean says this consumer holds no pending entry of its own: every
	// batch it read was acknowledged. Only then may a step skip asking for
	// its own pending entries, a Redis round trip per batch.
	ownClean bool
	m        writerMetrics
}

// NewWriter builds a writer; Run does the work.
func NewWriter(opt Options, r *hot.Redis, st *store.Store, log *slog.Logger) *Writer {
	opt = opt.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	return &Writer{opt: opt, r: r, st: st, log: log.With("component", "click-writer", "consumer", opt.Consumer),
		stream: r.Key(streamName), dead: r.Key(deadStreamName), m: newWriterMetrics()}
}

// Run reads the stream into SQL until ctx ends, then drains what is already
// in the stream (bounded by a timeout) and returns. Run the recorder's drain
// first so its last clicks are in the stream.
func (w *Writer) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		err := w.ensureGroup(ctx)
		if err == nil {
			break
		}
		w.log.Warn("cannot create consumer group, retrying", "err", err)
		sleep(ctx, time.Second)
	}
	w.forgetIdleConsumers(ctx)
	for ctx.Err() == nil {
		start := time.Now()
		n, err := w.step(ctx, true)
		switch {
		case err != nil:
			sleep(ctx, 500*time.Millisecond)
		case n > 0 && n < w.opt.WriterBatch:
			// A part batch: let clicks gather before the next one (see WriterLinger).
			sleep(ctx, w.opt.WriterLinger-time.Since(start))
		}
	}
	dctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for dctx.Err() == nil {
		n, err := w.step(dctx, false)
		if err != nil || n == 0 {
			break
		}
	}
	return nil
}

func (w *Writer) ensureGroup(ctx context.Context) error {
	err := w.r.C.XGroupCreateMkStream(ctx, w.stream, writerGroup, "0").Err()
	if err != nil && strings.Contains(err.Error(), "BUSYGROUP") {
		return nil
	}
	return err
}

// forgetIdleConsumers removes group members that hold nothing and have not
// read for a day: every restart joins under a new name (hostname-pid), and
// the group would otherwise list them forever.
func (w *Writer) forgetIdleConsumers(ctx context.Context) {
	consumers, err := w.r.C.XInfoConsumers(ctx, w.stream, writerGroup).Result()
	if err != nil {
		return // best effort
	}
	for _, c := range consumers {
		if c.Name != w.opt.Consumer && c.Pending == 0 && c.Idle > 24*time.Hour {
			w.r.C.XGroupDelConsumer(ctx, w.stream, writerGroup, c.Name)
		}
	}
}

// step commits one batch: this consumer's own pending entries first (a
// failed batch is retried; asked for only after a start or a failure, see
// ownClean), then entries a dead consumer left pending, then new ones. It
// returns how many entries it committed.
func (w *Writer) step(ctx context.Context, block bool) (int, error) {
	msgs, err := w.next(ctx, block)
	if err != nil {
		w.ownClean = false // a read may have failed after Redis handed us entries
		if strings.Contains(err.Error(), "NOGROUP") {
			// Redis lost the stream (restart without persistence, flush): start the group again.
			err = w.ensureGroup(ctx)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("click stream read failed", "err", err)
		}
		return 0, err
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	pause := time.Duration(0)
	if block {
		pause = w.pause(len(msgs))
	}
	if err := w.commit(ctx, msgs, pause); err != nil {
		w.ownClean = false
		if ctx.Err() == nil { // else stopping: the drain stores them
			w.m.errors.Inc()
			w.log.Error("click batch not stored, will retry", "entries", len(msgs), "err", err)
		}
		return 0, err
	}
	return len(msgs), nil
}

func (w *Writer) next(ctx context.Context, block bool) ([]redis.XMessage, error) {
	if !w.ownClean {
		own, err := w.read(ctx, "0", -1)
		if err != nil || len(own) > 0 {
			return own, err
		}
		w.ownClean = true
	}
	if time.Since(w.lastClaim) > w.opt.ClaimIdle/2 {
		w.lastClaim = time.Now()
		claimed, _, err := w.r.C.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: w.stream, Group: writerGroup,
			Consumer: w.opt.Consumer, MinIdle: w.opt.ClaimIdle, Start: "0-0", Count: int64(w.opt.WriterBatch)}).Result()
		if err != nil {
			return nil, err
		}
		if len(claimed) > 0 {
			w.log.Info("claimed click entries of a stalled writer", "entries", len(claimed))
			return claimed, nil
		}
	}
	wait := time.Duration(-1) // no BLOCK argument: return at once
	if block {
		wait = w.opt.WriterInterval
	}
	return w.read(ctx, ">", wait)
}

func (w *Writer) read(ctx context.Context, id string, block time.Duration) ([]redis.XMessage, error) {
	res, err := w.r.C.XReadGroup(ctx, &redis.XReadGroupArgs{Group: writerGroup, Consumer: w.opt.Consumer,
		Streams: []string{w.stream, id}, Count: int64(w.opt.WriterBatch), Block: block}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []redis.XMessage
	for _, s := range res {
		out = append(out, s.Messages...)
	}
	return out, nil
}

// pause is how long the writer rests between the paced pieces of a batch
// of n entries (pgInsertPieces): a part batch leaves the writer time
// before its next read, and half of its linger is spread over the pauses,
// at most maxPiecePause each. A full batch means the writer is behind: no
// pauses then, nor while draining at shutdown.
func (w *Writer) pause(n int) time.Duration {
	pieces := (n + pacedChunk - 1) / pacedChunk
	if n >= w.opt.WriterBatch || w.opt.WriterLinger <= 0 || pieces < 2 {
		return 0
	}
	return min(maxPiecePause, w.opt.WriterLinger/2/time.Duration(pieces-1))
}

// maxPiecePause bounds one pause: the clicks reach SQL a little later,
// never much later.
const maxPiecePause = 20 * time.Millisecond

// commit stores the entries in SQL (one transaction, or paced pieces when
// pause > 0), then acknowledges and deletes them (the stream only holds
// what SQL does not have yet).
func (w *Writer) commit(ctx context.Context, msgs []redis.XMessage, pause time.Duration) error {
	clicks, lps, bad := decodeEntries(msgs)
	for _, id := range bad {
		w.log.Error("undecodable click stream entry dropped", "entry", id)
	}
	n, err := applyBatch(ctx, w.st, clicks, lps, pause)
	if err != nil {
		if perr := w.st.Ping(ctx); perr != nil {
			return err // SQL is down: keep the entries pending and retry
		}
		// SQL answers, so some entry itself is refused (or the batch lost a
		// deadlock): go one by one.
		w.log.Warn("click batch failed, storing its entries one by one", "entries", len(msgs), "err", err)
		n, err = w.commitOneByOne(ctx, msgs)
		if err != nil {
			return err
		}
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	pipe := w.r.C.Pipeline()
	pipe.XAck(ctx, w.stream, writerGroup, ids...)
	pipe.XDel(ctx, w.stream, ids...)
	lag := pipe.XLen(ctx, w.stream)
	if _, err := pipe.Exec(ctx); err != nil {
		// Stored but not acknowledged: the entries come back and insert as no-ops.
		return err
	}
	w.m.written.Add(float64(n))
	w.m.batches.Inc()
	w.m.lag.Set(float64(lag.Val()))
	return nil
}

// commitOneByOne stores entries singly; one SQL refuses is moved to the
// dead-letter stream instead of blocking all clicks behind it.
func (w *Writer) commitOneByOne(ctx context.Context, msgs []redis.XMessage) (int, error) {
	total := 0
	for _, m := range msgs {
		clicks, lps, _ := decodeEntries([]redis.XMessage{m})
		n, err := applyBatch(ctx, w.st, clicks, lps, 0)
		if err != nil {
			if perr := w.st.Ping(ctx); perr != nil {
				return total, err
			}
			w.log.Error("click refused by SQL, moved to dead-letter stream", "entry", m.ID, "err", err)
			if err := w.r.C.XAdd(ctx, &redis.XAddArgs{Stream: w.dead, Values: m.Values}).Err(); err != nil {
				return total, err
			}
		}
		total += n
	}
	return total, nil
}

// decodeEntries splits stream entries into clicks to insert and LP events;
// an LP event's click is inserted too, in case it overtook its click. Each
// click is decoded straight into its place in clicks.
func decodeEntries(msgs []redis.XMessage) (clicks []model.Click, lps []lpEvent, bad []string) {
	clicks = make([]model.Click, len(msgs))
	n := 0
	for _, m := range msgs {
		e, err := eventFromStream(m.Values)
		if err != nil {
			bad = append(bad, m.ID)
			continue
		}
		c := &clicks[n]
		if err := e.decodeInto(c); err != nil {
			*c = model.Click{} // the slot is reused: leave no field behind
			bad = append(bad, m.ID)
			continue
		}
		if e.Kind == kindLP {
			at, err := e.lpTime()
			if err != nil {
				*c = model.Click{}
				bad = append(bad, m.ID)
				continue
			}
			c.LPClickedAt = nil
			lps = append(lps, lpEvent{Click: *c, At: at, OfferID: e.OfferID})
		}
		n++
	}
	return clicks[:n], lps, bad
}

// sleep waits d or until ctx ends; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

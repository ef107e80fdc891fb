package clicks

import (
	"context"
	"os"
	"time"
)

// replayLoop probes Redis while it is down and sends the spool back once it
// answers. It starts with a pass, so a spool left by a crash is replayed at
// start-up.
func (rec *Recorder) replayLoop(ctx context.Context) {
	t := time.NewTicker(rec.opt.ReplayInterval)
	defer t.Stop()
	for {
		rec.replayOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// replayOnce replays every spool file if Redis answers. A file is removed
// only once all of it is in Redis; a failure part-way leaves it for the next
// pass (events sent twice are harmless: the writer is idempotent by click id).
func (rec *Recorder) replayOnce(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	if rec.down.Load() {
		pctx, cancel := context.WithTimeout(ctx, rec.opt.RedisTimeout)
		err := rec.r.C.Ping(pctx).Err()
		cancel()
		if err != nil {
			return
		}
	}
	files, err := rec.spool.rotate()
	if err != nil {
		rec.log.Error("spool rotate failed", "err", err)
		return
	}
	for _, path := range files {
		if ctx.Err() != nil {
			return
		}
		if !rec.replayFile(path) {
			return
		}
	}
	if rec.down.Load() && rec.spool.emptyThen(func() { rec.down.Store(false) }) {
		rec.log.Info("redis is back, spool replayed")
	}
}

// replayFile sends one spool file to Redis and removes it; false when Redis
// failed again.
func (rec *Recorder) replayFile(path string) bool {
	sent := 0
	skipped, err := readSpoolFile(path, rec.opt.BatchSize, func(evs []event) error {
		if err := rec.push(evs); err != nil {
			return err
		}
		sent += len(evs)
		rec.m.replayed.Add(float64(len(evs)))
		rec.pending.removeEvents(evs)
		return nil
	})
	if skipped > 0 {
		rec.log.Warn("spool lines not decodable (torn write?), skipped", "file", path, "lines", skipped)
	}
	if err != nil {
		rec.log.Warn("spool replay interrupted", "file", path, "sent", sent, "err", err)
		rec.down.Store(true)
		return false
	}
	if err := os.Remove(path); err != nil {
		rec.log.Error("remove replayed spool file", "file", path, "err", err)
	}
	rec.log.Info("spool file replayed", "file", path, "events", sent)
	return true
}

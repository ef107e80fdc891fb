package s2s

import (
	"sync/atomic"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// Hand-off of new rows. Claiming a row costs Postgres an UPDATE (the row and
// every index of the outbox written again) and a round trip, and under a
// steady stream of conversions most rows are claimed moments after their
// insert by the node that inserted them. So the conversion path may reserve
// a place here first, insert its rows already leased to this worker
// (next_attempt_at = the lease's end, as a claim would leave them), and
// hand them over after the commit. Nothing changes for safety: a row handed
// over but never sent (the process died) is claimed by any node once the
// lease runs out, exactly like a claimed row whose sender died.

// handoffPerWorker bounds the rows waiting in memory for a send slot, per
// concurrent send; past it the conversion path inserts rows due now, for
// the claim loop (which claims only as many rows as it has free slots). A
// short queue keeps a handed row's wait far inside its lease even when the
// receiver is slow.
const handoffPerWorker = 8

// leaseMargin is the least lease a handed row must have left when its send
// starts: a send takes at most the client's timeout, and the row must be
// recorded before anyone may claim it again. With less, it is not sent
// here; it is claimed once its lease ends.
const leaseMargin = 5 * time.Second

// Reserve books places for n rows and tells the lease they are to be
// inserted with; ok=false: the worker is not running or is behind, so the
// rows go in due now instead. Every reservation ends in Deliver or Release.
func (w *Worker) Reserve(n int) (lease time.Time, ok bool) {
	if n <= 0 || !w.running.Load() {
		return time.Time{}, false
	}
	if w.reserved.Add(int64(n)) > int64(cap(w.handed)) {
		w.reserved.Add(-int64(n))
		return time.Time{}, false
	}
	// Microseconds: the row stores the lease as Postgres does, and the
	// recorder's update matches the row by it.
	return time.Now().UTC().Add(w.lease()).Truncate(time.Microsecond), true
}

// Release gives back places reserved for rows that were not inserted.
func (w *Worker) Release(n int) { w.reserved.Add(-int64(n)) }

// Deliver takes rows inserted (committed) with the lease Reserve gave; their
// ids must be set. It never blocks: the places were reserved.
func (w *Worker) Deliver(lease time.Time, rows []model.S2SOutbox) {
	for _, r := range rows {
		w.handed <- claimed{ID: r.ID, Method: r.Method, URL: r.URL, Body: r.Body, Attempts: r.Attempts,
			CreatedAt: dbTime{r.CreatedAt}, lease: lease}
	}
}

// handoffState is the worker's side of the hand-off.
type handoffState struct {
	running  atomic.Bool  // Run is taking handed rows
	reserved atomic.Int64 // places booked, handed rows not yet sending included
	handed   chan claimed // cap Workers * handoffPerWorker
}

// startHanded starts a handed row's send if its lease leaves time for it.
func (w *Worker) startHanded(r claimed, start func(claimed)) {
	w.reserved.Add(-1)
	if time.Until(r.lease) < w.opt.Timeout+leaseMargin {
		w.log.Warn("s2s hand-off: lease too short to send; the row is claimed when it ends", "outbox_id", r.ID)
		return
	}
	start(r)
}

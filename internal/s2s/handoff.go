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

// handoffCap bounds the rows waiting in memory for a send slot; past it the
// conversion path inserts rows due now, for the claim loop.
const handoffCap = 1024

// Reserve books places for n rows and tells the lease they are to be
// inserted with; ok=false: the worker is not running or is behind, so the
// rows go in due now instead. Every reservation ends in Deliver or Release.
func (w *Worker) Reserve(n int) (lease time.Time, ok bool) {
	if n <= 0 || !w.running.Load() {
		return time.Time{}, false
	}
	if w.reserved.Add(int64(n)) > handoffCap {
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
	handed   chan claimed // cap handoffCap
}

package s2s

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/store"
)

// Catch-up after a receiver outage. Each failed row backs off on its own
// (30 s doubling), so after a 5-minute outage the last postback used to
// arrive minutes after the receiver was back. A 2xx from a host shows it is
// answering again: each one makes CatchUp more of that host's rows waiting on
// backoff due now. Like TCP's slow start, a recovered host's backlog drains
// in a few rounds (1 success pulls 2, their 2 pull 4, ...) at the worker's
// normal pace (Batch, Workers, the client's per-host limit). A host failing
// more than half its requests earns fewer rows than it spends, so the burst
// dies out (half: a steady trickle at most), and nothing is ever pulled
// towards a host without a success.

// A host found with nothing waiting is not looked at again for
// emptyPullQuiet: on a healthy host every batch of successes would
// otherwise cost an UPDATE that finds nothing.
const emptyPullQuiet = time.Second

// hostOf is the lower-cased hostname of a postback URL ("" when unparsable):
// the key rows are pulled forward by.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// catchUp pulls forward rows of the hosts that answered 2xx in a
// just-recorded batch: one UPDATE per host, CatchUp rows per success. A
// failure here only delays the catch-up; the rows keep their own backoff.
func (w *Worker) catchUp(ctx context.Context, batch []outcome) {
	if w.opt.CatchUp < 0 {
		return
	}
	successes := map[string]int{}
	for _, o := range batch {
		if o.res.err == nil {
			if host := hostOf(o.r.URL); host != "" {
				successes[host]++
			}
		}
	}
	pulled := int64(0)
	for host, n := range successes {
		now := time.Now().UTC()
		if at, ok := w.emptyPull[host]; ok && now.Sub(at) < emptyPullQuiet {
			continue
		}
		got, err := pullForward(ctx, w.st, host, now, n*w.opt.CatchUp)
		if err != nil {
			w.log.Error("s2s catch-up", "host", host, "err", err)
			continue
		}
		if got == 0 {
			if len(w.emptyPull) > 1000 { // many hosts: forget, at worst one more UPDATE each
				clear(w.emptyPull)
			}
			w.emptyPull[host] = now
		} else {
			delete(w.emptyPull, host)
		}
		if got > 0 {
			w.log.Debug("s2s host answers again: waiting postbacks due now", "host", host, "rows", got)
		}
		pulled += got
	}
	if pulled > 0 {
		w.Notify()
	}
}

// pullForward makes up to limit of host's rows waiting on backoff due at now
// and returns how many. Leased rows (being sent, retry_wait = 0) are never
// touched: re-claiming them would send twice. On Postgres the rows are picked
// once in a materialized CTE (a LIMIT ... FOR UPDATE subquery under IN may be
// rescanned by a nested loop and then take more than limit rows); SKIP
// LOCKED leaves rows another node is claiming or recording to that node, and
// the outer conditions are re-checked on the row's latest version.
func pullForward(ctx context.Context, st *store.Store, host string, now time.Time, limit int) (int64, error) {
	pick := `SELECT id FROM s2s_outbox WHERE status = 'pending' AND host = ? AND retry_wait = 1
		AND next_attempt_at > ? ORDER BY next_attempt_at LIMIT ?`
	set := `UPDATE s2s_outbox SET next_attempt_at = ?, retry_wait = 0`
	var q string
	var args []any
	if st.IsPostgres() {
		q = `/* s2s.pullForward */ WITH due AS MATERIALIZED (` + pick + ` FOR UPDATE SKIP LOCKED) ` + set +
			` WHERE id IN (SELECT id FROM due) AND status = 'pending' AND retry_wait = 1`
		args = []any{host, now, limit, now}
	} else {
		q = `/* s2s.pullForward */ ` + set + ` WHERE id IN (` + pick + `) AND status = 'pending' AND retry_wait = 1`
		args = []any{now, host, now, limit}
	}
	res := st.DB.WithContext(ctx).Exec(q, args...)
	return res.RowsAffected, res.Error
}

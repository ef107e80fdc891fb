package s2s

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kite-tracker/kite/internal/model"
)

// On Postgres a batch of outcomes is recorded by one autocommit statement
// (attempts, delivered rows, failed rows, as arrays) instead of a
// transaction of one statement per lease and per failed row: the recorder
// runs after every few sends, and BEGIN, each statement and COMMIT were a
// round trip and an executor start each. The conditions are those of
// recordBatch: a row changes only while the lease it was sent under holds.
const recordSQL = `/* s2s.recordBatch */ WITH a AS (
	INSERT INTO s2s_attempts (outbox_id, attempted_at, status_code, latency_ms, error, response_excerpt)
	SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::int[], $4::bigint[], $5::text[], $6::text[])),
d AS (UPDATE s2s_outbox o SET status = 'delivered', attempts = o.attempts + 1, delivered_at = $7, last_error = ''
	FROM unnest($8::bigint[], $9::timestamptz[]) AS d(id, lease)
	WHERE o.id = d.id AND o.status = 'pending' AND o.next_attempt_at = d.lease)
UPDATE s2s_outbox o SET status = f.status, attempts = o.attempts + 1, next_attempt_at = f.next,
	last_error = f.err, host = f.host, retry_wait = f.wait
FROM unnest($10::bigint[], $11::text[], $12::timestamptz[], $13::text[], $14::text[], $15::int[], $16::timestamptz[])
	AS f(id, status, next, err, host, wait, lease)
WHERE o.id = f.id AND o.status = 'pending' AND o.next_attempt_at = f.lease`

// recordArgs are recordSQL's arrays.
type recordArgs struct {
	aID            []int64
	aAt            []time.Time
	aCode          []int32
	aLatency       []int64
	aErr, aExcerpt []string
	dID            []int64
	dLease         []time.Time
	fID            []int64
	fStatus        []string
	fNext          []time.Time
	fErr, fHost    []string
	fWait          []int32
	fLease         []time.Time
}

func (w *Worker) recordBatchPg(ctx context.Context, now time.Time, batch []outcome, attempts []model.S2SAttempt) error {
	var r recordArgs
	for i, o := range batch {
		a := attempts[i]
		r.aID, r.aAt, r.aCode = append(r.aID, a.OutboxID), append(r.aAt, a.AttemptedAt), append(r.aCode, int32(a.StatusCode))
		r.aLatency, r.aErr, r.aExcerpt = append(r.aLatency, a.LatencyMS), append(r.aErr, a.Error), append(r.aExcerpt, a.ResponseExcerpt)
		if o.res.err == nil {
			r.dID, r.dLease = append(r.dID, o.r.ID), append(r.dLease, o.r.lease)
			continue
		}
		status, next, wait := w.failedState(o, now, a.Error)
		r.fID, r.fStatus, r.fNext = append(r.fID, o.r.ID), append(r.fStatus, status), append(r.fNext, next)
		r.fErr, r.fHost, r.fWait = append(r.fErr, a.Error), append(r.fHost, hostOf(o.r.URL)), append(r.fWait, wait)
		r.fLease = append(r.fLease, o.r.lease)
	}
	return w.st.WithPgx(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, recordSQL, r.aID, r.aAt, r.aCode, r.aLatency, r.aErr, r.aExcerpt, now,
			r.dID, r.dLease, r.fID, r.fStatus, r.fNext, r.fErr, r.fHost, r.fWait, r.fLease)
		return err
	})
}

package s2s

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

const (
	statusPending   = model.OutboxPending
	statusDelivered = model.OutboxDelivered
	statusDead      = model.OutboxDead
)

// claimed is an outbox row this worker holds a lease on.
type claimed struct {
	ID         int64
	Method     string
	URL        string
	Body       string
	Attempts   int
	CreatedAt  dbTime
	RetrySince dbTime
	lease      time.Time
}

// since is the start of the row's retry window.
func (c claimed) since() time.Time {
	if !c.RetrySince.T.IsZero() {
		return c.RetrySince.T
	}
	return c.CreatedAt.T
}

// claim leases up to n due rows. On Postgres, FOR UPDATE SKIP LOCKED lets
// nodes claim side by side without waiting on or double-taking each other's
// rows, and a materialized CTE picks them once (a LIMIT ... FOR UPDATE
// subquery under IN may be rescanned by a nested loop and lease more than n);
// SQLite has one writer, so the single UPDATE is already exclusive.
// retry_wait = 0: the row now holds a lease, which catch-up must not pull forward.
func claim(ctx context.Context, st *store.Store, n int, now time.Time, lease time.Duration) ([]claimed, error) {
	until := now.Add(lease).Truncate(time.Microsecond)
	pick := `SELECT id FROM s2s_outbox WHERE status = 'pending' AND next_attempt_at <= ?
		ORDER BY next_attempt_at LIMIT ?`
	set := `UPDATE s2s_outbox SET next_attempt_at = ?, retry_wait = 0`
	ret := ` RETURNING id, method, url, body, attempts, created_at, retry_since`
	var q string
	var args []any
	if st.IsPostgres() {
		q = `/* s2s.claim */ WITH due AS MATERIALIZED (` + pick + ` FOR UPDATE SKIP LOCKED) ` + set +
			` WHERE id IN (SELECT id FROM due)` + ret
		args = []any{now, n, until}
	} else {
		q = `/* s2s.claim */ ` + set + ` WHERE id IN (` + pick + `)` + ret
		args = []any{until, now, n}
	}
	var rows []claimed
	if err := st.DB.WithContext(ctx).Raw(q, args...).Find(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].lease = until
	}
	return rows, nil
}

// outcome is one finished send waiting to be recorded.
type outcome struct {
	r   claimed
	at  time.Time
	res result
}

// recordBatch stores a batch of attempts and the rows' new states in one
// transaction: one multi-row insert for the attempts and one update per
// claim lease for the delivered rows (the common case), one per failed row.
// Updates only apply while our lease holds, so a row re-claimed after its
// lease ran out is not overwritten by a late finisher.
func (w *Worker) recordBatch(ctx context.Context, batch []outcome) error {
	now := time.Now().UTC()
	attempts := make([]model.S2SAttempt, len(batch))
	delivered := map[time.Time][]int64{}
	for i, o := range batch {
		attempts[i] = model.S2SAttempt{OutboxID: o.r.ID, AttemptedAt: o.at, StatusCode: o.res.code,
			LatencyMS: o.res.latency.Milliseconds(), ResponseExcerpt: o.res.excerpt}
		if o.res.err != nil {
			attempts[i].Error = cleanText(o.res.err.Error(), 512)
		} else {
			delivered[o.r.lease] = append(delivered[o.r.lease], o.r.ID)
		}
	}
	if w.st.IsPostgres() {
		return w.recordBatchPg(ctx, now, batch, attempts)
	}
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&attempts).Error; err != nil {
			return err
		}
		for lease, ids := range delivered {
			err := tx.Exec(`/* s2s.recordBatch */ UPDATE s2s_outbox SET status = 'delivered', attempts = attempts + 1,
				delivered_at = ?, last_error = '' WHERE id IN ? AND status = 'pending' AND next_attempt_at = ?`,
				now, ids, lease).Error
			if err != nil {
				return err
			}
		}
		for i, o := range batch {
			if o.res.err == nil {
				continue
			}
			status, next, wait := w.failedState(o, now, attempts[i].Error)
			err := tx.Exec(`/* s2s.recordBatch */ UPDATE s2s_outbox SET status = ?, attempts = attempts + 1,
				next_attempt_at = ?, last_error = ?, host = ?, retry_wait = ?
				WHERE id = ? AND status = 'pending' AND next_attempt_at = ?`,
				status, next, attempts[i].Error, hostOf(o.r.URL), wait, o.r.ID, o.r.lease).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// failedState is what a failed attempt leaves of its row (nextState), and
// retry_wait: 1 while it waits on a backoff, which a later success to its
// host may pull forward (catchup.go); a dead row has nothing to wait for.
func (w *Worker) failedState(o outcome, now time.Time, errText string) (status string, next time.Time, wait int32) {
	status, next = w.nextState(o.r, now, o.res)
	if status == statusDead {
		w.log.Warn("s2s postback dead", "outbox_id", o.r.ID, "attempts", o.r.Attempts+1, "err", errText)
		return status, next, 0
	}
	return status, next, 1
}

// dbTime scans a timestamp from either driver: Postgres gives time.Time, the
// SQLite driver may give text for expressions (RETURNING) it cannot type.
type dbTime struct{ T time.Time }

var sqliteLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
}

// Value implements driver.Valuer (gorm wants both halves on a field type).
func (d dbTime) Value() (driver.Value, error) {
	if d.T.IsZero() {
		return nil, nil
	}
	return d.T, nil
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		d.T = time.Time{}
	case time.Time:
		d.T = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("s2s: cannot scan %T as time", src)
	}
	return nil
}

func (d *dbTime) parse(s string) error {
	for _, l := range sqliteLayouts {
		if t, err := time.Parse(l, s); err == nil {
			d.T = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("s2s: bad time %q", s)
}

package conversion

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/kite-tracker/kite/internal/model"
)

// Postgres fast path of a change to an existing conversion (a lead becoming
// a sale, a rejection, a "update" repeat). The rules' transaction takes six
// round trips (BEGIN, SELECT FOR UPDATE, UPDATE, S2S rows and log line,
// COMMIT, after insertFirst found the conversion). insertFirst's statement
// already read the conversion and its row version (xmin, which every UPDATE
// of the row changes), so the change is decided in Go from that row and
// written by one autocommit statement that updates the row only if its
// version is still the one read: compare-and-set instead of a lock. The S2S
// rows and the log line ride in the same statement, written only when the
// update was. A row changed in between (another postback, the joiner) makes
// the statement write nothing, and the rules' transaction decides again.
// The S2S rows of a change are handed to this node's sender as a first
// postback's are (handoff.go): no claim statement for them.

const changeSQL = `/* conversion.changeExisting */ WITH u AS (
	UPDATE conversions SET %set FROM jsonb_populate_record(NULL::conversions, $1::jsonb) AS r
	WHERE conversions.id = $2 AND conversions.xmin::text = $3 RETURNING conversions.id),
q AS (INSERT INTO s2s_outbox (%o) SELECT %o FROM jsonb_populate_recordset(NULL::s2s_outbox, $4::jsonb)
	WHERE EXISTS (SELECT 1 FROM u) RETURNING id),
l AS (INSERT INTO received_postbacks (%r) SELECT %r FROM jsonb_populate_record(NULL::received_postbacks, $5::jsonb)
	WHERE EXISTS (SELECT 1 FROM u) RETURNING id)
SELECT id, (SELECT array_agg(q.id ORDER BY q.id) FROM q) FROM l`

// changeStatement is changeSQL with its column lists, built once.
var changeStatement = sync.OnceValues(func() (string, error) {
	conv, err1 := columnsOf[model.Conversion](false)
	out, err2 := columnsOf[model.S2SOutbox](false)
	logc, err3 := columnsOf[model.ReceivedPostback](false)
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", err
	}
	set := make([]string, len(conv))
	for i, c := range conv {
		set[i] = c + " = r." + c
	}
	r := strings.NewReplacer("%set", strings.Join(set, ", "), "%o", strings.Join(out, ", "), "%r", strings.Join(logc, ", "))
	return r.Replace(changeSQL), nil
})

// changeExisting applies the rules to existing, read at row version
// version, in one statement. ok=false: the rules' transaction must decide
// (the row changed since, or a decision this path does not write); nothing
// was written then.
func (s *Service) changeExisting(ctx context.Context, j *job, existing *model.Conversion, version string) (applied, bool, error) {
	d := decide(existing, j.in.status, j.policy(), j.upsell())
	if d.act != actTransit && d.act != actUpdate {
		return applied{}, false, nil // a repeat taking a fresh tid ("accept"): the transaction's insert loop
	}
	stmt, err := changeStatement()
	if err != nil {
		return applied{}, false, err
	}
	conv := *existing
	s.updateConversion(j, &conv, d.act == actTransit)
	a := applied{conv: &conv, d: d}
	var rows []model.S2SOutbox
	if d.act == actTransit && j.click != nil {
		rows = s2sRows(j.snap, j.click, &conv, j.now)
	}
	h := s.reserveHandoff(rows)
	defer h.release()
	a.queued = len(rows)
	rp := *j.rp
	rp.Outcome, rp.Reason, rp.HTTPStatus, rp.ConversionID = outcomeOf(d, j.click != nil), d.reason, http.StatusOK, &conv.ID
	convDoc, out, logRow, err := recordsJSON(&conv, rows, &rp)
	if err != nil {
		return applied{}, false, err
	}
	type written struct {
		LogID     int64
		OutboxIDs []int64
	}
	var got []written
	err = s.st.WithPgx(ctx, func(c *pgx.Conn) error {
		rows, _ := c.Query(ctx, stmt, convDoc, conv.ID, version, out, logRow)
		got, err = pgx.CollectRows(rows, pgx.RowToStructByPos[written])
		return err
	})
	if err != nil || len(got) != 1 {
		return applied{}, false, err // changed meanwhile: the rules' transaction
	}
	rp.ID = got[0].LogID
	*j.rp = rp
	if s.handOver(h, rows, got[0].OutboxIDs) {
		a.queued = 0 // on their way: no claim needed
	}
	return a, true, nil
}

package conversion

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Postgres fast path. Every statement is a network round trip, and the
// first postback of a click+tid (most of them) needs no decision but "insert":
// it is written by one autocommit statement (conversion, S2S rows and log
// line; no BEGIN, no COMMIT round trip), shared with the other postbacks
// arriving meanwhile (groupwrite.go, pgbatch.go). The same statement writes the log
// line of a repeat (30% of a network's postbacks) when the rules leave the
// conversion as it is (logOnlyOutcomes says which existing statuses do), and
// else answers the existing row for changeExisting. Rows go in as JSON documents read
// by jsonb_populate_record(set), so Postgres types every column from the
// table itself and one prepared statement serves any number of S2S rows.
// SQLite keeps the plain gorm calls: it has no round trips to save.
// The statement runs on pgx directly (pgconn.go).

// firstRow is what the insert-first statement (pgbatch.go) answers for a
// postback: the log line's id when it wrote one (inserted, or the existing
// conversion stays as it is), and the existing conversion (seen at the
// statement's start) with its row version, from which a change is computed.
type firstRow struct {
	LogID      *int64
	Inserted   bool
	RowVersion *string // nil: no existing conversion
	Existing   model.Conversion
	OutboxIDs  []int64 // of the S2S rows inserted, in their order
}

const outboxAndLogSQL = `/* conversion.insertOutboxAndLog */ WITH q AS (
	INSERT INTO s2s_outbox (%o) SELECT %o FROM jsonb_populate_recordset(NULL::s2s_outbox, ?::jsonb))
INSERT INTO received_postbacks (%r) SELECT %r FROM jsonb_populate_record(NULL::received_postbacks, ?::jsonb)
RETURNING id`

// outboxAndLogStatement is the statement above with its column lists,
// built once from the models.
var outboxAndLogStatement = sync.OnceValues(func() (string, error) {
	out, err1 := columnsOf[model.S2SOutbox](false)
	logc, err2 := columnsOf[model.ReceivedPostback](false)
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	r := strings.NewReplacer("%o", strings.Join(out, ", "), "%r", strings.Join(logc, ", "))
	return r.Replace(outboxAndLogSQL), nil
})

// insertFirst writes a postback in one statement when it finds no
// conversion of its click+tid (insert) or one the rules leave as it is (a
// repeat, a status going back: only the log line). A change of the existing
// conversion takes one more statement (changeExisting). ok=false: not
// applicable, or raced (the caller then runs the rules in a transaction;
// nothing was written).
func (s *Service) insertFirst(ctx context.Context, j *job) (a applied, ok bool, err error) {
	if s.rulesOnly || !s.st.IsPostgres() || decide(nil, j.in.status, j.policy(), j.upsell()).act != actInsert {
		return a, false, nil
	}
	a.conv = s.newConversion(j)
	if a.conv.ID, err = s.ids.next(ctx, s.db); err != nil {
		return a, false, err
	}
	var rows []model.S2SOutbox
	if j.click != nil {
		rows = s2sRows(j.snap, j.click, a.conv, j.now)
	}
	h := s.reserveHandoff(rows)
	defer h.release()
	a.d, a.inserted, a.queued = decision{act: actInsert}, true, len(rows)
	rp := *j.rp
	rp.Outcome, rp.HTTPStatus, rp.ConversionID = outcomeOf(a.d, j.click != nil), http.StatusOK, &a.conv.ID
	conv, out, logRow, err := recordsJSON(a.conv, rows, &rp)
	if err != nil {
		return a, false, err
	}
	g, err := s.group.write(ctx, &firstItem{clickID: j.in.clickID, tid: j.in.tid, convID: a.conv.ID,
		conv: conv, out: out, log: logRow, logOnly: logOnlyOutcomes(j)})
	if err != nil {
		return applied{}, false, err
	}
	switch {
	case g.Inserted && g.LogID != nil:
		rp.ID = *g.LogID
		*j.rp = rp
		if s.handOver(h, rows, g.OutboxIDs) {
			a.queued = 0 // on their way: no claim needed
		}
		return a, true, nil
	case g.RowVersion == nil:
		return applied{}, false, nil // inserted concurrently, not yet visible: run the rules
	case g.LogID != nil:
		return s.loggedUnchanged(j, &g.Existing, *g.LogID), true, nil
	default:
		return s.changeExisting(ctx, j, &g.Existing, *g.RowVersion)
	}
}

// logOnlyStatuses are the statuses an existing conversion can have.
var logOnlyStatuses = [...]string{model.StatusLead, model.StatusSale, model.StatusRejected, model.StatusRebill}

// logOnlyOutcomes tells insertFirst's statement, by the existing
// conversion's status, when the postback changes nothing: {"sale":
// {"outcome": "duplicate", "reason": "..."}, ...}, what decide says, so that
// a repeat costs no second round trip.
func logOnlyOutcomes(j *job) string {
	key := logOnlyKey{status: j.in.status, policy: j.policy(), upsell: j.upsell(), attributed: j.click != nil}
	if v, ok := logOnlyCache.Load(key); ok {
		return v.(string)
	}
	v := renderLogOnly(key)
	logOnlyCache.Store(key, v)
	return v
}

// logOnlyKey is everything logOnlyOutcomes depends on; the statuses are the
// mapped ones (a few words), so the cache stays small.
type logOnlyKey struct {
	status, policy     string
	upsell, attributed bool
}

var logOnlyCache sync.Map // logOnlyKey -> string

func renderLogOnly(k logOnlyKey) string {
	b := make([]byte, 0, 256)
	b = append(b, '{')
	for _, st := range logOnlyStatuses {
		d := decide(&model.Conversion{Status: st}, k.status, k.policy, k.upsell)
		if d.act != actDuplicate && d.act != actIgnore {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, st)
		b = append(b, `:{"outcome":`...)
		b = appendJSONString(b, outcomeOf(d, k.attributed))
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, d.reason)
		b = append(b, '}')
	}
	return string(append(b, '}'))
}

// loggedUnchanged finishes a postback whose log line insertFirst wrote for
// an existing conversion the rules leave as it is. Not locking is safe as
// nothing else is written: the postback takes its place before any change
// committed meanwhile.
func (s *Service) loggedUnchanged(j *job, existing *model.Conversion, logID int64) applied {
	d := decide(existing, j.in.status, j.policy(), j.upsell())
	j.rp.ID, j.rp.ConversionID = logID, &existing.ID
	j.rp.Outcome, j.rp.Reason, j.rp.HTTPStatus = outcomeOf(d, j.click != nil), d.reason, http.StatusOK
	return applied{conv: existing, d: d}
}

// insertOutboxAndLog writes the S2S rows and the log line in one statement
// (inside the rules' transaction) and sets rp.ID.
func insertOutboxAndLog(tx *gorm.DB, rows []model.S2SOutbox, rp *model.ReceivedPostback) error {
	stmt, err := outboxAndLogStatement()
	if err != nil {
		return err
	}
	_, out, logRow, err := recordsJSON(nil, rows, rp)
	if err != nil {
		return err
	}
	return tx.Raw(stmt, out, logRow).Find(&rp.ID).Error
}

// pgTime writes t as pgx would: UTC, cut (not rounded) to microseconds.
func pgTime(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) }

// fieldCache keeps the column fields of each model type.
var fieldCache sync.Map // reflect.Type -> []*schema.Field

func fieldsOf[T any]() ([]*schema.Field, error) {
	typ := reflect.TypeFor[T]()
	if f, ok := fieldCache.Load(typ); ok {
		return f.([]*schema.Field), nil
	}
	s, err := schema.Parse(new(T), &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		return nil, err
	}
	var fields []*schema.Field
	for _, f := range s.Fields {
		if f.DBName != "" {
			fields = append(fields, f)
		}
	}
	fieldCache.Store(typ, fields)
	return fields, nil
}

// columnsOf lists a model's columns; withID keeps the primary key id
// (written explicitly for conversions, generated for the others).
func columnsOf[T any](withID bool) ([]string, error) {
	fields, err := fieldsOf[T]()
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, f := range fields {
		if f.DBName != "id" || withID {
			cols = append(cols, f.DBName)
		}
	}
	if len(cols) == 0 {
		return nil, errors.New("no columns in " + reflect.TypeFor[T]().String())
	}
	return cols, nil
}

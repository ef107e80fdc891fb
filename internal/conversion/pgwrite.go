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
// line; no BEGIN, no COMMIT round trip). Rows go in as JSON documents read
// by jsonb_populate_record(set), so Postgres types every column from the
// table itself and one prepared statement serves any number of S2S rows.
// SQLite keeps the plain gorm calls: it has no round trips to save.
// Raw SQL is read with Find, not Scan: gorm's Scan renders the statement
// with its values as text for a logger on every call, even a discarding one.

const insertFirstSQL = `/* conversion.insertFirst */ WITH c AS (
	INSERT INTO conversions (%c) SELECT %c FROM jsonb_populate_record(NULL::conversions, ?::jsonb)
	ON CONFLICT (click_id, tid) DO NOTHING RETURNING id),
q AS (INSERT INTO s2s_outbox (%o) SELECT %o FROM jsonb_populate_recordset(NULL::s2s_outbox, ?::jsonb)
	WHERE EXISTS (SELECT 1 FROM c)),
l AS (INSERT INTO received_postbacks (%r) SELECT %r FROM jsonb_populate_record(NULL::received_postbacks, ?::jsonb)
	WHERE EXISTS (SELECT 1 FROM c) RETURNING id)
SELECT id AS log_id, 0 AS existing_id, '' AS existing_status FROM l
UNION ALL
SELECT 0, id, status FROM conversions WHERE click_id = ? AND tid = ? AND NOT EXISTS (SELECT 1 FROM c)`

// firstRow is what insertFirst's statement answers: the log line's id when
// it inserted, else the existing conversion (seen at the statement's start).
type firstRow struct {
	LogID          int64  `gorm:"column:log_id"`
	ExistingID     int64  `gorm:"column:existing_id"`
	ExistingStatus string `gorm:"column:existing_status"`
}

const outboxAndLogSQL = `/* conversion.insertOutboxAndLog */ WITH q AS (
	INSERT INTO s2s_outbox (%o) SELECT %o FROM jsonb_populate_recordset(NULL::s2s_outbox, ?::jsonb))
INSERT INTO received_postbacks (%r) SELECT %r FROM jsonb_populate_record(NULL::received_postbacks, ?::jsonb)
RETURNING id`

// pgStatements are the two statements above with their column lists, built
// once from the models.
var pgStatements = sync.OnceValues(func() ([2]string, error) {
	conv, err1 := columnsOf[model.Conversion](true)
	out, err2 := columnsOf[model.S2SOutbox](false)
	logc, err3 := columnsOf[model.ReceivedPostback](false)
	if err := errors.Join(err1, err2, err3); err != nil {
		return [2]string{}, err
	}
	r := strings.NewReplacer("%c", strings.Join(conv, ", "), "%o", strings.Join(out, ", "), "%r", strings.Join(logc, ", "))
	return [2]string{r.Replace(insertFirstSQL), r.Replace(outboxAndLogSQL)}, nil
})

// insertFirst writes a postback that finds no conversion of its click+tid
// in one statement, and a repeat with one more. ok=false: not applicable, or
// the conversion exists and changes (the caller then runs the rules in a
// transaction; nothing was written).
func (s *Service) insertFirst(ctx context.Context, j *job) (a applied, ok bool, err error) {
	if s.rulesOnly || !s.st.IsPostgres() || decide(nil, j.in.status, j.policy(), j.upsell()).act != actInsert {
		return a, false, nil
	}
	stmts, err := pgStatements()
	if err != nil {
		return a, false, err
	}
	a.conv = s.newConversion(j)
	if a.conv.ID, err = s.ids.next(ctx, s.db); err != nil {
		return a, false, err
	}
	var rows []model.S2SOutbox
	if j.click != nil {
		rows = s2sRows(j.snap, j.click, a.conv, j.now)
	}
	a.d, a.inserted, a.queued = decision{act: actInsert}, true, len(rows)
	rp := *j.rp
	rp.Outcome, rp.HTTPStatus, rp.ConversionID = outcomeOf(a.d, j.click != nil), http.StatusOK, &a.conv.ID
	conv, out, logRow, err := recordsJSON(a.conv, rows, &rp)
	if err != nil {
		return a, false, err
	}
	var got []firstRow
	err = s.db.WithContext(ctx).Raw(stmts[0], conv, out, logRow, j.in.clickID, j.in.tid).Find(&got).Error
	if err != nil {
		return a, false, err
	}
	switch {
	case len(got) == 1 && got[0].LogID != 0:
		rp.ID = got[0].LogID
		*j.rp = rp
		return a, true, nil
	case len(got) == 1 && got[0].ExistingID != 0:
		return s.unchanged(ctx, j, got[0])
	}
	return applied{}, false, nil // inserted concurrently, not yet visible: run the rules
}

// unchanged finishes a postback whose conversion exists when the rules
// leave it as it is (a repeat, a status going back): only the log line is
// written, with no lock. Not locking is safe as nothing else is written: the
// postback takes its place before any change committed meanwhile. Anything
// else (ok=false) goes to the rules' transaction.
func (s *Service) unchanged(ctx context.Context, j *job, ex firstRow) (applied, bool, error) {
	existing := &model.Conversion{ID: ex.ExistingID, Status: ex.ExistingStatus}
	d := decide(existing, j.in.status, j.policy(), j.upsell())
	if d.act != actDuplicate && d.act != actIgnore {
		return applied{}, false, nil
	}
	j.rp.Outcome, j.rp.Reason, j.rp.HTTPStatus = outcomeOf(d, j.click != nil), d.reason, http.StatusOK
	j.rp.ConversionID = &existing.ID
	if err := s.db.WithContext(ctx).Create(j.rp).Error; err != nil {
		return applied{}, false, err
	}
	return applied{conv: existing, d: d}, true, nil
}

// insertOutboxAndLog writes the S2S rows and the log line in one statement
// (inside the rules' transaction) and sets rp.ID.
func insertOutboxAndLog(tx *gorm.DB, rows []model.S2SOutbox, rp *model.ReceivedPostback) error {
	stmts, err := pgStatements()
	if err != nil {
		return err
	}
	_, out, logRow, err := recordsJSON(nil, rows, rp)
	if err != nil {
		return err
	}
	return tx.Raw(stmts[1], out, logRow).Find(&rp.ID).Error
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

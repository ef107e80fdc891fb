package conversion

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/kite-tracker/kite/internal/model"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Postgres fast path: every statement on the postback path is a network
// round trip, so the first postback of a click+tid is one upsert (no SELECT
// before it) and the S2S rows and the log line go out as one statement.
// SQLite keeps the plain gorm calls: it has no round trips to save.
// Raw SQL is read with Find, not Scan: gorm's Scan renders the statement
// with its values as text for a logger on every call, even a discarding one.

// upserted is the row an upsert returns, and whether it was inserted.
type upserted struct {
	Inserted bool `gorm:"column:inserted"`
	model.Conversion
}

// upsertConversion inserts conv, or, when its click+tid exists, locks and
// returns the existing row (the no-op DO UPDATE takes the row lock a
// SELECT ... FOR UPDATE would). xmax = 0 only on a freshly inserted row.
func upsertConversion(tx *gorm.DB, conv *model.Conversion) (existing *model.Conversion, err error) {
	cols, marks, args, err := rowValues(tx, []*model.Conversion{conv})
	if err != nil {
		return nil, err
	}
	q := "/* conversion.upsertConversion */ INSERT INTO conversions (" + cols + ") VALUES " + marks +
		" ON CONFLICT (click_id, tid) DO UPDATE SET tid = EXCLUDED.tid" +
		" RETURNING (xmax = 0) AS inserted, conversions.*"
	var rows []upserted
	if err := tx.Raw(q, args...).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) != 1 {
		return nil, errors.New("upsert returned no row")
	}
	if rows[0].Inserted {
		conv.ID = rows[0].ID
		return nil, nil
	}
	return &rows[0].Conversion, nil
}

// insertOutboxAndLog writes the S2S rows and the log line in one statement
// and sets rp.ID.
func insertOutboxAndLog(tx *gorm.DB, rows []model.S2SOutbox, rp *model.ReceivedPostback) error {
	rcols, rmarks, args, err := rowValues(tx, []*model.ReceivedPostback{rp})
	if err != nil {
		return err
	}
	q := "INSERT INTO received_postbacks (" + rcols + ") VALUES " + rmarks + " RETURNING id"
	if len(rows) > 0 {
		ptrs := make([]*model.S2SOutbox, len(rows))
		for i := range rows {
			ptrs[i] = &rows[i]
		}
		ocols, omarks, oargs, err := rowValues(tx, ptrs)
		if err != nil {
			return err
		}
		q = "WITH queued AS (INSERT INTO s2s_outbox (" + ocols + ") VALUES " + omarks + ") " + q
		args = append(oargs, args...)
	}
	return tx.Raw("/* conversion.insertOutboxAndLog */ "+q, args...).Find(&rp.ID).Error
}

// columnCache keeps, per model type, the fields written by rowValues.
var columnCache sync.Map // reflect.Type -> []*schema.Field

// rowValues renders rows of one model type as a column list, "(?, ...), ..."
// placeholders and their arguments, leaving out the generated primary key.
func rowValues[T any](db *gorm.DB, rows []*T) (string, string, []any, error) {
	fields, err := writtenFields[T](db)
	if err != nil {
		return "", "", nil, err
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.DBName
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(fields)), ", ") + ")"
	marks := make([]string, len(rows))
	args := make([]any, 0, len(rows)*len(fields))
	for i, r := range rows {
		marks[i] = one
		rv := reflect.ValueOf(r).Elem()
		for _, f := range fields {
			v, _ := f.ValueOf(context.Background(), rv)
			args = append(args, v)
		}
	}
	return strings.Join(names, ", "), strings.Join(marks, ", "), args, nil
}

func writtenFields[T any](db *gorm.DB) ([]*schema.Field, error) {
	typ := reflect.TypeFor[T]()
	if f, ok := columnCache.Load(typ); ok {
		return f.([]*schema.Field), nil
	}
	s, err := schema.Parse(new(T), &sync.Map{}, db.NamingStrategy)
	if err != nil {
		return nil, err
	}
	var fields []*schema.Field
	for _, f := range s.Fields {
		if f.DBName == "" || (f.PrimaryKey && f.DBName == "id") {
			continue
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return nil, errors.New("no columns in " + typ.String() + " (" + strconv.Itoa(len(s.Fields)) + " fields)")
	}
	columnCache.Store(typ, fields)
	return fields, nil
}

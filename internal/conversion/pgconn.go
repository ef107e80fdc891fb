package conversion

import (
	"context"
	"reflect"

	"gorm.io/gorm/schema"
)

// The fast path's statements run on the pooled connection's pgx.Conn
// (store.WithPgx), not through gorm: gorm's statement building and
// reflective Scan cost as much Go CPU as the statement's own round trip (a
// third of a postback's), and pgx reads the columns straight into typed destinations. pgx still
// prepares each statement once per connection (its statement cache).

// nullableRow holds scan destinations for a model's columns when the row
// may be absent (every column NULL, as from a LEFT JOIN): one pointer per
// column, set only when the column is not NULL.
type nullableRow struct {
	fields []*schema.Field
	dest   []any // **T per column (*T for a field that already is a pointer)
}

func newNullableRow(fields []*schema.Field) *nullableRow {
	n := &nullableRow{fields: fields, dest: make([]any, len(fields))}
	for i, f := range fields {
		t := f.FieldType
		if t.Kind() != reflect.Pointer {
			t = reflect.PointerTo(t)
		}
		n.dest[i] = reflect.New(t).Interface()
	}
	return n
}

// into copies the scanned columns into row; false when the row was absent
// (its first column, the primary key, is NULL).
func (n *nullableRow) into(ctx context.Context, row any) bool {
	rv := reflect.ValueOf(row).Elem()
	for i, f := range n.fields {
		p := reflect.ValueOf(n.dest[i]).Elem() // *T
		if p.IsNil() {
			if i == 0 {
				return false
			}
			continue
		}
		fv := f.ReflectValueOf(ctx, rv)
		if f.FieldType.Kind() == reflect.Pointer {
			fv.Set(p)
		} else {
			fv.Set(p.Elem())
		}
	}
	return true
}

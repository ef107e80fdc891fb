package conversion

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kite-tracker/kite/internal/model"
)

// recordsJSON renders the rows as the JSON documents the statements read.
// It writes the JSON by hand: a map per row and json.Marshal (which sorts
// the keys and reflects on every value) cost a tenth of the Go time of a
// postback, and the column order does not matter to jsonb.
func recordsJSON(conv *model.Conversion, rows []model.S2SOutbox, rp *model.ReceivedPostback) (c, o, r string, err error) {
	buf := make([]byte, 0, 1024)
	if conv != nil {
		if buf, err = appendRecord(buf, conv); err != nil {
			return
		}
		c = string(buf)
	}
	buf = append(buf[:0], '[')
	for i := range rows {
		if i > 0 {
			buf = append(buf, ',')
		}
		if buf, err = appendRecord(buf, &rows[i]); err != nil {
			return
		}
	}
	o = string(append(buf, ']'))
	if buf, err = appendRecord(buf[:0], rp); err != nil {
		return
	}
	return c, o, string(buf), nil
}

// appendRecord appends row as {column: value}, times as RFC 3339 text.
func appendRecord[T any](b []byte, row *T) ([]byte, error) {
	fields, err := fieldsOf[T]()
	if err != nil {
		return b, err
	}
	rv := reflect.ValueOf(row).Elem()
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.DBName)
		b = append(b, ':')
		if b, err = appendJSONField(b, f.ReflectValueOf(context.Background(), rv)); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONField appends a field's value read in place: taking it as an
// interface (f.ValueOf) boxed every string, number and time, about thirty
// allocations a row, on the postback path.
func appendJSONField(b []byte, fv reflect.Value) ([]byte, error) {
	switch fv.Kind() {
	case reflect.String:
		return appendJSONString(b, fv.String()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, fv.Int(), 10), nil
	case reflect.Bool:
		return strconv.AppendBool(b, fv.Bool()), nil
	case reflect.Float64, reflect.Float32: // never NaN or Inf: refused at parsing
		return strconv.AppendFloat(b, fv.Float(), 'g', -1, 64), nil
	case reflect.Pointer:
		if fv.IsNil() {
			return append(b, "null"...), nil
		}
		return appendJSONField(b, fv.Elem())
	}
	if fv.CanAddr() {
		if t, ok := fv.Addr().Interface().(*time.Time); ok {
			return appendPgTime(b, *t), nil
		}
	}
	return appendJSONValue(b, fv.Interface())
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case model.JSONText:
		return appendJSONString(b, string(x)), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case float64: // never NaN or Inf: refused at parsing
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case time.Time:
		return appendPgTime(b, x), nil
	case *time.Time:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendPgTime(b, *x), nil
	case *int64:
		if x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendInt(b, *x, 10), nil
	}
	j, err := json.Marshal(v) // anything rarer
	return append(b, j...), err
}

// appendPgTime appends t quoted, as pgTime writes it (RFC 3339 needs no
// escaping), without making a string of it first.
func appendPgTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().Truncate(time.Microsecond).AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONString quotes s for JSON; invalid UTF-8 goes through
// encoding/json, which replaces it (jsonb refuses it).
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		j, _ := json.Marshal(s)
		return append(b, j...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

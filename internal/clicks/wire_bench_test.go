package clicks

import (
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// BenchmarkWireCodec is one click's trip through the compact form: encoded
// by the recorder, decoded by the SQL writer (and by postback lookups).
func BenchmarkWireCodec(b *testing.B) {
	c := newClick(b, 8)
	b.ReportAllocs()
	for b.Loop() {
		buf, err := marshalClick(c)
		if err != nil {
			b.Fatal(err)
		}
		var got wireClick
		if err := unmarshalClick(buf, (*model.Click)(&got)); err != nil {
			b.Fatal(err)
		}
	}
}

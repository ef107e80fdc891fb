package clicks

import (
	"context"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// BenchmarkInsertBatch measures the SQL side of the writer: ns per click
// for batches of 1,000 new clicks with their rollup.
func BenchmarkInsertBatch(b *testing.B) {
	st, _ := env(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 1000 {
		b.StopTimer()
		batch := make([]model.Click, 1000)
		for j := range batch {
			batch[j] = *newClick(b, j)
		}
		b.StartTimer()
		if err := InsertBatch(context.Background(), st, batch); err != nil {
			b.Fatal(err)
		}
	}
}

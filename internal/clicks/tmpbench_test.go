package clicks

import (
	"context"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func BenchmarkInsertBatch(b *testing.B) {
	st, _ := env(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i += 1000 {
		batch := make([]model.Click, 1000)
		for j := range batch {
			batch[j] = *newClick(b, j)
		}
		if err := InsertBatch(context.Background(), st, batch); err != nil {
			b.Fatal(err)
		}
	}
}

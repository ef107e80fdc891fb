package clicks

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

type insertFunc func(ctx context.Context, st *store.Store, batch []model.Click) error

// insertPortable forces the portable multi-row path (the only one before
// the pgx path), so both can be measured in one run.
func insertPortable(ctx context.Context, st *store.Store, batch []model.Click) error {
	_, err := applyBatchPortable(ctx, st, dedupe(batch), nil)
	return err
}

// BenchmarkInsertBatch measures the SQL side of the writer: ns per click
// for batches of 1,000 new clicks with their rollup. "pgx" is InsertBatch
// (the pgx array path on Postgres), "portable" the multi-row statements;
// "fewdims" spreads a batch over ~40 rollup rows, "manydims" gives every
// click its own rollup row (high-cardinality traffic).
func BenchmarkInsertBatch(b *testing.B) {
	paths := []struct {
		name string
		fn   insertFunc
	}{{"pgx", InsertBatch}, {"portable", insertPortable}}
	for _, p := range paths {
		for _, many := range []bool{false, true} {
			name := p.name + "/fewdims"
			if many {
				name = p.name + "/manydims"
			}
			b.Run(name, func(b *testing.B) { benchInsert(b, p.fn, many) })
		}
	}
}

func benchInsert(b *testing.B, insert insertFunc, manyDims bool) {
	st, _ := env(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 1000 {
		b.StopTimer()
		batch := make([]model.Click, 1000)
		for j := range batch {
			batch[j] = *newClick(b, j)
			if manyDims {
				batch[j].LandingID = int64(i + j)
			}
		}
		b.StartTimer()
		if err := insert(context.Background(), st, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriter measures the whole writer per click: XREADGROUP, decode,
// the SQL batch, XACK/XDEL, over entries already in the stream. batch=150 is
// what the writer took per transaction at 5,000 clicks/s before it lingered
// between part batches (WriterLinger); 1000 is a full WriterBatch.
func BenchmarkWriter(b *testing.B) {
	for _, batch := range []int{150, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchWriter(b, batch) })
	}
}

func benchWriter(b *testing.B, batch int) {
	st, r := env(b)
	opt := testOptions(b)
	opt.WriterBatch = batch
	rec := NewRecorder(opt, r, st, nil)
	w := NewWriter(opt, r, st, nil)
	ctx := context.Background()
	if err := w.ensureGroup(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i += 1000 {
		evs := make([]event, 0, 1000)
		for j := 0; j < 1000; j++ {
			e, err := clickEvent(newClick(b, j))
			if err != nil {
				b.Fatal(err)
			}
			evs = append(evs, e)
		}
		if err := rec.push(evs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for {
		n, err := w.step(ctx, false)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	// Wall time includes Postgres and Redis; this is Kite's own share.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// processCPU is this process's user+system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package clicks

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func batches(w *Writer) int {
	var m dto.Metric
	if err := w.m.batches.Write(&m); err != nil {
		panic(err)
	}
	return int(m.GetCounter().GetValue())
}

// pushClicks puts clicks from..to-1 in the stream, one pipeline each when
// oneByOne (as a trickle of recorder flushes would), else all at once.
func pushClicks(t *testing.T, rec *Recorder, from, to int, oneByOne bool) {
	t.Helper()
	var evs []event
	for i := from; i < to; i++ {
		e, err := clickEvent(newClick(t, i))
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
		if oneByOne {
			if err := rec.push(evs); err != nil {
				t.Fatal(err)
			}
			evs = evs[:0]
			time.Sleep(5 * time.Millisecond)
		}
	}
	if len(evs) > 0 {
		if err := rec.push(evs); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWriterLingersBetweenPartBatches: after a part batch the writer waits
// WriterLinger before reading again, so a trickle of clicks arriving in
// that window goes to SQL as one transaction, not one per click; with no
// linger each arrival is its own batch. Either way every click is stored.
func TestWriterLingersBetweenPartBatches(t *testing.T) {
	for _, tc := range []struct {
		name        string
		linger      time.Duration
		wantBatches func(int) bool
	}{
		{"linger gathers the trickle", time.Second, func(n int) bool { return n == 2 }},
		{"no linger: a batch per arrival", -1, func(n int) bool { return n >= 4 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, r := env(t)
			opt := testOptions(t)
			opt.WriterInterval = time.Second // BLOCK: an arrival wakes the writer at once
			opt.WriterLinger = tc.linger
			rec := NewRecorder(opt, r, st, nil)
			w := NewWriter(opt, r, st, nil)
			stop := start(t, w.Run)
			// Wait on the writer's own count, which moves once a batch is
			// acknowledged: rows show in SQL a moment before that.
			pushClicks(t, rec, 0, 5, false)
			waitFor(t, "first batch stored", 10*time.Second, func() bool { return written(w) == 5 })
			pushClicks(t, rec, 5, 10, true)
			waitFor(t, "trickle stored", 10*time.Second, func() bool { return written(w) == 10 })
			stop()
			if got := batches(w); !tc.wantBatches(got) {
				t.Fatalf("writer committed %d batches for a batch of 5 and a trickle of 5", got)
			}
			if got := countSQL(t, st); got != 10 {
				t.Fatalf("clicks in SQL = %d, want 10", got)
			}
		})
	}
}

// TestWriterRestartStoresItsOwnPending: entries this consumer read but never
// acknowledged (a crash, a failed batch) are stored by its next run under
// the same name at once, not only when they are old enough to be claimed.
func TestWriterRestartStoresItsOwnPending(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	opt.ClaimIdle = time.Hour // only the own-pending read can find them in time
	rec := NewRecorder(opt, r, st, nil)
	pushClicks(t, rec, 0, 30, false)
	before := NewWriter(opt, r, st, nil)
	ctx := context.Background()
	if err := before.ensureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := before.read(ctx, ">", -1); err != nil || len(got) != 30 {
		t.Fatalf("first run read %d entries (%v), want 30", len(got), err)
	}
	after := NewWriter(opt, r, st, nil)
	start(t, after.Run)
	waitFor(t, "own pending clicks in SQL", 5*time.Second, func() bool { return countSQL(t, st) == 30 })
	waitFor(t, "stream emptied", 5*time.Second, func() bool { return streamLen(t, r) == 0 })
}

// TestWriterPause: only a part batch of more than one piece is paced, with
// half the linger spread over its pauses, each at most maxPiecePause.
func TestWriterPause(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries int
		linger  time.Duration
		want    time.Duration
	}{
		{"one piece: nothing to pace", pacedChunk, 100 * time.Millisecond, 0},
		{"5,000 clicks/s: 5 pieces", 5 * pacedChunk, 100 * time.Millisecond, 12500 * time.Microsecond},
		{"two pieces, long linger: capped", pacedChunk + 1, time.Second, maxPiecePause},
		{"a full batch: the writer is behind", 1000, 100 * time.Millisecond, 0},
		{"no linger", 5 * pacedChunk, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &Writer{opt: Options{WriterBatch: 1000, WriterLinger: tc.linger}}
			if got := w.pause(tc.entries); got != tc.want {
				t.Fatalf("pause(%d) = %s, want %s", tc.entries, got, tc.want)
			}
		})
	}
}

package clicks

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestQueueFullSpills: when the queue is full Record does not wait: the
// click goes to the spool, stays findable, and reaches SQL once.
func TestQueueFullSpills(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	opt.QueueSize = 10
	rec := NewRecorder(opt, r, st, nil)
	const n = 50
	ids := make([]string, n)
	began := time.Now()
	for i := 0; i < n; i++ { // Run not started: nothing drains the queue
		c := newClick(t, i)
		ids[i] = c.ID
		rec.Record(c)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("Record blocked %v with a full queue", d)
	}
	if got := spoolLines(t, opt.SpoolDir); got != n-10 {
		t.Fatalf("spooled %d, want %d", got, n-10)
	}
	if c, err := rec.Lookup(context.Background(), ids[n-1]); err != nil || c.ID != ids[n-1] {
		t.Fatalf("lookup of a spilled click: %v %v", c, err)
	}
	start(t, rec.Run)
	start(t, NewWriter(opt, r, st, nil).Run)
	waitFor(t, "clicks in SQL", 20*time.Second, func() bool { return countSQL(t, st) == n })
	waitFor(t, "spool emptied", 5*time.Second, func() bool { return spoolLines(t, opt.SpoolDir) == 0 })
}

// TestSpoolTornLine: a line cut short by a crash is skipped, the rest replayed.
func TestSpoolTornLine(t *testing.T) {
	dir := t.TempDir()
	sp := newSpool(dir, true)
	var evs []event
	for i := 0; i < 3; i++ {
		e, _ := clickEvent(newClick(t, i))
		evs = append(evs, e)
	}
	if err := sp.append(evs[:2]); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, activeSpool), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"k":"c","id":"0190`) // the crash
	f.Close()
	sp2 := newSpool(dir, true) // the next process appends after the torn line
	if err := sp2.append(evs[2:]); err != nil {
		t.Fatal(err)
	}
	files, err := sp2.rotate()
	if err != nil || len(files) != 1 {
		t.Fatalf("rotate: %v %v", files, err)
	}
	var got []event
	skipped, err := readSpoolFile(files[0], 10, func(b []event) error { got = append(got, b...); return nil })
	if err != nil || skipped != 1 || len(got) != 3 || got[2].ID != evs[2].ID {
		t.Fatalf("read: %d events, %d skipped, %v", len(got), skipped, err)
	}
	if e, ok := sp2.find(evs[0].ID); !ok || e.ID != evs[0].ID {
		t.Fatal("find in spool failed")
	}
}

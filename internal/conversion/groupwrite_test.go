package conversion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRun records the batches a groupWriter runs and answers each item
// with its own conversion id, so a mixed-up answer shows.
type fakeRun struct {
	mu       sync.Mutex
	batches  [][]*firstItem
	running  atomic.Int32
	maxSeen  atomic.Int32
	hold     time.Duration
	failWith error
}

func (f *fakeRun) run(batch []*firstItem) {
	n := f.running.Add(1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(f.hold)
	f.mu.Lock()
	f.batches = append(f.batches, batch)
	f.mu.Unlock()
	for _, it := range batch {
		id := it.convID
		it.res, it.err = firstRow{LogID: &id, Inserted: true}, f.failWith
	}
	f.running.Add(-1)
}

// TestGroupWriterBatches: concurrent postbacks share statements, each gets
// its own answer, a batch holds a click+tid once and in order, and no more
// statements run at once than allowed.
func TestGroupWriterBatches(t *testing.T) {
	cases := []struct {
		name                string
		inFlight, maxBatch  int
		writers, keys       int
		wantFewerStatements bool
	}{
		{"one lane", 1, 64, 32, 1000, true},
		{"two lanes", 2, 64, 32, 1000, true},
		{"small batches", 2, 3, 32, 1000, true},
		{"repeats of a few keys", 2, 64, 32, 5, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeRun{hold: time.Millisecond}
			g := &groupWriter{run: f.run, maxInFlight: tc.inFlight, maxBatch: tc.maxBatch}
			const per = 40
			var wg sync.WaitGroup
			var next atomic.Int64
			for w := 0; w < tc.writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						id := next.Add(1)
						it := &firstItem{clickID: fmt.Sprintf("click-%d", id%int64(tc.keys)), tid: "t", convID: id}
						res, err := g.write(context.Background(), it)
						if err != nil || res.LogID == nil || *res.LogID != id {
							t.Errorf("item %d: got %+v, %v", id, res, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			stmts, items := g.counts()
			if items != int64(tc.writers*per) {
				t.Fatalf("%d postbacks written, want %d", items, tc.writers*per)
			}
			if tc.wantFewerStatements && stmts >= items {
				t.Errorf("%d statements for %d postbacks: nothing was grouped", stmts, items)
			}
			if got := f.maxSeen.Load(); got > int32(tc.inFlight) {
				t.Errorf("%d statements ran at once, limit %d", got, tc.inFlight)
			}
			for _, b := range f.batches {
				if len(b) > tc.maxBatch {
					t.Errorf("batch of %d, limit %d", len(b), tc.maxBatch)
				}
				keys := make([]string, len(b))
				for i, it := range b {
					keys[i] = it.clickID + "\x00" + it.tid
				}
				if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
					t.Errorf("batch keys not sorted and unique: %q", keys)
				}
			}
		})
	}
}

// TestGroupWriterErrorReachesEveryItem: a failed statement fails each of
// its postbacks (which the caller then spools or refuses), none hangs.
func TestGroupWriterErrorReachesEveryItem(t *testing.T) {
	boom := errors.New("database gone")
	f := &fakeRun{hold: 2 * time.Millisecond, failWith: boom}
	g := &groupWriter{run: f.run, maxInFlight: 1, maxBatch: 64}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := g.write(context.Background(), &firstItem{clickID: fmt.Sprint(i), convID: int64(i)}); !errors.Is(err, boom) {
				t.Errorf("item %d: err %v, want %v", i, err, boom)
			}
		}()
	}
	wg.Wait()
}

// TestGroupWriterCancelWhileQueued: a postback whose request gives up while
// it still waits in the queue leaves with nothing written; one whose
// statement has started waits for it, whatever its context says.
func TestGroupWriterCancelWhileQueued(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var ran sync.Map
	g := &groupWriter{maxInFlight: 1, maxBatch: 64}
	g.run = func(batch []*firstItem) {
		for _, it := range batch {
			ran.Store(it.convID, true)
		}
		started <- struct{}{}
		<-release
		for _, it := range batch {
			it.res.Inserted = true
		}
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := g.write(ctx1, &firstItem{clickID: "a", convID: 1}); first <- err }()
	<-started // item 1's statement is running and holds the only lane
	ctx2, cancel2 := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { _, err := g.write(ctx2, &firstItem{clickID: "b", convID: 2}); second <- err }()
	for g.queued() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel2()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued item: err %v, want context.Canceled", err)
	}
	cancel1() // already running: must still get its outcome
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("running item: err %v, want its outcome", err)
	}
	if _, ok := ran.Load(int64(2)); ok {
		t.Error("the withdrawn item was written")
	}
	if stmts, items := g.counts(); stmts != 1 || items != 1 {
		t.Errorf("%d statements for %d items, want 1 for 1", stmts, items)
	}
}

package conversion

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// Group commit of first postbacks. On a busy tracker most of Postgres'
// time per postback went on what every statement pays whatever its size:
// executor start-up, the conversion cubes' statement triggers, the commit
// and its WAL flush, and a network round trip each way. Postbacks that
// arrive while earlier ones are being written therefore wait and go
// together, as one statement (pgbatch.go) and one commit.
//
// There is no timer and no background goroutine: a postback that finds
// fewer than maxInFlight statements running writes at once (alone, when
// the tracker is quiet, so a lone postback waits for nothing); otherwise
// it queues, and whoever finishes a statement takes the queue as the next
// batch and hands it to the first of its postbacks' own goroutines to run.

// firstItem is one postback waiting for the group statement.
type firstItem struct {
	clickID, tid string
	convID       int64
	conv         string // the conversion as a JSON document
	out          string // its S2S rows, a JSON array
	log          string // its log line, a JSON document
	logOnly      string // logOnlyOutcomes

	res  firstRow
	err  error
	done chan struct{}     // closed once res and err are set
	lead chan []*firstItem // a batch this item's goroutine is to run
}

// groupWriter queues firstItems and runs them in batches.
type groupWriter struct {
	run         func(batch []*firstItem) // sets every item's res or err
	maxInFlight int                      // statements running at once
	maxBatch    int                      // items per statement

	mu       sync.Mutex
	pending  []*firstItem
	inFlight int
	batches  int64 // statements run, for tests and metrics
	items    int64 // postbacks they wrote
}

// write queues it and waits for its outcome. A postback whose context ends
// while it still waits in the queue leaves it, with nothing written; once
// its batch has started, its outcome is awaited whatever the context says,
// so the caller never spools a postback that is being written.
func (g *groupWriter) write(ctx context.Context, it *firstItem) (firstRow, error) {
	it.done, it.lead = make(chan struct{}), make(chan []*firstItem, 1)
	g.mu.Lock()
	g.pending = append(g.pending, it)
	var batch []*firstItem
	if g.inFlight < g.maxInFlight {
		g.inFlight++
		batch = g.takeLocked()
	}
	g.mu.Unlock()
	if batch != nil {
		g.runAndHandOff(batch)
	}
	wait := ctx.Done()
	for {
		select {
		case <-it.done:
			return it.res, it.err
		case b := <-it.lead:
			g.runAndHandOff(b)
		case <-wait:
			if g.withdraw(it) {
				return firstRow{}, ctx.Err()
			}
			wait = nil // already taken: its outcome is on its way
		}
	}
}

// runAndHandOff runs batch, then passes the queue on as the next batch, or
// gives back its place among the running statements.
func (g *groupWriter) runAndHandOff(batch []*firstItem) {
	g.run(batch)
	for _, it := range batch {
		close(it.done)
	}
	g.mu.Lock()
	g.batches++
	g.items += int64(len(batch))
	next := g.takeLocked()
	if len(next) == 0 {
		g.inFlight--
	}
	g.mu.Unlock()
	if len(next) > 0 {
		next[0].lead <- next // never blocks: an item is taken once
	}
}

// takeLocked takes up to maxBatch queued items, at most one per click+tid
// (one statement cannot both insert a conversion and see it: a repeat of a
// postback in the same batch waits for the next), sorted by click+tid so
// that two statements running side by side lock conversions in the same
// order and cannot deadlock.
func (g *groupWriter) takeLocked() []*firstItem {
	if len(g.pending) == 0 {
		return nil
	}
	type key struct{ clickID, tid string }
	seen := make(map[key]bool, min(len(g.pending), g.maxBatch))
	var batch []*firstItem
	rest := g.pending[:0]
	for _, it := range g.pending {
		k := key{it.clickID, it.tid}
		if len(batch) == g.maxBatch || seen[k] {
			rest = append(rest, it)
			continue
		}
		seen[k] = true
		batch = append(batch, it)
	}
	clear(g.pending[len(rest):])
	g.pending = rest
	slices.SortFunc(batch, func(a, b *firstItem) int {
		return cmp.Or(cmp.Compare(a.clickID, b.clickID), cmp.Compare(a.tid, b.tid))
	})
	return batch
}

// withdraw removes it from the queue; false when a batch already took it.
func (g *groupWriter) withdraw(it *firstItem) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := slices.Index(g.pending, it)
	if i < 0 {
		return false
	}
	g.pending = slices.Delete(g.pending, i, i+1)
	return true
}

// counts tells how many statements have run, for how many postbacks.
func (g *groupWriter) counts() (statements, postbacks int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.batches, g.items
}

// queued tells how many postbacks wait for a statement.
func (g *groupWriter) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

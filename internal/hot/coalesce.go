package hot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kite-tracker/kite/internal/routing"
)

// Counters serves the routing counters of many concurrent clicks with few
// Redis round trips. A round trip costs a write and a read system call on
// each side whatever it carries, and at thousands of clicks a second those
// calls, not Redis, were most of a click's CPU. So the reads of every click
// waiting at the same moment go out as one MGET, and the writes queue and
// go out as one pipeline. Nobody waits for a batch to fill: a lone click is
// sent at once; clicks that arrive while a round trip is in flight ride the
// next one together. One read goes out at a time (maxReadsInFlight);
// writes linger a moment (writeLinger) and go out one pipeline at a time,
// in order.
type Counters struct {
	r       *Redis
	timeout time.Duration
	onError func(error) // a failed batch (each caller of Read also gets the error)

	reads  sharedTrips[*readCall]
	writes writeQueue
}

// errShortReply means Redis answered an MGET with fewer values than keys.
var errShortReply = errors.New("redis: MGET answered fewer values than keys")

// writeTimeout bounds a pipeline of queued writes: they run after the
// answers, so they may take longer than a read, which a visitor waits for.
const writeTimeout = time.Second

// maxReadsInFlight bounds the MGETs out at once. One: clicks that arrive
// while an MGET is out wait for it and share the next. A round trip costs
// both sides a write and a read system call (~20 us of Kite CPU on a small
// VM) whatever it carries, so at 5,000 clicks/s four slots sent an MGET
// every 1.6 clicks and one slot every 3.2: 12-16 % less Redis CPU and 3-5 %
// less Kite CPU a click, 3-4 % more clicks flat out, and no worse p99 (the
// wait for the slot is about as long as a round trip, which the click
// waited for anyway when its own MGET queued behind the others in Redis).
const maxReadsInFlight = 1

// writeLinger is how long queued writes wait for company before they go:
// at a few thousand clicks a second it turns a round trip per click into
// one per ten, and writes are off the visitor's path anyway.
const writeLinger = 2 * time.Millisecond

// maxReadBatch bounds the clicks one MGET serves, so one round trip stays
// small enough not to hold a slow-path click hostage.
const maxReadBatch = 256

// NewCounters coalesces the counter traffic of r. Each round trip is bounded
// by timeout; onError (may be nil) hears about failed write batches.
func NewCounters(r *Redis, timeout time.Duration, onError func(error)) *Counters {
	if onError == nil {
		onError = func(error) {}
	}
	c := &Counters{r: r, timeout: timeout, onError: onError}
	c.reads = sharedTrips[*readCall]{limit: maxReadsInFlight, maxBatch: maxReadBatch, send: c.sendReads}
	return c
}

// Read is Redis.ReadCounters, sharing its round trip with concurrent
// reads, bounded by the Counters' timeout as well as by ctx. The wait uses
// a pooled timer: a context.WithTimeout per click cost a timer, a done
// channel and a child registered with the request's context, about six
// allocations.
func (c *Counters) Read(ctx context.Context, q CounterRead) (routing.Counters, error) {
	return c.r.readCounters(ctx, q, c.mget)
}

// Write queues w; it reaches Redis with the writes of other clicks in one
// pipeline, after the visitor's answer. Drain waits for the queue.
func (c *Counters) Write(w CounterWrite) { c.writes.add(c, w) }

// Drain waits until every queued write was sent (or failed).
func (c *Counters) Drain() { c.writes.wg.Wait() }

// readCall is one click's keys waiting for the shared MGET.
type readCall struct {
	keys []string
	vals []any
	err  error
	done chan struct{}
}

// timers are stopped timers for mget (a stopped timer's channel
// holds no stale value: Go 1.23 timers).
var timers = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}}

// mget reads keys in the next shared round trip (see sharedTrips). After
// the Counters' timeout it answers context.DeadlineExceeded, as a context
// deadline would.
func (c *Counters) mget(ctx context.Context, keys []string) ([]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	call := &readCall{keys: keys, done: make(chan struct{})}
	t := timers.Get().(*time.Timer)
	t.Reset(c.timeout)
	defer func() {
		t.Stop()
		timers.Put(t)
	}()
	c.reads.add(call)
	select {
	case <-call.done:
		return call.vals, call.err
	case <-t.C:
		return nil, context.DeadlineExceeded
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sendReads sends one MGET for a batch of calls and hands each its part.
func (c *Counters) sendReads(batch []*readCall) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	vals, err := c.mgetBatch(ctx, batch)
	cancel()
	at := 0
	for _, call := range batch {
		if err == nil && at+len(call.keys) <= len(vals) {
			call.vals = vals[at : at+len(call.keys) : at+len(call.keys)]
		} else if err == nil {
			call.err = errShortReply
		}
		if err != nil {
			call.err = err
		}
		at += len(call.keys)
		close(call.done)
	}
}

// mgetBatch reads the keys of every call of batch, in order, in one round
// trip. On a single node the MGET's arguments point at the calls' keys:
// MGet would box each key into an interface, an allocation per key (seven
// a click for the benchmark campaign).
func (c *Counters) mgetBatch(ctx context.Context, batch []*readCall) ([]any, error) {
	total := 0
	for _, call := range batch {
		total += len(call.keys)
	}
	if c.r.Cluster() {
		keys := make([]string, 0, total)
		for _, call := range batch {
			keys = append(keys, call.keys...)
		}
		return c.r.mget(ctx, keys)
	}
	args := make([]any, 1, 1+total)
	args[0] = "mget"
	for _, call := range batch {
		for i := range call.keys {
			args = append(args, &call.keys[i])
		}
	}
	cmd := redis.NewSliceCmd(ctx, args...)
	_ = c.r.C.Process(ctx, cmd)
	return cmd.Result()
}

type writeQueue struct {
	mu      sync.Mutex
	waiting []CounterWrite
	spare   []CounterWrite
	busy    bool
	wg      sync.WaitGroup
}

func (q *writeQueue) add(c *Counters, w CounterWrite) {
	q.mu.Lock()
	q.waiting = append(q.waiting, w)
	if q.busy {
		q.mu.Unlock()
		return
	}
	q.busy = true
	q.wg.Add(1)
	q.mu.Unlock()
	go c.writeLoop()
}

// writeLoop sends the queued writes, one pipeline per round, until the
// queue is empty.
func (c *Counters) writeLoop() {
	q := &c.writes
	defer q.wg.Done()
	time.Sleep(writeLinger)
	for {
		q.mu.Lock()
		batch := q.waiting
		if len(batch) == 0 {
			q.busy = false
			q.mu.Unlock()
			return
		}
		q.waiting, q.spare = q.spare[:0], nil
		q.mu.Unlock()
		c.sendWrites(batch)
		clear(batch) // drop the visitors' strings before the slice is reused
		q.mu.Lock()
		q.spare = batch[:0]
		q.mu.Unlock()
	}
}

func (c *Counters) sendWrites(batch []CounterWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), max(c.timeout, writeTimeout))
	defer cancel()
	pipe := c.r.C.Pipeline()
	n := 0
	for _, w := range batch {
		n += c.r.queueCounterWrite(ctx, pipe, w)
	}
	if n == 0 {
		return
	}
	if _, err := pipe.Exec(ctx); err != nil {
		c.onError(err)
	}
}

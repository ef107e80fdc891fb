package hot

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Conversion caps: the conversion path counts an offer's conversions per day
// (the day of the offer's conversion_timezone); routing reads the count and
// sends traffic to the alternative offer once the daily cap is reached.

// capTTL keeps a day's counter past the end of that day in any time zone.
const capTTL = 72 * time.Hour

// capBatchTimeout bounds one shared round trip of cap counts.
const capBatchTimeout = 2 * time.Second

func (r *Redis) capKey(offerID int64, day string) string {
	return r.Key("cap", strconv.FormatInt(offerID, 10), day)
}

// CapDay is the day key of t in the offer's time zone (UTC when unknown).
func CapDay(t time.Time, tz string) string {
	return t.In(capLocation(tz)).Format("2006-01-02")
}

// IncrOfferCap counts one more conversion of the offer on day and returns
// the new count, once Redis has it. Counts of concurrent postbacks share one
// round trip (a pipeline of their INCRs): at thousands of postbacks a second a
// round trip each cost more system calls than the count is worth. Nobody
// waits for a batch to fill: a lone count goes out at once, and counts
// arriving while a round trip is in flight ride the next one together.
func (r *Redis) IncrOfferCap(ctx context.Context, offerID int64, day string) (int64, error) {
	call := &capCall{key: r.capKey(offerID, day), done: make(chan struct{})}
	q := r.capQueue()
	q.mu.Lock()
	q.waiting = append(q.waiting, call)
	lead := !q.busy
	q.busy = true
	q.mu.Unlock()
	if lead {
		q.send(r)
		if q.more() {
			go q.loop(r)
		}
	}
	select {
	case <-call.done:
		return call.count, call.err
	case <-ctx.Done():
		return 0, ctx.Err() // the count still goes out with its batch
	}
}

// OfferCapCount returns the offer's conversions counted on day (0 if none).
func (r *Redis) OfferCapCount(ctx context.Context, offerID int64, day string) (int64, error) {
	n, err := r.C.Get(ctx, r.capKey(offerID, day)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

// capCall is one count waiting for the shared round trip.
type capCall struct {
	key   string
	count int64
	err   error
	done  chan struct{}
}

// capQueue holds the counts waiting for a Redis; one round trip is in
// flight at a time (busy), which keeps counts in arrival order.
type capQueue struct {
	mu      sync.Mutex
	waiting []*capCall
	busy    bool
}

func (r *Redis) capQueue() *capQueue { return &r.caps }

// loop sends batches until nobody waits.
func (q *capQueue) loop(r *Redis) {
	for {
		q.send(r)
		if !q.more() {
			return
		}
	}
}

// more tells whether counts wait; if not, it ends the busy spell.
func (q *capQueue) more() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) == 0 {
		q.busy = false
		return false
	}
	return true
}

// send counts every waiting call in one pipeline: an INCR each (each caller
// gets its own new count) and one EXPIRE per key. Not a MULTI: a cluster
// refuses one across hash slots, and the counts of several offers and days
// are in several. An EXPIRE lost with a connection dropped mid-pipeline
// leaves one day's counter without TTL, which nothing reads after its day.
func (q *capQueue) send(r *Redis) {
	q.mu.Lock()
	batch := q.waiting
	q.waiting = nil
	q.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), capBatchTimeout)
	defer cancel()
	pipe := r.C.Pipeline()
	incrs := make([]*redis.IntCmd, len(batch))
	expired := make(map[string]bool, 1)
	for i, c := range batch {
		incrs[i] = pipe.Incr(ctx, c.key)
		if !expired[c.key] {
			expired[c.key] = true
			pipe.Expire(ctx, c.key, capTTL)
		}
	}
	_, err := pipe.Exec(ctx)
	for i, c := range batch {
		c.count, c.err = incrs[i].Val(), err
		close(c.done)
	}
}

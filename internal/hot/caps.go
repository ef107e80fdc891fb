package hot

import (
	"context"
	"errors"
	"strconv"
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
	r.capTrips().add(call)
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

// capTrips sends the counts one round trip at a time, which keeps them in
// arrival order.
func (r *Redis) capTrips() *sharedTrips[*capCall] {
	r.capsOnce.Do(func() { r.caps = sharedTrips[*capCall]{limit: 1, send: r.sendCaps} })
	return &r.caps
}

// sendCaps counts a batch of calls in one pipeline: an INCR each (each caller
// gets its own new count) and one EXPIRE per key. Not a MULTI: a cluster
// refuses one across hash slots, and the counts of several offers and days
// are in several. An EXPIRE lost with a connection dropped mid-pipeline
// leaves one day's counter without TTL, which nothing reads after its day.
func (r *Redis) sendCaps(batch []*capCall) {
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

package hot

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// HashReader reads whole hashes (HGETALL) for many concurrent callers with
// few round trips, as Counters does for routing counters: the postback
// path reads one click hash per postback, and at a thousand postbacks a
// second the round trip, not Redis, was a tenth of a postback's CPU. The
// hashes asked for while a pipeline is out go in the next one.
type HashReader struct {
	r       *Redis
	timeout time.Duration
	trips   sharedTrips[*hashCall]
}

// hashReadsInFlight bounds the pipelines out at once; maxHashBatch the
// hashes in one.
const (
	hashReadsInFlight = 2
	maxHashBatch      = 128
)

// NewHashReader coalesces HGETALLs on r; each pipeline is bounded by timeout.
func NewHashReader(r *Redis, timeout time.Duration) *HashReader {
	h := &HashReader{r: r, timeout: timeout}
	h.trips = sharedTrips[*hashCall]{limit: hashReadsInFlight, maxBatch: maxHashBatch, send: h.send}
	return h
}

type hashCall struct {
	key  string
	vals map[string]string
	err  error
	done chan struct{}
}

// Get is HGETALL key (an empty map when the hash does not exist).
func (h *HashReader) Get(ctx context.Context, key string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	call := &hashCall{key: key, done: make(chan struct{})}
	h.trips.add(call)
	select {
	case <-call.done:
		return call.vals, call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (h *HashReader) send(batch []*hashCall) {
	ctx, cancel := context.WithTimeout(context.Background(), h.timeout)
	defer cancel()
	pipe := h.r.C.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(batch))
	for i, call := range batch {
		cmds[i] = pipe.HGetAll(ctx, call.key)
	}
	_, err := pipe.Exec(ctx)
	for i, call := range batch {
		call.vals, call.err = cmds[i].Val(), cmds[i].Err()
		if call.err == nil && err != nil && !errors.Is(err, redis.Nil) {
			call.err = err
		}
		close(call.done)
	}
}

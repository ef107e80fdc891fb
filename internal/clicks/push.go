package clicks

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/redis/go-redis/v9"
)

// pushChunk is how many events share one script call. The script runs
// atomically, so a chunk is also how long other clients (the tracking
// link's counter reads) may wait behind it: ~100 events is well under a
// millisecond of Redis time.
const pushChunk = 100

// recordScript does per event what the pipeline of HSET (HSETNX for an LP
// event), EXPIRE and XADD did, in one command for a chunk of events: the
// client builds and parses one command instead of three per click. The
// data layout is the same (hash fields d, lp, o; stream fields k, id, c,
// at, o), so readers and entries written by older nodes are unaffected.
//
// KEYS[1] is the stream, KEYS[2..] the click hashes; ARGV[1] the TTL in
// seconds, then per event: kind, id, click, and for an LP event its time
// and offer (every argument costs Redis time, and LP events are few).
var recordScript = redis.NewScript(`
local stream, ttl, a = KEYS[1], ARGV[1], 2
for i = 2, #KEYS do
  local kind, id, click, key = ARGV[a], ARGV[a + 1], ARGV[a + 2], KEYS[i]
  if kind == 'lp' then
    local at, offer = ARGV[a + 3], ARGV[a + 4]
    a = a + 5
    redis.call('HSETNX', key, 'lp', at)
    redis.call('HSETNX', key, 'o', offer)
    redis.call('EXPIRE', key, ttl)
    redis.call('XADD', stream, '*', 'k', kind, 'id', id, 'c', click, 'at', at, 'o', offer)
  else
    a = a + 3
    redis.call('HSET', key, 'd', click)
    redis.call('EXPIRE', key, ttl)
    redis.call('XADD', stream, '*', 'k', kind, 'id', id, 'c', click)
  end
end
return #KEYS - 1
`)

// push writes events to Redis in one round trip: per event the click hash
// with the attribution TTL and the stream entry for the SQL writer.
func (rec *Recorder) push(evs []event) error {
	ctx, cancel := context.WithTimeout(context.Background(), rec.opt.RedisTimeout)
	defer cancel()
	var err error
	if rec.r.Cluster() {
		// A script may only touch keys of one slot; the hashes and the
		// stream are spread over the cluster.
		err = rec.pushCommands(ctx, evs)
	} else {
		err = rec.r.EvalShaAll(ctx, recordScript, rec.scriptCalls(evs))
	}
	rec.m.flushes.Inc()
	return err
}

// scriptCalls cuts the events into script calls of pushChunk events each.
// Duplicates after a partial failure are harmless: the writer is
// idempotent by click id, and HSET/HSETNX repeat as no-ops.
func (rec *Recorder) scriptCalls(evs []event) []hot.ScriptCall {
	ttl := ttlSeconds(rec.opt.AttributionTTL)
	calls := make([]hot.ScriptCall, 0, (len(evs)+pushChunk-1)/pushChunk)
	for len(evs) > 0 {
		n := min(len(evs), pushChunk)
		keys := make([]string, 1, n+1)
		keys[0] = rec.streamKey
		args := make([]any, 1, 1+n*3)
		args[0] = ttl
		for i := range evs[:n] {
			e := &evs[i]
			keys = append(keys, rec.clickKey(e.ID))
			// The kind as a constant and the id by pointer (go-redis writes
			// a *string as the string): boxing either string would allocate.
			kind := any(kindClick)
			if e.Kind == kindLP {
				kind = kindLP
			} else if e.Kind != kindClick {
				kind = e.Kind
			}
			args = append(args, kind, &e.ID, []byte(e.Click))
			if e.Kind == kindLP {
				args = append(args, e.At, e.OfferID)
			}
		}
		calls = append(calls, hot.ScriptCall{Keys: keys, Args: args})
		evs = evs[n:]
	}
	return calls
}

// pushCommands is push as plain commands (Redis Cluster).
func (rec *Recorder) pushCommands(ctx context.Context, evs []event) error {
	pipe := rec.r.C.Pipeline()
	for _, e := range evs {
		key := rec.clickKey(e.ID)
		switch e.Kind {
		case kindClick:
			pipe.HSet(ctx, key, "d", []byte(e.Click))
		case kindLP:
			// First LP click wins, as in SQL (the writer updates only a NULL lp_clicked_at).
			pipe.HSetNX(ctx, key, "lp", e.At)
			pipe.HSetNX(ctx, key, "o", e.OfferID)
		}
		pipe.Expire(ctx, key, rec.opt.AttributionTTL)
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: rec.streamKey, Values: e.streamValues()})
	}
	_, err := pipe.Exec(ctx)
	return err
}

// clickKey is rec.r.Key("click", id) without the variadic join.
func (rec *Recorder) clickKey(id string) string {
	var b strings.Builder
	b.Grow(len(rec.r.Prefix) + len("click:") + len(id))
	b.WriteString(rec.r.Prefix)
	b.WriteString("click:")
	b.WriteString(id)
	return b.String()
}

// ttlSeconds is d in whole seconds as EXPIRE takes it (at least 1, as
// go-redis's Expire rounds).
func ttlSeconds(d time.Duration) string {
	return strconv.FormatInt(max(int64(d/time.Second), 1), 10)
}

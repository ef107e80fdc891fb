package hot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kite-tracker/kite/internal/routing"
)

// Routing counters: uniqueness marks, stream click limits and visitor
// binding. A click costs two round trips: one MGET before routing
// (ReadCounters) and one pipelined write after it (WriteCounters). Callers
// give both a short deadline; on any Redis error the counters read as
// "unique, not limited, unbound" and the click is served anyway.

// VisitorID is what identifies a visitor for uniqueness and binding.
type VisitorID struct {
	IP   string // the visitor's address as text
	UA   string // User-Agent
	Code string // the visitor code from Kite's cookie
}

// CounterRead says which counters a click's routing will look at.
type CounterRead struct {
	Visitor      VisitorID
	CampaignID   int64
	Uniq         []routing.UniqKey
	LimitStreams []int64
	Caps         []routing.CapNeed
	Bind         bool // read the visitor's binding (needs Visitor.Code)
	Now          time.Time
}

// ReadCounters reads everything q names in one round trip: a single MGET
// (a pipeline of GETs on a cluster, where MGET cannot span hash slots).
// Uniqueness marks are plain "1" strings, so an MGET answers "seen" per key
// as EXISTS did. On an error every counter reads as zero.
func (r *Redis) ReadCounters(ctx context.Context, q CounterRead) (routing.Counters, error) {
	return r.readCounters(ctx, q, r.mget)
}

// readCounters builds q's keys, reads them through mget and decodes them.
func (r *Redis) readCounters(ctx context.Context, q CounterRead, mget func(context.Context, []string) ([]any, error)) (routing.Counters, error) {
	var out routing.Counters
	var bufArr [1024]byte
	var endArr [32]int
	buf, ends := bufArr[:0], endArr[:0]
	var h ipUA
	var uniqArr [16]int
	uniqAt := uniqArr[:0] // key index of q.Uniq[i]; -1: the visitor has no identity there
	for _, u := range q.Uniq {
		at := -1
		var ok bool
		if buf, ok = appendUniq(buf, r.Prefix, u, &q.Visitor, &h); ok {
			at = len(ends)
			ends = append(ends, len(buf))
		}
		uniqAt = append(uniqAt, at)
	}
	limitsAt := len(ends)
	for _, sid := range q.LimitStreams {
		for which := limitHour; which <= limitTotal; which++ {
			buf = appendLimit(buf, r.Prefix, sid, which, q.Now)
			ends = append(ends, len(buf))
		}
	}
	capsAt := len(ends)
	for _, c := range q.Caps {
		buf = appendCap(buf, r.Prefix, c.OfferID, q.Now, c.Timezone)
		ends = append(ends, len(buf))
	}
	bindAt := -1
	if q.Bind && q.Visitor.Code != "" {
		bindAt = len(ends)
		buf = appendBind(buf, r.Prefix, q.CampaignID, q.Visitor.Code)
		ends = append(ends, len(buf))
	}
	if len(ends) == 0 {
		return out, nil
	}
	vals, err := mget(ctx, cutKeys(buf, ends, make([]string, 0, len(ends))))
	if err != nil {
		vals = nil
	}
	val := func(i int) string {
		if i < 0 || i >= len(vals) {
			return ""
		}
		s, _ := vals[i].(string)
		return s
	}
	for i, at := range uniqAt {
		if val(at) != "" {
			if out.Seen == nil {
				out.Seen = make(map[routing.UniqKey]bool, len(q.Uniq))
			}
			out.Seen[q.Uniq[i]] = true
		}
	}
	if len(q.LimitStreams) > 0 {
		out.Limits = make(map[int64]routing.LimitCount, len(q.LimitStreams))
		for i, sid := range q.LimitStreams {
			at := limitsAt + 3*i
			out.Limits[sid] = routing.LimitCount{Hour: count(val(at)), Day: count(val(at + 1)), Total: count(val(at + 2))}
		}
	}
	if len(q.Caps) > 0 {
		out.Caps = make(map[int64]int64, len(q.Caps))
		for i, c := range q.Caps {
			out.Caps[c.OfferID] = count(val(capsAt + i))
		}
	}
	if bindAt >= 0 {
		out.Bound = parseBinding(val(bindAt))
	}
	return out, err
}

// mget reads keys in one round trip; a missing key reads as nil.
func (r *Redis) mget(ctx context.Context, keys []string) ([]any, error) {
	if _, cluster := r.C.(*redis.ClusterClient); !cluster {
		return r.C.MGet(ctx, keys...).Result()
	}
	pipe := r.C.Pipeline()
	cmds := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.Get(ctx, k)
	}
	_, err := pipe.Exec(ctx)
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	vals := make([]any, len(keys))
	for i, c := range cmds {
		if v, e := c.Result(); e == nil {
			vals[i] = v
		}
	}
	return vals, err
}

func count(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// parseBinding reads "stream:landing:offer".
func parseBinding(s string) routing.Binding {
	var b routing.Binding
	i := strings.IndexByte(s, ':')
	if i < 0 {
		return b
	}
	j := strings.IndexByte(s[i+1:], ':')
	if j < 0 {
		return b
	}
	j += i + 1
	if strings.IndexByte(s[j+1:], ':') >= 0 {
		return b
	}
	b.StreamID, _ = strconv.ParseInt(s[:i], 10, 64)
	b.LandingID, _ = strconv.ParseInt(s[i+1:j], 10, 64)
	b.OfferID, _ = strconv.ParseInt(s[j+1:], 10, 64)
	return b
}

// CounterWrite records a routed click: uniqueness marks, one more click on
// the chosen stream's limits, and the visitor's binding.
type CounterWrite struct {
	Visitor     VisitorID
	CampaignID  int64
	TTL         time.Duration // the campaign's cookies_ttl
	Mark        []routing.UniqKey
	LimitStream int64            // 0: the stream has no limit filter
	Bind        *routing.Binding // nil: nothing to remember
	Now         time.Time
}

// WriteCounters applies w in one pipelined round trip.
func (r *Redis) WriteCounters(ctx context.Context, w CounterWrite) error {
	pipe := r.C.Pipeline()
	if r.queueCounterWrite(ctx, pipe, w) == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return err
}

// queueCounterWrite adds w's commands to pipe and says how many it added.
func (r *Redis) queueCounterWrite(ctx context.Context, pipe redis.Pipeliner, w CounterWrite) int {
	ttl := w.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	var bufArr [1024]byte
	var endArr [16]int
	buf, ends := bufArr[:0], endArr[:0]
	var h ipUA
	for _, u := range w.Mark {
		var ok bool
		if buf, ok = appendUniq(buf, r.Prefix, u, &w.Visitor, &h); ok {
			ends = append(ends, len(buf))
		}
	}
	marks := len(ends)
	if w.LimitStream != 0 {
		for which := limitHour; which <= limitTotal; which++ {
			buf = appendLimit(buf, r.Prefix, w.LimitStream, which, w.Now)
			ends = append(ends, len(buf))
		}
	}
	limitsEnd := len(ends)
	bind := w.Bind != nil && w.Visitor.Code != ""
	if bind {
		buf = appendBind(buf, r.Prefix, w.CampaignID, w.Visitor.Code)
		ends = append(ends, len(buf))
	}
	if len(ends) == 0 {
		return 0
	}
	var keyArr [16]string
	keys := cutKeys(buf, ends, keyArr[:0])
	for _, k := range keys[:marks] {
		pipe.Set(ctx, k, 1, ttl)
	}
	for i, k := range keys[marks:limitsEnd] {
		pipe.Incr(ctx, k)
		if exp := [3]time.Duration{2 * time.Hour, 48 * time.Hour, 0}[i]; exp > 0 {
			pipe.Expire(ctx, k, exp)
		}
	}
	if bind {
		b := w.Bind
		var v [64]byte
		val := strconv.AppendInt(v[:0], b.StreamID, 10)
		val = strconv.AppendInt(append(val, ':'), b.LandingID, 10)
		val = strconv.AppendInt(append(val, ':'), b.OfferID, 10)
		pipe.Set(ctx, keys[limitsEnd], string(val), ttl)
	}
	return len(keys)
}

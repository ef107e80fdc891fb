package hot

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kite-tracker/kite/internal/routing"
)

// Routing counters: uniqueness marks, stream click limits and visitor
// binding. A click costs two round trips: one pipelined read before routing
// (ReadCounters) and one pipelined write after it (WriteCounters). Callers
// give both a short deadline; on any Redis error the counters read as
// "unique, not limited, unbound" and the click is served anyway.

// VisitorID is what identifies a visitor for uniqueness and binding.
type VisitorID struct {
	IP   string // the visitor's address as text
	UA   string // User-Agent
	Code string // the visitor code from Kite's cookie
}

// ident is the visitor's identity under a uniqueness method, "" if unknown.
func (v VisitorID) ident(method string) string {
	switch method {
	case routing.MethodIP:
		return v.IP
	case routing.MethodCookie:
		return v.Code
	}
	if v.IP == "" {
		return ""
	}
	// ip+ua is hashed: a UA can be kilobytes long and keys should stay small.
	h := fnv.New64a()
	h.Write([]byte(v.IP))
	h.Write([]byte{0})
	h.Write([]byte(v.UA))
	return strconv.FormatUint(h.Sum64(), 36)
}

func (r *Redis) uniqKey(k routing.UniqKey, v VisitorID) string {
	id := v.ident(k.Method)
	if id == "" {
		return ""
	}
	switch k.Scope {
	case routing.ScopeGlobal:
		return r.Key("u", "g", k.Method, id)
	case routing.ScopeStream:
		return r.Key("u", "s", strconv.FormatInt(k.StreamID, 10), k.Method, id)
	}
	return r.Key("u", "c", strconv.FormatInt(k.CampaignID, 10), k.Method, id)
}

func (r *Redis) limitKeys(streamID int64, now time.Time) [3]string {
	s := strconv.FormatInt(streamID, 10)
	now = now.UTC()
	return [3]string{
		r.Key("lim", s, "h", now.Format("2006010215")),
		r.Key("lim", s, "d", now.Format("20060102")),
		r.Key("lim", s, "t"),
	}
}

func (r *Redis) bindKey(campaignID int64, code string) string {
	return r.Key("bind", strconv.FormatInt(campaignID, 10), code)
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

// ReadCounters reads everything q names in one pipelined round trip. On an
// error it still returns what it could read (the rest as zero values).
func (r *Redis) ReadCounters(ctx context.Context, q CounterRead) (routing.Counters, error) {
	var out routing.Counters
	pipe := r.C.Pipeline()
	uniq := make([]*redis.IntCmd, len(q.Uniq))
	for i, k := range q.Uniq {
		if key := r.uniqKey(k, q.Visitor); key != "" {
			uniq[i] = pipe.Exists(ctx, key)
		}
	}
	limits := make([][3]*redis.StringCmd, len(q.LimitStreams))
	for i, sid := range q.LimitStreams {
		for j, key := range r.limitKeys(sid, q.Now) {
			limits[i][j] = pipe.Get(ctx, key)
		}
	}
	caps := make([]*redis.StringCmd, len(q.Caps))
	for i, c := range q.Caps {
		caps[i] = pipe.Get(ctx, r.capKey(c.OfferID, CapDay(q.Now, c.Timezone)))
	}
	var bind *redis.StringCmd
	if q.Bind && q.Visitor.Code != "" {
		bind = pipe.Get(ctx, r.bindKey(q.CampaignID, q.Visitor.Code))
	}
	if pipe.Len() == 0 {
		return out, nil
	}
	_, err := pipe.Exec(ctx)
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	out.Seen = make(map[routing.UniqKey]bool, len(q.Uniq))
	for i, cmd := range uniq {
		if cmd != nil && cmd.Err() == nil && cmd.Val() > 0 {
			out.Seen[q.Uniq[i]] = true
		}
	}
	if len(limits) > 0 {
		out.Limits = make(map[int64]routing.LimitCount, len(limits))
		for i, sid := range q.LimitStreams {
			out.Limits[sid] = routing.LimitCount{Hour: count(limits[i][0]), Day: count(limits[i][1]), Total: count(limits[i][2])}
		}
	}
	if len(caps) > 0 {
		out.Caps = make(map[int64]int64, len(caps))
		for i, c := range q.Caps {
			out.Caps[c.OfferID] = count(caps[i])
		}
	}
	if bind != nil {
		out.Bound = parseBinding(bind.Val())
	}
	return out, err
}

func count(cmd *redis.StringCmd) int64 {
	n, err := cmd.Int64()
	if err != nil {
		return 0
	}
	return n
}

func parseBinding(s string) routing.Binding {
	var b routing.Binding
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return b
	}
	b.StreamID, _ = strconv.ParseInt(parts[0], 10, 64)
	b.LandingID, _ = strconv.ParseInt(parts[1], 10, 64)
	b.OfferID, _ = strconv.ParseInt(parts[2], 10, 64)
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
	ttl := w.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	pipe := r.C.Pipeline()
	for _, k := range w.Mark {
		if key := r.uniqKey(k, w.Visitor); key != "" {
			pipe.Set(ctx, key, 1, ttl)
		}
	}
	if w.LimitStream != 0 {
		keys := r.limitKeys(w.LimitStream, w.Now)
		for i, exp := range [3]time.Duration{2 * time.Hour, 48 * time.Hour, 0} {
			pipe.Incr(ctx, keys[i])
			if exp > 0 {
				pipe.Expire(ctx, keys[i], exp)
			}
		}
	}
	if w.Bind != nil && w.Visitor.Code != "" {
		b := w.Bind
		val := strconv.FormatInt(b.StreamID, 10) + ":" + strconv.FormatInt(b.LandingID, 10) + ":" + strconv.FormatInt(b.OfferID, 10)
		pipe.Set(ctx, r.bindKey(w.CampaignID, w.Visitor.Code), val, ttl)
	}
	if pipe.Len() == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return err
}

package clicks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// ErrUnavailable means the click could be neither found nor ruled out
// because Redis (or SQL) did not answer.
var ErrUnavailable = errors.New("click storage unavailable")

var errRedisDown = errors.New("redis is down")

// pendingCap bounds how many spooled clicks stay indexed in memory while
// Redis is down (about 10 s at 5,000 clicks/s, ~1.5 KB each); past it
// Lookup scans the spool files instead.
const pendingCap = 50_000

// pendingIndex holds clicks not yet in Redis (queued, in a batch, or
// spooled), so a postback that arrives within milliseconds still finds its
// click. Sharded to keep request goroutines off one lock.
type pendingIndex struct {
	shards [64]pendingShard
	n      atomic.Int64
}

type pendingShard struct {
	mu sync.Mutex
	m  map[string]*model.Click
}

func newPendingIndex() *pendingIndex {
	p := &pendingIndex{}
	for i := range p.shards {
		p.shards[i].m = make(map[string]*model.Click)
	}
	return p
}

func (p *pendingIndex) shard(id string) *pendingShard {
	var h uint32 = 2166136261
	for i := len(id) - 4; i >= 0 && i < len(id); i++ { // the random tail of a UUID
		h = (h ^ uint32(id[i])) * 16777619
	}
	return &p.shards[h%uint32(len(p.shards))]
}

func (p *pendingIndex) put(c *model.Click) {
	s := p.shard(c.ID)
	s.mu.Lock()
	if _, ok := s.m[c.ID]; !ok {
		p.n.Add(1)
	}
	s.m[c.ID] = c
	s.mu.Unlock()
}

func (p *pendingIndex) get(id string) *model.Click {
	s := p.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

func (p *pendingIndex) del(id string) {
	s := p.shard(id)
	s.mu.Lock()
	if _, ok := s.m[id]; ok {
		delete(s.m, id)
		p.n.Add(-1)
	}
	s.mu.Unlock()
}

func (p *pendingIndex) remove(cs []*model.Click) {
	for _, c := range cs {
		p.del(c.ID)
	}
}

func (p *pendingIndex) removeEvents(evs []event) {
	for _, e := range evs {
		if e.Kind == kindClick {
			p.del(e.ID)
		}
	}
}

func (p *pendingIndex) overCap() bool { return p.n.Load() > pendingCap }

// Lookup finds a click by id: still in memory, in Redis, in SQL, or (while
// Redis is down) in the spool. Unknown: store.ErrNotFound.
func (rec *Recorder) Lookup(ctx context.Context, id string) (*model.Click, error) {
	return rec.lookup(ctx, id, true)
}

// lookup applies the LP click recorded in Redis when withLP is set; the LP
// path wants the click as first recorded.
func (rec *Recorder) lookup(ctx context.Context, id string, withLP bool) (*model.Click, error) {
	id, ok := canonicalID(id)
	if !ok {
		return nil, store.ErrNotFound
	}
	if c := rec.pending.get(id); c != nil {
		cp := *c
		return &cp, nil
	}
	var c *model.Click
	redisErr := errRedisDown
	if !rec.down.Load() { // while down, do not wait a timeout per lookup
		c, redisErr = rec.lookupRedis(ctx, id, withLP)
		if c != nil {
			return c, nil
		}
	}
	c, sqlErr := lookupSQL(ctx, rec.st, id)
	if c != nil {
		return c, nil
	}
	if redisErr != nil {
		if e, ok := rec.spool.find(id); ok {
			if cl, err := e.decodeClick(); err == nil {
				return &cl, nil
			}
		}
	}
	if redisErr != nil || sqlErr != nil {
		return nil, fmt.Errorf("%w: redis: %v, sql: %v", ErrUnavailable, redisErr, sqlErr)
	}
	return nil, store.ErrNotFound
}

// lookupRedis reads the click hash; (nil, nil) when Redis does not have it.
func (rec *Recorder) lookupRedis(ctx context.Context, id string, withLP bool) (*model.Click, error) {
	ctx, cancel := context.WithTimeout(ctx, rec.opt.RedisTimeout)
	defer cancel()
	h, err := rec.hashes.Get(ctx, rec.r.Key("click", id))
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	if h["d"] == "" {
		return nil, nil
	}
	var c model.Click
	if err := unmarshalClick([]byte(h["d"]), &c); err != nil {
		return nil, fmt.Errorf("decode click hash %s: %w", id, err)
	}
	if withLP && h["lp"] != "" {
		if at, err := time.Parse(time.RFC3339Nano, h["lp"]); err == nil {
			c.LPClickedAt = &at
		}
		if o, _ := strconv.ParseInt(h["o"], 10, 64); o != 0 {
			c.OfferID = o
		}
	}
	return &c, nil
}

// lookupSQL reads the click row; (nil, nil) when there is none. The day
// window around the id's time lets Postgres prune to a few partitions.
func lookupSQL(ctx context.Context, st *store.Store, id string) (*model.Click, error) {
	var c model.Click
	q := st.DB.WithContext(ctx).Table("clicks").Where("id = ?", id)
	if t, ok := uuidTime(id); ok {
		q = q.Where("created_at BETWEEN ? AND ?", t.Add(-24*time.Hour), t.Add(24*time.Hour))
	}
	err := q.Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, nil
}

// RecordLPClick records that the visitor of click clickID went from the
// landing to offer offerID at at: first in the click hash (so a postback
// sees it at once), then as an LP event that the writer applies to SQL and
// the rollup exactly once. Unknown click: store.ErrNotFound.
func (rec *Recorder) RecordLPClick(ctx context.Context, clickID string, at time.Time, offerID int64) error {
	c, err := rec.lookup(ctx, clickID, false)
	if err != nil {
		return err
	}
	c.LPClickedAt = nil
	e, err := clickEvent(c)
	if err != nil {
		return err
	}
	e.Kind, e.At, e.OfferID = kindLP, at.UTC().Format(time.RFC3339Nano), offerID
	evs := []event{e}
	if !rec.down.Load() {
		if err := rec.push(evs); err == nil {
			return nil
		}
		rec.down.Store(true)
	}
	if err := rec.spool.append(evs); err != nil {
		return fmt.Errorf("record LP click: %w", err)
	}
	rec.m.spooled.Inc()
	return nil
}

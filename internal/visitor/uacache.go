package visitor

import (
	"hash/maphash"
	"sync"
)

// uaCache is a bounded map from User-Agent to its parsed result.
//
// Each shard keeps two generations: lookups hit the current map under a read
// lock; when it fills up, it becomes the old generation and a fresh map
// starts. An entry still in use is found in the old map and copied forward,
// so the cache behaves like an LRU at a fraction of the bookkeeping: no list
// to update, and the common case (a hit) takes only a shared read lock on one
// of 16 shards.
type uaCache struct {
	seed   maphash.Seed
	shards [uaCacheShards]uaShard
}

const uaCacheShards = 16

type uaShard struct {
	mu       sync.RWMutex
	cur, old map[string]agentInfo
	max      int
}

func newUACache(size int) *uaCache {
	if size <= 0 {
		size = DefaultUACacheSize
	}
	c := &uaCache{seed: maphash.MakeSeed()}
	per := max(size/uaCacheShards/2, 8) // two generations share the budget
	for i := range c.shards {
		c.shards[i] = uaShard{cur: make(map[string]agentInfo, per), max: per}
	}
	return c
}

func (c *uaCache) shard(ua string) *uaShard {
	return &c.shards[maphash.String(c.seed, ua)%uaCacheShards]
}

func (c *uaCache) get(ua string) (agentInfo, bool) {
	s := c.shard(ua)
	s.mu.RLock()
	v, ok := s.cur[ua]
	inOld := false
	if !ok {
		v, ok = s.old[ua]
		inOld = ok
	}
	s.mu.RUnlock()
	if inOld {
		s.put(ua, v)
	}
	return v, ok
}

func (c *uaCache) put(ua string, v agentInfo) { c.shard(ua).put(ua, v) }

func (s *uaShard) put(ua string, v agentInfo) {
	s.mu.Lock()
	if len(s.cur) >= s.max {
		s.old = s.cur
		s.cur = make(map[string]agentInfo, s.max)
	}
	s.cur[ua] = v
	s.mu.Unlock()
}

// len counts entries in both generations (tests).
func (c *uaCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.cur) + len(s.old)
		s.mu.RUnlock()
	}
	return n
}

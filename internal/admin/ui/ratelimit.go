package ui

import (
	"sync"
	"time"
)

// Limiter counts failed logins per key (an IP, or an account) in a sliding
// window. It lives in memory: one node's counts are enough to make password
// guessing hopeless (5 tries per 15 minutes), and a restart only forgives.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

// NewLimiter allows max failures per window for each key.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{max: max, window: window, now: now, failures: map[string][]time.Time{}}
}

// Blocked tells whether key used up its failures in the current window.
func (l *Limiter) Blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.prune(key)) >= l.max
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[key] = append(l.prune(key), l.now())
	if len(l.failures) > 100_000 {
		l.sweep() // an attacker rotating keys must not grow the map forever
	}
}

// Reset forgets key's failures (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// prune drops failures older than the window; the caller holds mu.
func (l *Limiter) prune(key string) []time.Time {
	list := l.failures[key]
	cutoff := l.now().Add(-l.window)
	i := 0
	for i < len(list) && !list[i].After(cutoff) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = list
	return list
}

func (l *Limiter) sweep() {
	for key := range l.failures {
		l.prune(key)
	}
}

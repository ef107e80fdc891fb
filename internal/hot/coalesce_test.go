package hot_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/testenv"
)

// Many clicks at once through the coalescer: every visitor gets the answer
// for its own keys, never a neighbour's, whether its read went alone or in a
// shared MGET, and every queued write lands.
func TestCountersCoalesceConcurrentClicks(t *testing.T) {
	r := testenv.Redis(t)
	c := hot.NewCounters(r, time.Second, nil)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	uniq := []routing.UniqKey{{Scope: routing.ScopeCampaign, Method: routing.MethodIP, CampaignID: 1}}
	visitor := func(i int) hot.VisitorID {
		return hot.VisitorID{IP: fmt.Sprintf("198.51.100.%d", i%250), Code: fmt.Sprint(i)}
	}

	// Visitors with an even number clicked before (and stream 7 counted them).
	for i := 0; i < 250; i += 2 {
		c.Write(hot.CounterWrite{Visitor: visitor(i), CampaignID: 1, TTL: time.Hour, Mark: uniq, LimitStream: 7, Now: now})
	}
	c.Drain()

	tests := []struct {
		name    string
		workers int
		clicks  int
	}{
		{"one at a time", 1, 50},
		{"a crowd", 64, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wrong, failed atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < tt.workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := w; i < tt.clicks; i += tt.workers {
						got, err := c.Read(ctx, hot.CounterRead{Visitor: visitor(i), CampaignID: 1, Uniq: uniq,
							LimitStreams: []int64{7}, Now: now})
						if err != nil {
							failed.Add(1)
							continue
						}
						if seen, want := got.Seen[uniq[0]], i%250%2 == 0; seen != want {
							wrong.Add(1)
						}
					}
				}(w)
			}
			wg.Wait()
			if failed.Load() != 0 || wrong.Load() != 0 {
				t.Fatalf("%d reads failed, %d answered another visitor's uniqueness", failed.Load(), wrong.Load())
			}
		})
	}
	got, err := r.ReadCounters(ctx, hot.CounterRead{LimitStreams: []int64{7}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got.Limits[7].Total != 125 {
		t.Fatalf("stream 7 counted %d clicks, want the 125 queued writes", got.Limits[7].Total)
	}
}

// inFlight is a go-redis hook that counts MGETs: how many were sent and the
// most that were out at once.
type inFlight struct {
	now, most, sent atomic.Int64
}

func (h *inFlight) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *inFlight) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *inFlight) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "mget" {
			return next(ctx, cmd)
		}
		h.sent.Add(1)
		n := h.now.Add(1)
		for m := h.most.Load(); n > m && !h.most.CompareAndSwap(m, n); m = h.most.Load() {
		}
		time.Sleep(time.Millisecond) // a slow round trip, so clicks pile up behind it
		defer h.now.Add(-1)
		return next(ctx, cmd)
	}
}

// A crowd of clicks shares MGETs, one out at a time: every round trip costs
// both sides two system calls whatever it carries, so clicks that arrive
// while one is out wait for it and ride the next together.
func TestCountersOneReadAtATime(t *testing.T) {
	r := testenv.Redis(t)
	hook := &inFlight{}
	r.C.AddHook(hook)
	c := hot.NewCounters(r, time.Second, nil)
	uniq := []routing.UniqKey{{Scope: routing.ScopeGlobal, Method: routing.MethodIP}}
	const clicks = 400
	var wg sync.WaitGroup
	for i := 0; i < clicks; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := hot.CounterRead{Visitor: hot.VisitorID{IP: fmt.Sprintf("203.0.113.%d", i%250)}, Uniq: uniq, Now: time.Now()}
			if _, err := c.Read(context.Background(), q); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if most := hook.most.Load(); most != 1 {
		t.Errorf("%d MGETs were out at once, want 1", most)
	}
	if sent := hook.sent.Load(); sent*4 > clicks {
		t.Errorf("%d clicks took %d MGETs: they did not share round trips", clicks, sent)
	}
}

// A dead Redis: each waiting click gets the error (and reads as unique),
// failed write batches are reported, and Drain still returns.
func TestCountersDeadRedis(t *testing.T) {
	r := testenv.Redis(t)
	dead := &hot.Redis{C: r.C, Prefix: r.Prefix}
	_ = r.C.Close()
	var reported atomic.Int64
	c := hot.NewCounters(dead, 100*time.Millisecond, func(error) { reported.Add(1) })
	q := hot.CounterRead{Visitor: hot.VisitorID{IP: "1.2.3.4"}, CampaignID: 1,
		Uniq: []routing.UniqKey{{Scope: routing.ScopeGlobal, Method: routing.MethodIP}}, Now: time.Now()}
	var wg sync.WaitGroup
	var errs atomic.Int64
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := c.Read(context.Background(), q)
			if err != nil {
				errs.Add(1)
			}
			if len(got.Seen) != 0 {
				t.Errorf("a dead Redis must read as unique, got %v", got.Seen)
			}
		}()
	}
	wg.Wait()
	if errs.Load() != 20 {
		t.Fatalf("%d of 20 reads reported the error", errs.Load())
	}
	c.Write(hot.CounterWrite{Visitor: q.Visitor, CampaignID: 1, Mark: q.Uniq, TTL: time.Hour, Now: q.Now})
	c.Drain()
	if reported.Load() == 0 {
		t.Fatal("a failed write batch was not reported")
	}
}

// A click whose deadline passes stops waiting for the shared round trip.
func TestCountersReadHonoursDeadline(t *testing.T) {
	r := testenv.Redis(t)
	c := hot.NewCounters(r, time.Second, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Read(ctx, hot.CounterRead{Visitor: hot.VisitorID{IP: "1.2.3.4"},
		Uniq: []routing.UniqKey{{Scope: routing.ScopeGlobal, Method: routing.MethodIP}}, Now: time.Now()})
	if err == nil {
		t.Fatal("a cancelled click got counters")
	}
}

// Read gives up after the Counters' timeout, or when the click's context ends,
// whichever comes first, with the error a context deadline gave: the
// clicks sending a round trip (bounded by the Counters' own timeout, the
// same in the handler) and the clicks waiting for the next one alike.
func TestCountersReadTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // a Redis that accepts and never answers
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	hung := &hot.Redis{C: redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true})}
	defer hung.C.Close()
	const timeout = 50 * time.Millisecond
	c := hot.NewCounters(hung, timeout, nil)
	q := hot.CounterRead{Visitor: hot.VisitorID{IP: "1.2.3.4"},
		Uniq: []routing.UniqKey{{Scope: routing.ScopeGlobal, Method: routing.MethodIP}}, Now: time.Now()}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		clicks int
		want   error
	}{
		{"one click", context.Background(), 1, context.DeadlineExceeded},
		{"more clicks than round trips in flight", context.Background(), 12, context.DeadlineExceeded},
		{"again, on pooled timers", context.Background(), 12, context.DeadlineExceeded},
		{"cancelled click", cancelled, 1, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for range tt.clicks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					start := time.Now()
					got, err := c.Read(tt.ctx, q)
					if !errors.Is(err, tt.want) {
						t.Errorf("err = %v, want %v", err, tt.want)
					}
					if waited := time.Since(start); waited > timeout+time.Second {
						t.Errorf("waited %v for a %v timeout", waited, timeout)
					}
					if len(got.Seen) != 0 {
						t.Errorf("a timed-out read must read as unique, got %v", got.Seen)
					}
				}()
			}
			wg.Wait()
		})
	}
}

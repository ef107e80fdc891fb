package hot_test

import (
	"context"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/testenv"
)

func TestUniquenessCounters(t *testing.T) {
	r := testenv.Redis(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	alice := hot.VisitorID{IP: "203.0.113.7", UA: "UA-1", Code: "code-a"}
	sameIPOtherUA := hot.VisitorID{IP: "203.0.113.7", UA: "UA-2", Code: "code-b"}
	keys := []routing.UniqKey{
		{Scope: routing.ScopeCampaign, Method: routing.MethodIP, CampaignID: 1},
		{Scope: routing.ScopeCampaign, Method: routing.MethodIPUA, CampaignID: 1},
		{Scope: routing.ScopeCampaign, Method: routing.MethodCookie, CampaignID: 1},
		{Scope: routing.ScopeStream, Method: routing.MethodIPUA, CampaignID: 1, StreamID: 5},
		{Scope: routing.ScopeGlobal, Method: routing.MethodIPUA},
		{Scope: routing.ScopeCampaign, Method: routing.MethodIPUA, CampaignID: 2},
	}
	read := func(v hot.VisitorID) map[routing.UniqKey]bool {
		c, err := r.ReadCounters(ctx, hot.CounterRead{Visitor: v, CampaignID: 1, Uniq: keys, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return c.Seen
	}
	if seen := read(alice); len(seen) != 0 {
		t.Fatalf("a new visitor is unique everywhere, got %v", seen)
	}
	// Alice clicks campaign 1 and lands in stream 5.
	if err := r.WriteCounters(ctx, hot.CounterWrite{Visitor: alice, CampaignID: 1, TTL: time.Hour, Mark: keys[:5], Now: now}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		visitor hot.VisitorID
		key     routing.UniqKey
		seen    bool
	}{
		{"same visitor, campaign by ip", alice, keys[0], true},
		{"same visitor, stream", alice, keys[3], true},
		{"same visitor, global", alice, keys[4], true},
		{"same visitor, other campaign", alice, keys[5], false},
		{"same ip other ua, by ip", sameIPOtherUA, keys[0], true},
		{"same ip other ua, by ip_ua", sameIPOtherUA, keys[1], false},
		{"same ip other ua, by cookie", sameIPOtherUA, keys[2], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := read(tt.visitor)[tt.key]; got != tt.seen {
				t.Fatalf("seen = %v, want %v", got, tt.seen)
			}
		})
	}
	ttl := r.C.TTL(ctx, r.Key("u", "c", "1", "ip", "203.0.113.7")).Val()
	if ttl <= 0 || ttl > time.Hour {
		t.Fatalf("uniqueness keys need the cookies_ttl expiry, got %v", ttl)
	}
}

func TestLimitCapAndBindingCounters(t *testing.T) {
	r := testenv.Redis(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 10, 59, 0, 0, time.UTC)
	v := hot.VisitorID{IP: "198.51.100.1", UA: "ua", Code: "vc1"}
	for range 3 {
		if err := r.WriteCounters(ctx, hot.CounterWrite{Visitor: v, CampaignID: 1, LimitStream: 7, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	// One more click in the next hour.
	next := now.Add(2 * time.Minute)
	bind := &routing.Binding{StreamID: 7, LandingID: 3, OfferID: 9}
	if err := r.WriteCounters(ctx, hot.CounterWrite{Visitor: v, CampaignID: 1, LimitStream: 7, Bind: bind, TTL: time.Hour, Now: next}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := r.IncrOfferCap(ctx, 9, hot.CapDay(next, "Europe/Berlin")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := r.ReadCounters(ctx, hot.CounterRead{Visitor: v, CampaignID: 1, LimitStreams: []int64{7, 8},
		Caps: []routing.CapNeed{{OfferID: 9, Timezone: "Europe/Berlin"}, {OfferID: 10}}, Bind: true, Now: next})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Limits[7]; got != (routing.LimitCount{Hour: 1, Day: 4, Total: 4}) {
		t.Fatalf("stream 7 limits = %+v", got)
	}
	if got := c.Limits[8]; got != (routing.LimitCount{}) {
		t.Fatalf("stream 8 limits = %+v", got)
	}
	if c.Caps[9] != 4 || c.Caps[10] != 0 {
		t.Fatalf("caps = %v", c.Caps)
	}
	if c.Bound != *bind {
		t.Fatalf("binding = %+v", c.Bound)
	}
	other, _ := r.ReadCounters(ctx, hot.CounterRead{Visitor: hot.VisitorID{Code: "vc2"}, CampaignID: 1, Bind: true, Now: next})
	if other.Bound != (routing.Binding{}) {
		t.Fatalf("another visitor must not be bound: %+v", other.Bound)
	}
}

func TestCountersSurviveDeadRedis(t *testing.T) {
	r := testenv.Redis(t)
	dead := &hot.Redis{C: r.C, Prefix: r.Prefix}
	_ = r.C.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	c, err := dead.ReadCounters(ctx, hot.CounterRead{Visitor: hot.VisitorID{IP: "1.2.3.4"}, CampaignID: 1,
		Uniq: []routing.UniqKey{{Scope: routing.ScopeGlobal, Method: routing.MethodIP}}, LimitStreams: []int64{1}, Now: time.Now()})
	if err == nil {
		t.Fatal("want an error from a closed client")
	}
	if len(c.Seen) != 0 || c.Limits[1] != (routing.LimitCount{}) {
		t.Fatalf("a dead Redis must read as unique and unlimited, got %+v", c)
	}
}

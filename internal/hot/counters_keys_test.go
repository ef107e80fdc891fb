package hot_test

import (
	"context"
	"hash/fnv"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/testenv"
)

// oldIPUA is how ip_ua identities were spelled before keys were appended
// into one buffer: counters written by an older Kite must still count.
func oldIPUA(ip, ua string) string {
	h := fnv.New64a()
	h.Write([]byte(ip))
	h.Write([]byte{0})
	h.Write([]byte(ua))
	return strconv.FormatUint(h.Sum64(), 36)
}

// TestCounterKeysKeepTheirSpelling writes counters under the keys Key(...)
// builds and reads them back through ReadCounters, so key spelling cannot
// drift (an upgrade would otherwise make every visitor unique again).
func TestCounterKeysKeepTheirSpelling(t *testing.T) {
	r := testenv.Redis(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	v := hot.VisitorID{IP: "2001:db8::1", UA: "Mozilla/5.0 (iPhone)", Code: "0123456789abcdef"}
	tests := []struct {
		name string
		key  string
		uniq routing.UniqKey
	}{
		{"campaign by ip", r.Key("u", "c", "12", "ip", v.IP), routing.UniqKey{Scope: routing.ScopeCampaign, Method: routing.MethodIP, CampaignID: 12}},
		{"stream by ip_ua", r.Key("u", "s", "34", "ip_ua", oldIPUA(v.IP, v.UA)), routing.UniqKey{Scope: routing.ScopeStream, Method: routing.MethodIPUA, CampaignID: 12, StreamID: 34}},
		{"global by cookie", r.Key("u", "g", "cookie", v.Code), routing.UniqKey{Scope: routing.ScopeGlobal, Method: routing.MethodCookie}},
		{"campaign by ip_ua", r.Key("u", "c", "12", "ip_ua", oldIPUA(v.IP, v.UA)), routing.UniqKey{Scope: routing.ScopeCampaign, Method: routing.MethodIPUA, CampaignID: 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := hot.CounterRead{Visitor: v, CampaignID: 12, Uniq: []routing.UniqKey{tt.uniq}, Now: now}
			if c, _ := r.ReadCounters(ctx, q); c.Seen[tt.uniq] {
				t.Fatal("seen before any write")
			}
			r.C.Set(ctx, tt.key, 1, time.Minute)
			c, err := r.ReadCounters(ctx, q)
			if err != nil || !c.Seen[tt.uniq] {
				t.Fatalf("key %s not read back: seen=%v err=%v", tt.key, c.Seen, err)
			}
		})
	}
	berlin := hot.CapDay(now, "Europe/Berlin") // already the next day there
	r.C.Set(ctx, r.Key("lim", "34", "h", "2026113023"), 5, time.Minute)
	r.C.Set(ctx, r.Key("lim", "34", "d", "20261130"), 6, time.Minute)
	r.C.Set(ctx, r.Key("lim", "34", "t"), 7, time.Minute)
	r.C.Set(ctx, r.Key("cap", "9", berlin), 8, time.Minute)
	r.C.Set(ctx, r.Key("bind", "12", v.Code), "34:0:9", time.Minute)
	c, err := r.ReadCounters(ctx, hot.CounterRead{Visitor: v, CampaignID: 12, LimitStreams: []int64{34},
		Caps: []routing.CapNeed{{OfferID: 9, Timezone: "Europe/Berlin"}}, Bind: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if berlin != "2026-12-01" || c.Limits[34] != (routing.LimitCount{Hour: 5, Day: 6, Total: 7}) || c.Caps[9] != 8 ||
		c.Bound != (routing.Binding{StreamID: 34, OfferID: 9}) {
		t.Fatalf("day %s, counters %+v", berlin, c)
	}
	// Written keys are the same spelling too.
	w := hot.CounterWrite{Visitor: v, CampaignID: 12, TTL: time.Hour, LimitStream: 35, Now: now,
		Mark: []routing.UniqKey{{Scope: routing.ScopeGlobal, Method: routing.MethodIPUA}}, Bind: &routing.Binding{StreamID: 35, LandingID: 2, OfferID: 3}}
	if err := r.WriteCounters(ctx, w); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		r.Key("u", "g", "ip_ua", oldIPUA(v.IP, v.UA)): "1",
		r.Key("lim", "35", "h", "2026113023"):         "1",
		r.Key("lim", "35", "d", "20261130"):           "1",
		r.Key("lim", "35", "t"):                       "1",
		r.Key("bind", "12", v.Code):                   "35:2:3",
	} {
		if got := r.C.Get(ctx, key).Val(); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

// TestCountersThroughClusterClient: a cluster refuses MGET across hash
// slots, so reads there go through a pipeline of GETs with the same answers.
func TestCountersThroughClusterClient(t *testing.T) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{m.Addr()}})
	defer cc.Close()
	r := &hot.Redis{C: cc, Prefix: "cl:"}
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	v := hot.VisitorID{IP: "192.0.2.1", UA: "ua", Code: "code-cluster"}
	uniq := []routing.UniqKey{
		{Scope: routing.ScopeCampaign, Method: routing.MethodIPUA, CampaignID: 1},
		{Scope: routing.ScopeStream, Method: routing.MethodIP, CampaignID: 1, StreamID: 2},
		{Scope: routing.ScopeGlobal, Method: routing.MethodCookie},
	}
	w := hot.CounterWrite{Visitor: v, CampaignID: 1, TTL: time.Hour, Mark: uniq[:2], LimitStream: 2,
		Bind: &routing.Binding{StreamID: 2, OfferID: 5}, Now: now}
	if err := r.WriteCounters(ctx, w); err != nil {
		t.Fatal(err)
	}
	c, err := r.ReadCounters(ctx, hot.CounterRead{Visitor: v, CampaignID: 1, Uniq: uniq, LimitStreams: []int64{2},
		Caps: []routing.CapNeed{{OfferID: 5}}, Bind: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Seen[uniq[0]] || !c.Seen[uniq[1]] || c.Seen[uniq[2]] {
		t.Fatalf("seen = %v", c.Seen)
	}
	if c.Limits[2] != (routing.LimitCount{Hour: 1, Day: 1, Total: 1}) || c.Caps[5] != 0 || c.Bound != (routing.Binding{StreamID: 2, OfferID: 5}) {
		t.Fatalf("counters = %+v", c)
	}
}

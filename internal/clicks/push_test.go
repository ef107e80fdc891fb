package clicks

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/redis/go-redis/v9"
)

// TestPushLayout: a push leaves, per click, the hash (field d, the
// attribution TTL) and one stream entry (k, id, c) that readers expect, also
// after Redis lost its script cache; an LP event keeps the first LP click.
func TestPushLayout(t *testing.T) {
	st, r := env(t)
	ctx := context.Background()
	rec := NewRecorder(testOptions(t), r, st, nil)
	cs := make([]*model.Click, pushChunk+7) // more than one script call
	for i := range cs {
		cs[i] = newClick(t, i)
	}
	if err := r.C.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	before, _ := r.C.XLen(ctx, rec.streamKey).Result()
	if err := rec.push(rec.encode(cs)); err != nil {
		t.Fatalf("push after SCRIPT FLUSH: %v", err)
	}
	for _, c := range []*model.Click{cs[0], cs[len(cs)-1]} {
		h, err := r.C.HGetAll(ctx, r.Key("click", c.ID)).Result()
		if err != nil {
			t.Fatal(err)
		}
		var got model.Click
		if err := unmarshalClick([]byte(h["d"]), &got); err != nil || got.ID != c.ID || got.SubID1 != c.SubID1 {
			t.Fatalf("click hash %v: decoded %+v, %v", h, got, err)
		}
		if ttl := r.C.TTL(ctx, r.Key("click", c.ID)).Val(); ttl < 29*24*time.Hour {
			t.Fatalf("click hash TTL %v, want the 30-day attribution window", ttl)
		}
	}
	entries, err := r.C.XRange(ctx, rec.streamKey, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(entries)) - before; n < int64(len(cs)) {
		t.Fatalf("%d new stream entries, want %d", n, len(cs))
	}
	last := entries[len(entries)-1]
	if e, err := eventFromStream(last.Values); err != nil || e.Kind != kindClick || e.ID != cs[len(cs)-1].ID {
		t.Fatalf("last entry %v: %+v, %v", last.Values, e, err)
	}

	lp := func(at string, offer int64) event {
		e, err := clickEvent(cs[0])
		if err != nil {
			t.Fatal(err)
		}
		e.Kind, e.At, e.OfferID = kindLP, at, offer
		return e
	}
	first, second := "2026-11-29T10:00:00Z", "2026-11-29T11:00:00Z"
	if err := rec.push([]event{lp(first, 7), lp(second, 8)}); err != nil {
		t.Fatal(err)
	}
	h := r.C.HGetAll(ctx, r.Key("click", cs[0].ID)).Val()
	if h["lp"] != first || h["o"] != "7" || h["d"] == "" {
		t.Fatalf("click hash after two LP clicks: %v, want the first (lp %s, o 7) and the click", h, first)
	}
	entries = r.C.XRevRangeN(ctx, rec.streamKey, "+", "-", 1).Val()
	if e, err := eventFromStream(entries[0].Values); err != nil || e.Kind != kindLP || e.At != second || e.OfferID != 8 {
		t.Fatalf("last LP entry %v: %+v, %v", entries[0].Values, e, err)
	}
}

// TestPushThroughClusterClient: on Redis Cluster, where a script may not
// span hash slots, push falls back to plain commands with the same layout.
func TestPushThroughClusterClient(t *testing.T) {
	st, _ := env(t)
	m := miniredis.RunT(t)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{m.Addr()}})
	defer cc.Close()
	r := &hot.Redis{C: cc, Prefix: "cl:"}
	rec := NewRecorder(testOptions(t), r, st, nil)
	c := newClick(t, 1)
	if err := rec.push(rec.encode([]*model.Click{c})); err != nil {
		t.Fatal(err)
	}
	if got := m.HGet("cl:click:"+c.ID, "d"); got == "" {
		t.Fatal("no click hash")
	}
	if ttl := m.TTL("cl:click:" + c.ID); ttl < 29*24*time.Hour {
		t.Fatalf("click hash TTL %v", ttl)
	}
	if n := len(m.Keys()); n != 2 {
		t.Fatalf("keys %v, want the hash and the stream", m.Keys())
	}
}

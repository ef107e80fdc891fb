package clicks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// ownRedis is a miniredis this test can stop and start, to play a Redis outage.
func ownRedis(t *testing.T) (*miniredis.Miniredis, *hot.Redis) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	c := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { c.Close() })
	return m, &hot.Redis{C: c, Prefix: "kt:"}
}

// TestRedisDownSpoolsThenReplays: with Redis stopped every click goes to the
// spool (and stays findable); when Redis returns the spool is replayed and
// every click lands in SQL exactly once.
func TestRedisDownSpoolsThenReplays(t *testing.T) {
	st := testenv.Store(t)
	m, r := ownRedis(t)
	opt := testOptions(t)
	rec := NewRecorder(opt, r, st, nil)
	stopRec := start(t, rec.Run)

	m.Close() // Redis goes away
	const n = 300
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		c := newClick(t, i)
		ids[i] = c.ID
		rec.Record(c)
	}
	waitFor(t, "clicks spooled", 10*time.Second, func() bool { return spoolLines(t, opt.SpoolDir) == n })
	got, err := rec.Lookup(context.Background(), ids[7])
	if err != nil || got.ID != ids[7] {
		t.Fatalf("lookup of a spooled click: %v %v", got, err)
	}
	if !rec.down.Load() {
		t.Fatal("recorder does not know Redis is down")
	}

	if err := m.Restart(); err != nil { // Redis is back, on the same address
		t.Fatal(err)
	}
	// miniredis leaves its blocking-command context cancelled after Close;
	// a real Redis has no such state, so give it a fresh one.
	m.Ctx, m.CtxCancel = context.WithCancel(context.Background())
	waitFor(t, "spool replayed", 10*time.Second, func() bool {
		return spoolLines(t, opt.SpoolDir) == 0 && !rec.down.Load()
	})
	w := NewWriter(opt, r, st, nil)
	start(t, w.Run)
	waitFor(t, "clicks in SQL", 20*time.Second, func() bool { return countSQL(t, st) == n })
	// Clicks recorded after the outage take the normal path again.
	rec.Record(newClick(t, n))
	waitFor(t, "post-outage click in SQL", 10*time.Second, func() bool { return countSQL(t, st) == n+1 })
	stopRec()
	if got := rollupSums(t, st).Clicks; got != n+1 {
		t.Fatalf("rollup clicks = %d, want %d", got, n+1)
	}
}

// TestSpoolFromDeadRedisReplayedByNextProcess: a node whose Redis address is
// dead spools; the next process on the same spool directory, with Redis up,
// replays it at start.
func TestSpoolFromDeadRedisReplayedByNextProcess(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	dead := &hot.Redis{C: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}), Prefix: r.Prefix}
	t.Cleanup(func() { dead.C.Close() })
	first := NewRecorder(opt, dead, st, nil)
	stopFirst := start(t, first.Run)
	const n = 120
	for i := 0; i < n; i++ {
		first.Record(newClick(t, i))
	}
	stopFirst() // graceful stop while Redis is down: everything goes to disk
	if got := spoolLines(t, opt.SpoolDir); got != n {
		t.Fatalf("spooled %d, want %d", got, n)
	}
	second := NewRecorder(opt, r, st, nil)
	start(t, second.Run)
	start(t, NewWriter(opt, r, st, nil).Run)
	waitFor(t, "clicks in SQL", 20*time.Second, func() bool { return countSQL(t, st) == n })
	waitFor(t, "spool emptied", 5*time.Second, func() bool { return spoolLines(t, opt.SpoolDir) == 0 })
}

// TestGracefulDrain: 10,000 clicks recorded then ctx cancelled: every one is
// in the stream or the spool when Run returns, and all reach SQL.
func TestGracefulDrain(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	opt.FlushInterval = 50 * time.Millisecond // keep plenty in memory at cancel time
	rec := NewRecorder(opt, r, st, nil)
	stop := start(t, rec.Run)
	const n = 10000
	for i := 0; i < n; i++ {
		rec.Record(newClick(t, i))
	}
	stop()
	held := int(streamLen(t, r)) + spoolLines(t, opt.SpoolDir)
	if held != n {
		t.Fatalf("after drain: %d in stream + spool, want %d", held, n)
	}
	late := newClick(t, n) // a request finishing after the drain
	rec.Record(late)
	if spoolLines(t, opt.SpoolDir) == 0 {
		t.Fatal("click recorded after drain is not in the spool")
	}
	rec2 := NewRecorder(opt, r, st, nil)
	start(t, rec2.Run)
	start(t, NewWriter(opt, r, st, nil).Run)
	if raceEnabled && !st.IsPostgres() {
		t.Log("-race with SQLite: 10,001 inserts take minutes; the drain itself is checked above")
		return
	}
	waitFor(t, "clicks in SQL", 60*time.Second, func() bool { return countSQL(t, st) == n+1 })
}

// TestStrictDurability: in strict mode Record returns only once the click is
// in Redis, or fsynced to the spool when Redis is down.
func TestStrictDurability(t *testing.T) {
	st := testenv.Store(t)
	m, r := ownRedis(t)
	opt := testOptions(t)
	opt.Durability = DurabilityStrict
	rec := NewRecorder(opt, r, st, nil)
	start(t, rec.Run)
	c := newClick(t, 1)
	rec.Record(c)
	if !m.Exists(r.Key("click", c.ID)) {
		t.Fatal("strict Record returned before the click hash was in Redis")
	}
	m.Close()
	c2 := newClick(t, 2)
	rec.Record(c2)
	if spoolLines(t, opt.SpoolDir) != 1 {
		t.Fatal("strict Record returned before the click was in the spool")
	}
}

// TestLookup finds a click wherever it is.
func TestLookup(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	ctx := context.Background()
	rec := NewRecorder(opt, r, st, nil)

	inBatch := newClick(t, 1)
	rec.Record(inBatch) // Run not started: the click waits in memory
	inSQL := newClick(t, 2)
	if err := InsertBatch(ctx, st, []model.Click{*inSQL}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		id      string
		wantErr error
	}{
		{"in the batch", inBatch.ID, nil},
		{"in SQL only", inSQL.ID, nil},
		{"unknown", newClick(t, 3).ID, store.ErrNotFound},
		{"malformed", "not-a-uuid", store.ErrNotFound},
	}
	for _, tc := range cases {
		got, err := rec.Lookup(ctx, tc.id)
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("%s: err %v, want %v", tc.name, err, tc.wantErr)
		}
		if err == nil && (got.ID != tc.id || got.SubID1 == "") {
			t.Fatalf("%s: got %+v", tc.name, got)
		}
	}
	start(t, rec.Run)
	waitFor(t, "batch flushed", 5*time.Second, func() bool { return rec.pending.get(inBatch.ID) == nil })
	got, err := rec.lookupRedis(ctx, inBatch.ID, true)
	if err != nil || got == nil || got.SubID1 != inBatch.SubID1 || !got.CreatedAt.Equal(inBatch.CreatedAt) {
		t.Fatalf("in Redis: %+v %v", got, err)
	}
	if ttl := r.C.TTL(ctx, r.Key("click", inBatch.ID)).Val(); ttl < 29*24*time.Hour {
		t.Fatalf("click hash TTL %v, want the 30-day attribution window", ttl)
	}
}

// TestLPClickOnce: an LP click updates SQL and the rollup once even if it
// arrives twice, moves the click to the offer picked on the landing, and is
// visible in Lookup at once.
func TestLPClickOnce(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	ctx := context.Background()
	rec := NewRecorder(opt, r, st, nil)
	start(t, rec.Run)
	c := newClick(t, 1)
	c.OfferID = 100
	rec.Record(c)
	waitFor(t, "click in Redis", 5*time.Second, func() bool { return rec.pending.get(c.ID) == nil })

	at := time.Now().UTC().Truncate(time.Millisecond)
	for i := 0; i < 2; i++ {
		if err := rec.RecordLPClick(ctx, c.ID, at.Add(time.Duration(i)*time.Second), 200); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.RecordLPClick(ctx, newClick(t, 9).ID, at, 200); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LP click of an unknown click: %v", err)
	}
	got, err := rec.Lookup(ctx, c.ID)
	if err != nil || got.LPClickedAt == nil || !got.LPClickedAt.Equal(at) || got.OfferID != 200 {
		t.Fatalf("lookup after LP click: %+v %v", got, err)
	}
	start(t, NewWriter(opt, r, st, nil).Run)
	waitFor(t, "stream consumed", 10*time.Second, func() bool { return streamLen(t, r) == 0 })
	row, err := lookupSQL(ctx, st, c.ID)
	if err != nil || row == nil || row.LPClickedAt == nil || !row.LPClickedAt.Equal(at) || row.OfferID != 200 {
		t.Fatalf("SQL row after LP click: %+v %v", row, err)
	}
	roll := rollupSums(t, st)
	if roll.Clicks != 1 || roll.LPClicks != 1 {
		t.Fatalf("rollup %+v, want 1 click and 1 LP click", roll)
	}
	var perOffer []struct {
		OfferID  int64
		Clicks   int64
		LPClicks int64
	}
	st.DB.Raw(`SELECT offer_id, clicks, lp_clicks FROM click_stats_hourly WHERE clicks <> 0 OR lp_clicks <> 0`).Scan(&perOffer)
	if len(perOffer) != 1 || perOffer[0].OfferID != 200 {
		t.Fatalf("rollup rows %+v, want the click under offer 200 only", perOffer)
	}
}

// TestLPClickOvertakesClick: the LP event reaches the writer in the same
// batch as its click (or first): the click is inserted and the LP applied.
func TestLPClickOvertakesClick(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	ctx := context.Background()
	rec := NewRecorder(opt, r, st, nil)
	c := newClick(t, 1)
	rec.Record(c) // still in memory: no Run yet
	if err := rec.RecordLPClick(ctx, c.ID, time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	start(t, NewWriter(opt, r, st, nil).Run)
	waitFor(t, "LP click in SQL", 10*time.Second, func() bool {
		row, _ := lookupSQL(ctx, st, c.ID)
		return row != nil && row.LPClickedAt != nil
	})
	start(t, rec.Run)
	waitFor(t, "stream consumed", 10*time.Second, func() bool {
		return rec.pending.get(c.ID) == nil && streamLen(t, r) == 0
	})
	if roll := rollupSums(t, st); roll.Clicks != 1 || roll.LPClicks != 1 || roll.Cost != c.Cost {
		t.Fatalf("rollup %+v, want 1 click, 1 LP click", roll)
	}
}

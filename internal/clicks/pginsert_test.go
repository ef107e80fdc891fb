package clicks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// applier is one of the two ways to apply a writer batch.
type applier func(ctx context.Context, st *store.Store, batch []model.Click, lps []lpEvent) (int, error)

func applyViaPortable(ctx context.Context, st *store.Store, batch []model.Click, lps []lpEvent) (int, error) {
	return applyBatchPortable(ctx, st, dedupe(batch), lps)
}

// TestPGPathMatchesPortable: on Postgres the pgx array path leaves exactly
// the rows and rollup the portable path leaves, step by step, through
// repeats, duplicates, bad text, several hours and LP events (repeated, in
// the same batch as their click, for an unknown click, changing the offer);
// so does the writer's paced form (pieces of pacedChunk clicks, each its
// own transaction, the LP events with the last).
func TestPGPathMatchesPortable(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pause time.Duration
	}{
		{"one transaction", 0},
		{"paced pieces", time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stPG, _ := env(t)
			if !stPG.IsPostgres() {
				t.Skip("the pgx path exists only on Postgres (set KITE_TEST_DATABASE_URL)")
			}
			stPortable, _ := env(t)
			for _, s := range pgScenario(t) {
				if len(dedupe(s.clicks)) <= pacedChunk {
					t.Fatalf("%s: %d clicks make no pieces", s.name, len(s.clicks))
				}
				comparePGStep(t, stPG, stPortable, s, tc.pause)
			}
			compareTables(t, stPG, stPortable)
		})
	}
}

// comparePGStep applies one step both ways and compares counts and rollup.
func comparePGStep(t *testing.T, stPG, stPortable *store.Store, s pgStep, pause time.Duration) {
	t.Helper()
	ctx := context.Background()
	nPG, err := applyBatch(ctx, stPG, s.clicks, s.lps, pause)
	if err != nil {
		t.Fatalf("%s: pgx path: %v", s.name, err)
	}
	nPortable, err := applyViaPortable(ctx, stPortable, s.clicks, s.lps)
	if err != nil {
		t.Fatalf("%s: portable path: %v", s.name, err)
	}
	if nPG != nPortable || nPG != s.wantNew {
		t.Fatalf("%s: new clicks pgx %d, portable %d, want %d", s.name, nPG, nPortable, s.wantNew)
	}
	if roll, raw := rollupSums(t, stPG), rawSums(t, stPG); !sameTotals(roll, raw) {
		t.Fatalf("%s: rollup %+v != raw %+v", s.name, roll, raw)
	}
}

// compareTables checks both stores hold the same clicks and rollup rows.
func compareTables(t *testing.T, stPG, stPortable *store.Store) {
	t.Helper()
	for _, q := range []string{
		`SELECT row_to_json(c)::text FROM clicks c ORDER BY id`,
		`SELECT row_to_json(r)::text FROM (SELECT * FROM click_stats_hourly ORDER BY hour, campaign_id, stream_id,
			offer_id, landing_id, ts_id, affiliate_network_id, country, device_type, os, browser, language,
			connection_type, is_bot) r`,
	} {
		a, b := textRows(t, stPG, q), textRows(t, stPortable, q)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%d rows vs %d rows for %s", len(a), len(b), q)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("row %d differs:\npgx:      %s\nportable: %s", i, a[i], b[i])
			}
		}
	}
}

type pgStep struct {
	name    string
	clicks  []model.Click
	lps     []lpEvent
	wantNew int
}

func pgScenario(t *testing.T) []pgStep {
	base := time.Now().UTC().Add(-5 * time.Hour)
	var all []model.Click
	for i := 0; i < 400; i++ {
		c := newClick(t, i)
		c.CreatedAt = base.Add(time.Duration(i) * 45 * time.Second)
		c.LandingID = int64(i % 5)
		if i%11 == 0 {
			at := c.CreatedAt.Add(time.Minute)
			c.LPClickedAt = &at
		}
		if i == 7 {
			c.UserAgent, c.SubID30, c.ExtraParams = "bad\xff\x00ua", "nul\x00", ""
		}
		all = append(all, *c)
	}
	lp := func(c model.Click, offer int64, after time.Duration) lpEvent {
		return lpEvent{Click: c, At: c.CreatedAt.Add(after).Truncate(time.Microsecond), OfferID: offer}
	}
	unknown := *newClick(t, 1000)
	lps := []lpEvent{lp(all[301], 555, time.Minute), lp(all[1], 0, time.Minute), lp(all[301], 777, 2*time.Minute),
		lp(all[2], 556, time.Minute), lp(unknown, 9, time.Minute)}
	return []pgStep{
		{"first 250", all[:250], nil, 250},
		{"overlap with LP events", append(append([]model.Click{}, all[200:]...), all[300:310]...), lps, 150},
		{"the same again", append([]model.Click{}, all[200:]...), lps, 0},
		{"everything twice in one batch", append(append([]model.Click{}, all...), all...), nil, 0},
	}
}

func textRows(t *testing.T, st *store.Store, q string) []string {
	t.Helper()
	var out []string
	if err := st.DB.Raw(q).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWriterDeadLettersRefusedClick: a click Postgres refuses (cost beyond
// NUMERIC(18,4)) fails its batch; the writer stores the rest one by one and
// moves that entry to the dead-letter stream instead of retrying forever.
func TestWriterDeadLettersRefusedClick(t *testing.T) {
	st, r := env(t)
	if !st.IsPostgres() {
		t.Skip("SQLite stores any cost: nothing to refuse")
	}
	opt := testOptions(t)
	rec := NewRecorder(opt, r, st, nil)
	const n = 30
	var evs []event
	for i := 0; i < n; i++ {
		c := newClick(t, i)
		if i == 13 {
			c.Cost = 1e20
		}
		e, err := clickEvent(c)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if err := rec.push(evs); err != nil {
		t.Fatal(err)
	}
	w := NewWriter(opt, r, st, nil)
	start(t, w.Run)
	waitFor(t, "stream consumed", 20*time.Second, func() bool { return streamLen(t, r) == 0 })
	if got := countSQL(t, st); got != n-1 {
		t.Fatalf("clicks in SQL = %d, want %d", got, n-1)
	}
	dead, err := r.C.XRange(context.Background(), r.Key(deadStreamName), "-", "+").Result()
	if err != nil || len(dead) != 1 || dead[0].Values["id"] != evs[13].ID {
		t.Fatalf("dead-letter stream %v (%v), want the refused click %s", dead, err, evs[13].ID)
	}
	if roll, raw := rollupSums(t, st), rawSums(t, st); !sameTotals(roll, raw) || roll.Clicks != n-1 {
		t.Fatalf("rollup %+v != raw %+v", roll, raw)
	}
}

// TestRollupKeyOrder: rollup rows are written in one total order (so
// concurrent writers lock them alike) and rows whose deltas cancel out are
// not written at all.
func TestRollupKeyOrder(t *testing.T) {
	r := rollup{}
	keys := []rollupKey{
		{Hour: 7200, CampaignID: 1, Country: "US"},
		{Hour: 3600, CampaignID: 2},
		{Hour: 3600, CampaignID: 1, Country: "DE", IsBot: true},
		{Hour: 3600, CampaignID: 1, Country: "DE"},
		{Hour: 3600, CampaignID: 1, Country: "BR"},
	}
	for _, k := range keys {
		r.at(k).Clicks = 1
	}
	r.at(rollupKey{Hour: 0, CampaignID: 9}) // zero delta: skipped
	got := r.sortedKeys()
	want := []rollupKey{keys[4], keys[3], keys[2], keys[1], keys[0]}
	if len(got) != len(want) {
		t.Fatalf("got %d keys, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("key %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestPacedBatchStoppedPartWay: a paced batch is one transaction. Stopped
// during a pause it stores nothing; applied again (the writer's retry of its
// pending entries) it stores every click, counted once in the rollup.
func TestPacedBatchStoppedPartWay(t *testing.T) {
	st, _ := env(t)
	if !st.IsPostgres() {
		t.Skip("paced pieces exist only on Postgres (set KITE_TEST_DATABASE_URL)")
	}
	var batch []model.Click
	for i := 0; i < 2*pacedChunk+50; i++ {
		batch = append(batch, *newClick(t, i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // during the first pause
	if n, err := applyBatch(ctx, st, batch, nil, time.Hour); err == nil || n != 0 {
		t.Fatalf("stopped batch: %d new, err %v; want 0 and an error", n, err)
	}
	if got := countSQL(t, st); got != 0 {
		t.Fatalf("%d clicks stored by a stopped batch, want 0", got)
	}
	n, err := applyBatch(context.Background(), st, batch, nil, time.Millisecond)
	if err != nil || n != len(batch) {
		t.Fatalf("retry: %d new, err %v; want %d", n, err, len(batch))
	}
	if roll, raw := rollupSums(t, st), rawSums(t, st); !sameTotals(roll, raw) || raw.Clicks != int64(len(batch)) {
		t.Fatalf("rollup %+v, raw %+v, want %d clicks in both", roll, raw, len(batch))
	}
}

// TestPacedWritersShareCubeRows: two writers (two nodes) pace batches whose
// clicks share sub_id_1 values, in id order one writer's first piece holds
// the zones the other's second piece needs and the other way round. In cube
// key order neither waits for a row the other will only free at its commit,
// so both commit (without it Postgres finds a deadlock and aborts one).
func TestPacedWritersShareCubeRows(t *testing.T) {
	st, _ := env(t)
	if !st.IsPostgres() {
		t.Skip("paced pieces exist only on Postgres (set KITE_TEST_DATABASE_URL)")
	}
	at := time.Now().UTC().Truncate(time.Hour)
	batch := func(from int, lowFirst bool) []model.Click {
		var out []model.Click
		for i := from; i < from+2*pacedChunk; i++ {
			c := newClick(t, i)
			c.CreatedAt = at
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b model.Click) int { return strings.Compare(a.ID, b.ID) })
		for i := range out {
			zone := i % 10 // the first piece by id: zones 0-4 or 5-9
			if (i < pacedChunk) != lowFirst {
				zone = 5 + zone%5
			} else {
				zone %= 5
			}
			out[i].SubID1 = fmt.Sprintf("zone-%d", zone)
		}
		return out
	}
	a, b := batch(0, false), batch(10000, true)
	errs := make(chan error, 2)
	for _, x := range [][]model.Click{a, b} {
		go func() {
			_, err := applyBatch(context.Background(), st, x, nil, 200*time.Millisecond)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("paced writer: %v", err)
		}
	}
	if got := countSQL(t, st); got != int64(len(a)+len(b)) {
		t.Fatalf("%d clicks stored, want %d", got, len(a)+len(b))
	}
	var zones, clicks int64
	if err := st.DB.Raw(`SELECT COUNT(*), COALESCE(SUM(clicks), 0) FROM report_cube_sub_id_1_daily`).
		Row().Scan(&zones, &clicks); err != nil {
		t.Fatal(err)
	}
	if zones != 10 || clicks != int64(len(a)+len(b)) {
		t.Fatalf("sub_id_1 cube: %d zones, %d clicks; want 10 and %d", zones, clicks, len(a)+len(b))
	}
}

// Where the database orders text unlike bytes (ICU en-US puts "a" before
// "B"; bytes put "B" first), the sub_id_1 cube trigger must still take its
// row locks in the byte order the paced pieces are sorted in (migration
// 0038's COLLATE "C"). Writer Y's pieces hold zone "B", then zone "a";
// writer X's first piece holds both. Y starts first and keeps "B" locked
// through its pause. If X's trigger followed the collation it would lock
// "a", wait for "B", and Y's second piece would then wait for "a": a
// deadlock. In byte order X waits for "B" holding nothing, and both commit.
func TestPacedWritersUnderAnotherCollation(t *testing.T) {
	st := testenv.StoreCollated(t, "en-US")
	at := time.Now().UTC().Truncate(time.Hour)
	batch := func(from int, zones ...string) []model.Click { return zonedClicks(t, at, from, zones) }
	y := batch(0, slices.Concat(repeatZone(pacedChunk, "B"), repeatZone(pacedChunk, "a"))...)
	x := batch(10000, slices.Concat(repeatZone(pacedChunk/2, "B"), repeatZone(pacedChunk/2, "a"), repeatZone(pacedChunk, "c"))...)

	yFirst(t, st, y, x, nil) // Y's first piece holds "B" when X starts
	got := map[string]int64{}
	rows, err := st.DB.Raw(`SELECT sub_id_1, clicks FROM report_cube_sub_id_1_daily`).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var z string
		var n int64
		if err := rows.Scan(&z, &n); err != nil {
			t.Fatal(err)
		}
		got[z] = n
	}
	want := map[string]int64{"a": 150, "B": 150, "c": 100}
	if !maps.Equal(got, want) {
		t.Fatalf("sub_id_1 cube %v, want %v", got, want)
	}
}

// A writer's LP events update clicks already stored, and each update's
// trigger locks that click's sub_id_1 cube row: an LP event must take its
// lock in the same key order as the pieces. Writer Y inserts zone "a", then
// after a pause zone "m". Writer X inserts zone "m" and lands LP events on
// stored "a" clicks. Y starts first and holds "a". If X's LP updates came
// after its pieces, X would hold "m" and wait for "a" while Y's second piece
// waits for "m": a deadlock. In key order X updates "a" first (waiting for
// Y, holding nothing), and both commit.
func TestPacedWriterLPEventsInKeyOrder(t *testing.T) {
	st, _ := env(t)
	if !st.IsPostgres() {
		t.Skip("paced pieces exist only on Postgres (set KITE_TEST_DATABASE_URL)")
	}
	at := time.Now().UTC().Truncate(time.Hour)
	batch := func(from int, zones ...string) []model.Click { return zonedClicks(t, at, from, zones) }
	stored := batch(0, repeatZone(10, "a")...)
	if _, err := applyBatch(context.Background(), st, stored, nil, 0); err != nil {
		t.Fatal(err)
	}
	var lps []lpEvent
	for _, c := range stored {
		lps = append(lps, lpEvent{Click: c, At: at.Add(time.Minute), OfferID: c.OfferID})
	}
	y := batch(1000, slices.Concat(repeatZone(pacedChunk, "a"), repeatZone(pacedChunk, "m"))...)
	x := batch(5000, repeatZone(2*pacedChunk, "m")...)

	yFirst(t, st, y, x, lps) // Y's first piece holds "a" when X starts
	var lpClicks, cubeLP int64
	if err := st.DB.Raw(`SELECT COUNT(*) FROM clicks WHERE lp_clicked_at IS NOT NULL`).Row().Scan(&lpClicks); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Raw(`SELECT COALESCE(SUM(lp_clicks), 0) FROM report_cube_sub_id_1_daily WHERE sub_id_1 = 'a'`).
		Row().Scan(&cubeLP); err != nil {
		t.Fatal(err)
	}
	if lpClicks != 10 || cubeLP != 10 {
		t.Fatalf("%d clicks have an LP click, the cube counts %d; want 10 and 10", lpClicks, cubeLP)
	}
	if got, want := countSQL(t, st), int64(len(stored)+len(x)+len(y)); got != want {
		t.Fatalf("%d clicks stored, want %d", got, want)
	}
}

// zonedClicks makes a click per zone, all created at at, numbered from from.
func zonedClicks(t *testing.T, at time.Time, from int, zones []string) []model.Click {
	out := make([]model.Click, len(zones))
	for i, z := range zones {
		out[i] = *newClick(t, from+i)
		out[i].CreatedAt, out[i].SubID1 = at, z
	}
	return out
}

func repeatZone(n int, zone string) []string { return slices.Repeat([]string{zone}, n) }

// yFirst runs two paced writers: y (long pauses, so its transaction holds
// its first piece's locks a while), and 150 ms later x with the LP events
// xLPs. Both must commit.
func yFirst(t *testing.T, st *store.Store, y, x []model.Click, xLPs []lpEvent) {
	t.Helper()
	errs := make(chan error, 2)
	go func() {
		_, err := applyBatch(context.Background(), st, y, nil, 400*time.Millisecond)
		errs <- err
	}()
	time.Sleep(150 * time.Millisecond)
	go func() {
		_, err := applyBatch(context.Background(), st, x, xLPs, 10*time.Millisecond)
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("paced writer: %v", err)
		}
	}
}

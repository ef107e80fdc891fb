package clicks

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// TestRecordToSQLExactlyOnce: clicks go recorder -> stream -> writer -> SQL
// once, and entries delivered again (a replay, a second pass) change nothing.
func TestRecordToSQLExactlyOnce(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	rec := NewRecorder(opt, r, st, nil)
	stopRec := start(t, rec.Run)
	const n = 600
	var evs []event
	for i := 0; i < n; i++ {
		c := newClick(t, i)
		rec.Record(c)
		e, err := clickEvent(c)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	w := NewWriter(opt, r, st, nil)
	stopW := start(t, w.Run)
	waitFor(t, "clicks in SQL", 20*time.Second, func() bool { return countSQL(t, st) == n })
	waitFor(t, "stream emptied", 5*time.Second, func() bool { return streamLen(t, r) == 0 })

	// The same entries again, as a spool replay after a half-failed pipeline would send them.
	if err := rec.push(evs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "duplicates consumed", 10*time.Second, func() bool { return streamLen(t, r) == 0 })
	stopW()
	stopRec()
	if got := countSQL(t, st); got != n {
		t.Fatalf("clicks in SQL = %d, want %d", got, n)
	}
	if got := written(w); got != n {
		t.Fatalf("writer counted %d new clicks, want %d", got, n)
	}
	if roll, raw := rollupSums(t, st), rawSums(t, st); !sameTotals(roll, raw) || roll.Clicks != n {
		t.Fatalf("rollup %+v != raw %+v (want %d clicks)", roll, raw, n)
	}
}

// TestTwoWritersShareTheStream: two consumers of one group split the work
// and no click is inserted twice.
func TestTwoWritersShareTheStream(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	opt.WriterBatch = 50
	rec := NewRecorder(opt, r, st, nil)
	const n = 1000
	var evs []event
	for i := 0; i < n; i++ {
		e, _ := clickEvent(newClick(t, i))
		evs = append(evs, e)
	}
	if err := rec.push(evs); err != nil {
		t.Fatal(err)
	}
	opt2 := opt
	opt2.Consumer = opt.Consumer + "-b"
	w1, w2 := NewWriter(opt, r, st, nil), NewWriter(opt2, r, st, nil)
	stop1, stop2 := start(t, w1.Run), start(t, w2.Run)
	waitFor(t, "clicks in SQL", 30*time.Second, func() bool { return countSQL(t, st) == n })
	waitFor(t, "stream emptied", 5*time.Second, func() bool { return streamLen(t, r) == 0 })
	stop1()
	stop2()
	if w1.m.batches == nil || written(w1)+written(w2) != n {
		t.Fatalf("writers inserted %d + %d, want %d in total", written(w1), written(w2), n)
	}
	if written(w1) == 0 || written(w2) == 0 {
		t.Logf("one writer took all the work (%d/%d): allowed, but unusual", written(w1), written(w2))
	}
	if roll := rollupSums(t, st); roll.Clicks != n {
		t.Fatalf("rollup clicks = %d, want %d", roll.Clicks, n)
	}
}

// TestWriterClaimsDeadConsumersEntries: entries read by a writer that died
// before acknowledging are claimed and stored by another.
func TestWriterClaimsDeadConsumersEntries(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	rec := NewRecorder(opt, r, st, nil)
	const n = 40
	var evs []event
	for i := 0; i < n; i++ {
		e, _ := clickEvent(newClick(t, i))
		evs = append(evs, e)
	}
	if err := rec.push(evs); err != nil {
		t.Fatal(err)
	}
	dead := NewWriter(Options{Consumer: "dead-node"}, r, st, nil)
	ctx := context.Background()
	if err := dead.ensureGroup(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := dead.read(ctx, ">", -1) // read, then "crash" without XACK
	if err != nil || len(got) != n {
		t.Fatalf("dead writer read %d entries (%v), want %d", len(got), err, n)
	}
	w := NewWriter(opt, r, st, nil)
	start(t, w.Run)
	waitFor(t, "claimed clicks in SQL", 10*time.Second, func() bool { return countSQL(t, st) == n })
}

// TestInsertBatchRollupMatchesRaw: the rollup equals raw clicks, per row and
// in total, with clicks spread over hours and batches repeated.
func TestInsertBatchRollupMatchesRaw(t *testing.T) {
	st, _ := env(t)
	ctx := context.Background()
	base := time.Now().UTC().Add(-6 * time.Hour)
	var batch []model.Click
	for i := 0; i < 700; i++ {
		c := newClick(t, i)
		c.CreatedAt = base.Add(time.Duration(i) * 31 * time.Second) // about 6 hours
		if i%9 == 0 {
			at := c.CreatedAt.Add(time.Minute)
			c.LPClickedAt = &at
		}
		batch = append(batch, *c)
	}
	cases := []struct {
		name  string
		batch []model.Click
	}{
		{"first half", batch[:350]},
		{"overlapping", batch[200:]},
		{"all again", batch},
		{"duplicates inside one batch", append(append([]model.Click{}, batch[:10]...), batch[:10]...)},
	}
	for _, tc := range cases {
		if err := InsertBatch(ctx, st, tc.batch); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		roll, raw := rollupSums(t, st), rawSums(t, st)
		if !sameTotals(roll, raw) {
			t.Fatalf("%s: rollup %+v != raw %+v", tc.name, roll, raw)
		}
	}
	if n := countSQL(t, st); n != 700 {
		t.Fatalf("clicks = %d, want 700", n)
	}
	// Per hour and campaign, too.
	type row struct {
		Hour       time.Time
		CampaignID int64
		Clicks     int64
	}
	var rows []row
	if err := st.DB.Raw(`SELECT hour, campaign_id, SUM(clicks) AS clicks FROM click_stats_hourly
		GROUP BY hour, campaign_id`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	want := map[[2]int64]int64{}
	for _, c := range batch {
		want[[2]int64{c.CreatedAt.Truncate(time.Hour).Unix(), c.CampaignID}]++
	}
	if len(rows) != len(want) {
		t.Fatalf("rollup has %d hour/campaign rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		if k := [2]int64{r.Hour.UTC().Unix(), r.CampaignID}; want[k] != r.Clicks {
			t.Errorf("hour %s campaign %d: %d clicks, want %d", r.Hour, r.CampaignID, r.Clicks, want[k])
		}
	}
}

func sameTotals(a, b rollupTotals) bool {
	costOK := math.Abs(a.Cost-b.Cost) < 1e-6
	a.Cost, b.Cost = 0, 0
	return a == b && costOK
}

// TestInsertBatchBadText: text Postgres would refuse (invalid UTF-8, NUL)
// is stored cleaned instead of failing the batch.
func TestInsertBatchBadText(t *testing.T) {
	st, _ := env(t)
	c := newClick(t, 1)
	c.UserAgent = "bad\xff\x00ua"
	c.SubID5 = "nul\x00here"
	c.ExtraParams = ""
	if err := InsertBatch(context.Background(), st, []model.Click{*c}); err != nil {
		t.Fatal(err)
	}
	got, err := lookupSQL(context.Background(), st, c.ID)
	if err != nil || got == nil {
		t.Fatalf("lookup: %v %v", got, err)
	}
	if got.UserAgent != "bad\uFFFDua" || got.SubID5 != "nulhere" {
		t.Fatalf("stored UA %q sub_id_5 %q", got.UserAgent, got.SubID5)
	}
}

func TestChunks(t *testing.T) {
	cases := []struct {
		n, max int
		sizes  []int
	}{
		{0, 256, nil},
		{1, 256, []int{1}},
		{256, 256, []int{256}},
		{1000, 256, []int{256, 256, 256, 128, 64, 32, 8}},
		{7, 4, []int{4, 2, 1}},
	}
	for _, tc := range cases {
		got := chunks(tc.n, tc.max)
		next := 0
		var sizes []int
		for _, c := range got {
			if c[0] != next {
				t.Fatalf("chunks(%d): gap at %d", tc.n, c[0])
			}
			next = c[1]
			sizes = append(sizes, c[1]-c[0])
		}
		if next != tc.n || len(sizes) != len(tc.sizes) {
			t.Fatalf("chunks(%d,%d) sizes %v, want %v", tc.n, tc.max, sizes, tc.sizes)
		}
		for i := range sizes {
			if sizes[i] != tc.sizes[i] {
				t.Fatalf("chunks(%d,%d) sizes %v, want %v", tc.n, tc.max, sizes, tc.sizes)
			}
		}
	}
}

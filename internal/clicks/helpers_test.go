package clicks

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
	dto "github.com/prometheus/client_model/go"
)

// testOptions are short intervals so tests run in milliseconds.
func testOptions(t testing.TB) Options {
	return Options{
		SpoolDir:       t.TempDir(),
		FlushInterval:  2 * time.Millisecond,
		WriterInterval: 20 * time.Millisecond,
		ReplayInterval: 20 * time.Millisecond,
		RedisTimeout:   500 * time.Millisecond,
		ClaimIdle:      200 * time.Millisecond,
		Consumer:       "test-" + uuid.NewString()[:8],
	}
}

// newClick returns click i with dimensions varying by i, so the rollup has
// several rows and every counter is exercised.
func newClick(t testing.TB, i int) *model.Click {
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Click{
		ID:               id.String(),
		CampaignID:       int64(1 + i%3),
		StreamID:         int64(10 + i%2),
		OfferID:          int64(100 + i%2),
		Country:          []string{"US", "DE", "BR"}[i%3],
		DeviceType:       []string{"mobile", "desktop"}[i%2],
		IsBot:            i%7 == 0,
		IsUniqueCampaign: i%2 == 0,
		IsUniqueStream:   i%3 == 0,
		IsUniqueGlobal:   i%4 == 0,
		Cost:             0.25,
		IP:               fmt.Sprintf("10.0.%d.%d", i/250, i%250),
		UserAgent:        "Mozilla/5.0 test",
		ExtraParams:      `{"gclid":"x"}`,
	}
	if i%5 != 0 {
		c.Referrer = "https://ref.example/"
	}
	c.SubID1 = fmt.Sprintf("s%d", i)
	return c
}

// start runs fn(ctx) in a goroutine; the returned stop cancels and waits.
func start(t testing.TB, fn func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countSQL(t testing.TB, st *store.Store) int64 {
	t.Helper()
	var n int64
	if err := st.DB.Table("clicks").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

type rollupTotals struct {
	Clicks, CampaignUnique, StreamUnique, GlobalUnique, Bots, EmptyReferrers, LPClicks int64
	Cost                                                                               float64
}

func rollupSums(t testing.TB, st *store.Store) rollupTotals {
	t.Helper()
	var r rollupTotals
	err := st.DB.Raw(`SELECT COALESCE(SUM(clicks),0) AS clicks, COALESCE(SUM(campaign_unique_clicks),0) AS campaign_unique,
		COALESCE(SUM(stream_unique_clicks),0) AS stream_unique, COALESCE(SUM(global_unique_clicks),0) AS global_unique,
		COALESCE(SUM(bots),0) AS bots, COALESCE(SUM(empty_referrers),0) AS empty_referrers,
		COALESCE(SUM(lp_clicks),0) AS lp_clicks, COALESCE(SUM(cost),0) AS cost FROM click_stats_hourly`).Scan(&r).Error
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rawSums computes the same totals from raw clicks, independently of the writer.
func rawSums(t testing.TB, st *store.Store) rollupTotals {
	t.Helper()
	var r rollupTotals
	err := st.DB.Raw(`SELECT COUNT(*) AS clicks,
		COALESCE(SUM(CASE WHEN is_unique_campaign THEN 1 ELSE 0 END),0) AS campaign_unique,
		COALESCE(SUM(CASE WHEN is_unique_stream THEN 1 ELSE 0 END),0) AS stream_unique,
		COALESCE(SUM(CASE WHEN is_unique_global THEN 1 ELSE 0 END),0) AS global_unique,
		COALESCE(SUM(CASE WHEN is_bot THEN 1 ELSE 0 END),0) AS bots,
		COALESCE(SUM(CASE WHEN referrer = '' THEN 1 ELSE 0 END),0) AS empty_referrers,
		COALESCE(SUM(CASE WHEN lp_clicked_at IS NOT NULL THEN 1 ELSE 0 END),0) AS lp_clicks,
		COALESCE(SUM(cost),0) AS cost FROM clicks`).Scan(&r).Error
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func streamLen(t testing.TB, r *hot.Redis) int64 {
	t.Helper()
	n, err := r.C.XLen(context.Background(), r.Key(streamName)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// spoolLines counts events waiting in the spool directory.
func spoolLines(t testing.TB, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.spool"))
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64<<10), maxSpoolLine)
		for sc.Scan() {
			n++
		}
		fh.Close()
	}
	return n
}

func written(w *Writer) int {
	var m dto.Metric
	if err := w.m.written.Write(&m); err != nil {
		panic(err)
	}
	return int(m.GetCounter().GetValue())
}

// env is a fresh store and Redis for one test (SQLite + miniredis, or the
// real services when KITE_TEST_* is set).
func env(t testing.TB) (*store.Store, *hot.Redis) {
	return testenv.Store(t), testenv.Redis(t)
}

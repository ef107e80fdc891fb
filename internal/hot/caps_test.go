package hot_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// TestIncrOfferCapCountsEachOnce fires counts of a few offers at once: the
// shared round trips must give every caller its own count (1..n per offer
// and day, none twice), leave the totals right and put a TTL on each key.
func TestIncrOfferCapCountsEachOnce(t *testing.T) {
	cases := []struct {
		name    string
		offers  []int64 // one count per entry, all at once
		cluster bool    // through a cluster client (keys of a batch in several slots)
	}{
		{name: "lone count", offers: []int64{1}},
		{name: "one offer, many postbacks", offers: slices.Repeat([]int64{2}, 40)},
		{name: "three offers interleaved", offers: slices.Repeat([]int64{3, 4, 5}, 15)},
		{name: "cluster client", offers: slices.Repeat([]int64{6, 7, 8}, 10), cluster: true},
	}
	day := hot.CapDay(time.Now(), "UTC")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := testenv.Redis(t)
			if tc.cluster {
				m := miniredis.RunT(t)
				cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{m.Addr()}})
				defer cc.Close()
				r = &hot.Redis{C: cc, Prefix: "capcl:"}
			}
			ctx := context.Background()
			var mu sync.Mutex
			got := map[int64][]int64{}
			var wg sync.WaitGroup
			for _, offer := range tc.offers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := r.IncrOfferCap(ctx, offer, day)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					got[offer] = append(got[offer], n)
					mu.Unlock()
				}()
			}
			wg.Wait()
			for offer, counts := range got {
				slices.Sort(counts)
				for i, n := range counts {
					if n != int64(i+1) {
						t.Fatalf("offer %d: counts %v, want 1..%d each once", offer, counts, len(counts))
					}
				}
				if total, _ := r.OfferCapCount(ctx, offer, day); total != int64(len(counts)) {
					t.Errorf("offer %d: total %d, want %d", offer, total, len(counts))
				}
				if ttl := r.C.TTL(ctx, r.Key("cap", strconv.FormatInt(offer, 10), day)).Val(); ttl <= 0 || ttl > 72*time.Hour {
					t.Errorf("offer %d: TTL %v, want up to 72h", offer, ttl)
				}
			}
		})
	}
}

// TestIncrOfferCapFailsWhenRedisDoes: counts that cannot reach Redis are an
// error for each caller (the conversion path logs it), not a hang, and the
// queue serves the next counts once Redis answers again.
func TestIncrOfferCapFailsWhenRedisDoes(t *testing.T) {
	down := &hot.Redis{C: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}), Prefix: "capdown:"}
	defer down.C.Close()
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := down.IncrOfferCap(context.Background(), 7, "2026-11-29"); err == nil {
				t.Error("count against an unreachable Redis answered no error")
			}
		}()
	}
	wg.Wait()
	up := testenv.Redis(t)
	if n, err := up.IncrOfferCap(context.Background(), 7, "2026-11-29"); err != nil || n != 1 {
		t.Errorf("count on a working Redis: %d, %v", n, err)
	}
}

package hot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/testenv"
)

// TestHashReaderServesEachCallerItsOwnHash: concurrent readers sharing
// pipelines each get their own hash, an empty one for a missing key, and an
// error once Redis is gone.
func TestHashReaderServesEachCallerItsOwnHash(t *testing.T) {
	r := testenv.Redis(t)
	ctx := context.Background()
	h := hot.NewHashReader(r, time.Second)
	const n = 300
	for i := 0; i < n; i += 3 { // every third key is missing
		if err := r.C.HSet(ctx, r.Key("hr", fmt.Sprint(i)), "d", fmt.Sprint(i), "lp", "x").Err(); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		workers int
	}{{"alone", 1}, {"a crowd", 64}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for w := 0; w < tt.workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < n; i += tt.workers {
						got, err := h.Get(ctx, r.Key("hr", fmt.Sprint(i)))
						if err != nil {
							t.Errorf("key %d: %v", i, err)
							continue
						}
						want := ""
						if i%3 == 0 {
							want = fmt.Sprint(i)
						}
						if got["d"] != want || (want != "" && len(got) != 2) || (want == "" && len(got) != 0) {
							t.Errorf("key %d: got %v, want d=%q", i, got, want)
						}
					}
				}()
			}
			wg.Wait()
		})
	}
	dead := testenv.Redis(t)
	_ = dead.C.Close()
	if _, err := hot.NewHashReader(dead, 200*time.Millisecond).Get(ctx, "k"); err == nil {
		t.Error("Get on a dead Redis: want an error")
	}
}

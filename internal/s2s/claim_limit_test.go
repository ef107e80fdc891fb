package s2s

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/testenv"
)

// TestClaimTakesAtMostN: a claim leases at most n rows even with many due
// (on Postgres a LIMIT ... FOR UPDATE subquery under IN can be rescanned and
// take more), so rows never wait out their lease behind busy slots.
func TestClaimTakesAtMostN(t *testing.T) {
	st := testenv.Store(t)
	now := time.Now().UTC()
	for i := range 60 {
		insertOutbox(t, st, "GET", fmt.Sprintf("http://a.test/pb?id=%d", i), "", now.Add(-time.Minute))
	}
	for _, n := range []int{1, 7, 25} {
		rows, err := claim(context.Background(), st, n, time.Now().UTC(), time.Minute)
		if err != nil || len(rows) != n {
			t.Fatalf("claim(%d) = %d rows, %v", n, len(rows), err)
		}
	}
	if got := rowsWhere(t, st, "next_attempt_at > ?", time.Now().UTC()); got != 33 {
		t.Errorf("leased rows = %d, want 33", got)
	}
}

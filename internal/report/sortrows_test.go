package report

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopN: the partial sort keeps exactly the n first rows of a full sort,
// ties included.
func TestTopN(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tc := range []struct{ size, n, spread int }{
		{0, 0, 1}, {1, 1, 1}, {10, 0, 5}, {10, 3, 5}, {10, 10, 5}, {1000, 100, 50}, {1000, 1, 3}, {5000, 499, 100000},
	} {
		vals := make([]int, tc.size)
		for i := range vals {
			vals[i] = rng.IntN(tc.spread)
		}
		idx := make([]int, tc.size)
		for i := range idx {
			idx[i] = i
		}
		// Ties broken by position, as sortGroups breaks them by dimension.
		less := func(a, b int) int {
			if r := cmp.Compare(vals[a], vals[b]); r != 0 {
				return r
			}
			return cmp.Compare(a, b)
		}
		want := slices.Clone(idx)
		slices.SortFunc(want, less)
		got := topN(slices.Clone(idx), tc.n, less)
		slices.SortFunc(got, less)
		if !slices.Equal(got, want[:tc.n]) {
			t.Errorf("size %d n %d: got %v, want %v", tc.size, tc.n, got, want[:tc.n])
		}
	}
}

//go:build faults

package faults

import (
	"sort"
	"testing"
	"time"
)

// TestDurabilityCost measures what KITE_CLICKS_DURABILITY=strict costs: one
// fast and one strict node on the same Redis and Postgres, loaded flat out
// in alternation (FAULTS_COST_ROUNDS rounds of 3 s each), so that other load
// on the machine hits both alike. It prints the medians; it fails only if a
// node stops answering.
func TestDurabilityCost(t *testing.T) {
	rg := newRig(t, 1, nil) // node1: fast (the default)
	strict := startNode(t, nodeConfig{name: "strict", pg: rg.pg, redis: rg.redis,
		extra: map[string]string{"KITE_CLICKS_DURABILITY": "strict"}})
	waitServed(t, strict, rg.camp.alias, 40*time.Second)
	rounds := rate("FAULTS_COST_ROUNDS", 5)
	var fast, slow [][3]float64 // rps, p50 ms, p99 ms
	for range rounds {
		for _, n := range []*kiteNode{rg.nodes[0], strict} {
			rps, p50, p99 := flatOut(n, rg.camp.alias, 3*time.Second, 32)
			r := [3]float64{rps, ms(p50), ms(p99)}
			if n == strict {
				slow = append(slow, r)
			} else {
				fast = append(fast, r)
			}
		}
	}
	f, s := medians(fast), medians(slow)
	verdict(t, f[0] > 0 && s[0] > 0, "flat out, 32 connections, median of %d x 3 s: fast %.0f clicks/s p50=%.2fms p99=%.2fms | "+
		"strict %.0f clicks/s p50=%.2fms p99=%.2fms | strict/fast throughput %.2f",
		rounds, f[0], f[1], f[2], s[0], s[1], s[2], s[0]/max(f[0], 1))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// medians is the per-column median of rows.
func medians(rows [][3]float64) [3]float64 {
	var out [3]float64
	for c := range out {
		col := make([]float64, len(rows))
		for i, r := range rows {
			col[i] = r[c]
		}
		sort.Float64s(col)
		if len(col) > 0 {
			out[c] = col[len(col)/2]
		}
	}
	return out
}

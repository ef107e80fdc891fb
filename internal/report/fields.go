package report

import (
	"math/bits"
)

// A report reads only the sums its metrics need: each aggregate costs a
// column in every scanned row's hash entry, in the wire format and in Go.
// Base fields are numbered in allFields order: 0-7 click side, 8-15
// conversion side, 16 the orphan count.

const (
	clickFieldCount = 8
	orphanField     = 16 // not a metric's: conversions without a raw click (top.go)
)

// fieldMask has bit i set when base field i is read.
type fieldMask uint32

func (b *base) allFields() []*float64 {
	return []*float64{&b.Clicks, &b.CampaignUnique, &b.StreamUnique, &b.GlobalUnique, &b.Bots,
		&b.EmptyReferrers, &b.LPClicks, &b.Cost,
		&b.Leads, &b.Sales, &b.Rejected, &b.Rebills, &b.LeadRevenue, &b.SaleRevenue,
		&b.RejectedRevenue, &b.RebillRevenue, &b.Orphans}
}

// metricMasks are the fields each metric reads, found by probing: a field
// is read when changing it alone changes the metric. Probing from distinct
// primes keeps every denominator non-zero and no two terms cancelling.
var metricMasks = func() map[string]fieldMask {
	out := make(map[string]fieldMask, len(metrics))
	primes := []float64{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59}
	for name, mt := range metrics {
		var probe base
		for i, f := range probe.allFields() {
			*f = primes[i]
		}
		want := mt.value(&probe)
		var mask fieldMask
		for i, f := range probe.allFields() {
			*f = primes[i] * 1.37
			if mt.value(&probe) != want {
				mask |= 1 << i
			}
			*f = primes[i]
		}
		out[name] = mask
	}
	return out
}()

// fieldsNeeded are the sums the report's metrics and metric filters read.
// The first field of each side is always read, so no side query is empty.
func (p *plan) fieldsNeeded() fieldMask {
	mask := fieldMask(1 | 1<<clickFieldCount)
	for _, n := range p.metrics {
		mask |= metricMasks[n]
	}
	for _, f := range p.metFilters {
		mask |= metricMasks[f.name]
	}
	if p.top {
		mask |= 1 << orphanField
	}
	return mask
}

// pickAggs keeps the aggregates of one side (fields from first on) the mask
// needs, and the indexes of the base fields they fill.
func pickAggs(mask fieldMask, aggs []string, first int) ([]string, []int) {
	n := bits.OnesCount32(uint32(mask))
	keep, idx := make([]string, 0, n), make([]int, 0, n)
	for i, a := range aggs {
		if mask&(1<<(first+i)) != 0 {
			keep = append(keep, a)
			idx = append(idx, first+i)
		}
	}
	return keep, idx
}

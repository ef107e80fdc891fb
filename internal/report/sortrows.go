package report

import (
	"cmp"
	"slices"
)

// sortColumn holds one sort column's value for every group, computed once:
// a report can have 100k groups, and a comparison that recomputed metrics
// and looked names up cost more than the SQL.
type sortColumn struct {
	desc bool
	nums []float64
	strs []string
}

func (c *sortColumn) compare(a, b int) int {
	r := 0
	if c.strs != nil {
		r = cmp.Compare(c.strs[a], c.strs[b])
	} else {
		r = cmp.Compare(c.nums[a], c.nums[b])
	}
	if c.desc {
		return -r
	}
	return r
}

// sortGroups orders the first n rows by the requested columns, then by
// every dimension ascending; rows past n are left unspecified. Groups differ in at
// least one dimension, so the order is total and pages are stable without a
// stable sort.
func (p *plan) sortGroups(gs []*group, n int, names map[string]map[int64]string) {
	if len(p.sort) == 0 && len(p.dims) == 0 {
		return
	}
	cols := make([]*sortColumn, 0, len(p.sort)+len(p.dims))
	for _, s := range p.sort {
		cols = append(cols, p.sortValues(gs, s.Name, s.Order == "DESC", names))
	}
	for _, d := range p.dims {
		cols = append(cols, p.sortValues(gs, d.outKey(), false, names))
	}
	idx := make([]int, len(gs))
	for i := range idx {
		idx[i] = i
	}
	less := func(a, b int) int {
		for _, c := range cols {
			if r := c.compare(a, b); r != 0 {
				return r
			}
		}
		return 0
	}
	if n < len(idx)/2 {
		idx = topN(idx, n, less)
	}
	slices.SortFunc(idx, less)
	sorted := make([]*group, len(idx))
	for i, j := range idx {
		sorted[i] = gs[j]
	}
	copy(gs, sorted)
}

// topN keeps the n smallest of idx (in no order): a report shows a page of
// 100 rows out of 100k groups, and a full sort of those was the costliest
// step in Go.
func topN(idx []int, n int, cmp func(a, b int) int) []int {
	if n <= 0 {
		return nil
	}
	h := append(make([]int, 0, n), idx[:n]...)
	// h is a max-heap: its root is the largest row kept so far.
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			if r := l + 1; r < len(h) && cmp(h[r], h[l]) > 0 {
				l = r
			}
			if cmp(h[l], h[i]) <= 0 {
				return
			}
			h[i], h[l] = h[l], h[i]
			i = l
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, x := range idx[n:] {
		if cmp(x, h[0]) < 0 {
			h[0] = x
			down(0)
		}
	}
	return h
}

// sortValues extracts a column: a metric, a dimension's value, or an
// entity's name (sorting by "campaign" sorts by name, "campaign_id" by id).
func (p *plan) sortValues(gs []*group, col string, desc bool, names map[string]map[int64]string) *sortColumn {
	c := &sortColumn{desc: desc}
	if mt, ok := metrics[col]; ok {
		c.nums = make([]float64, len(gs))
		for i, g := range gs {
			c.nums[i] = mt.value(&g.b)
		}
		return c
	}
	for di, d := range p.dims {
		switch {
		case d.entity != "" && col == d.name:
			c.strs = make([]string, len(gs))
			for i, g := range gs {
				c.strs[i] = names[d.entity][g.dims[di].(int64)]
			}
			return c
		case col == d.outKey() && scansAsInt(d):
			c.nums = make([]float64, len(gs))
			for i, g := range gs {
				c.nums[i] = float64(g.dims[di].(int64))
			}
			return c
		case col == d.outKey():
			c.strs = make([]string, len(gs))
			for i, g := range gs {
				c.strs[i] = g.dims[di].(string)
			}
			return c
		}
	}
	c.nums = make([]float64, len(gs)) // unreachable: validate checked the name
	return c
}

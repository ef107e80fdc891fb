package report

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// A raw report grouped by a sub id has ~100k groups, of which the buyer
// sees a page of 100 sorted by clicks or cost. When the order depends only
// on click-side sums and dimension values, Postgres sorts and pages the
// click groups itself (ORDER BY ... LIMIT after the aggregate) and returns
// the group count and click totals by window functions, so Go never holds
// the other groups. The conversion side is still read whole (conversions
// are a few % of clicks) for the page's conversion sums and the summary.
// That is exact when every conversion group also has clicks: true by click
// time when every conversion's click is in raw clicks, which the conversion
// query counts (orphans); otherwise the report is run the ordinary way.

//
// When the groups are raw click columns only (sub ids, ...) and nothing is
// filtered, the conversion side rides on the click side's scan instead:
// conversions are summed per click and hash-joined to their click, so a
// conversion lands in its click's group as the joined conversion side would
// put it, and no second query probes the click index once per conversion
// (70k probes for "sub_id_1, 7 days" at 10M clicks, as long as the scan of
// the clicks itself on a 2-core box). A conversion matched to no click in
// the range (by id and time, as clickJoin matches) is an orphan, counted as
// the range's conversions minus the matched ones.

// maxTopRows bounds the rows a paged click side may return.
const maxTopRows = 10000

// directClickFields are the metrics that are one click-side sum, by field.
var directClickFields = map[string]int{"clicks": 0, "campaign_unique_clicks": 1, "stream_unique_clicks": 2,
	"global_unique_clicks": 3, "bots": 4, "empty_referrers": 5, "lp_clicks": 6, "cost": 7}

// wantsTop tells whether the click side may be paged in SQL.
func (p *plan) wantsTop(pg bool) bool {
	n := p.req.Offset + p.req.Limit
	joinedByClick := p.convJoined && p.convByClick
	return pg && p.raw && len(p.splits) == 0 && p.needClicks && (!p.needConv || joinedByClick) &&
		len(p.metFilters) == 0 && p.req.Limit > 0 && n <= maxTopRows && len(p.sort) > 0 && len(p.dims) > 0
}

// convRidesOnClicks tells whether the conversion side can ride on the
// click side's scan: every group is a raw click column, which the joined
// conversion side reads from the click too, and no filter might read a
// conversion's own copy of a column.
func (p *plan) convRidesOnClicks() bool {
	if !p.needConv || !p.convJoined || !p.convByClick || len(p.dimFilters) > 0 {
		return false
	}
	for _, d := range p.dims {
		if d.rollup || d.kind == kindTime || d.campaignJoin || d.expr != "" {
			return false
		}
	}
	return true
}

// clicksWithConversions is the click side with each click's conversions
// summed beside it. Its orphan field holds minus the conversions matched,
// for runTop to subtract from all conversions in the range.
func (p *plan) clicksWithConversions() sideSpec {
	var join sqlBuf
	join.add(" LEFT JOIN (SELECT CAST(c.click_id AS uuid) AS click_id, MIN(c.click_created_at) AS first_at, " +
		"MAX(c.click_created_at) AS last_at, COUNT(*) AS n")
	aggs := rawClickAggs(true)
	for i, a := range convAggs(true)[:orphanField-clickFieldCount] {
		join.add(", " + a + " AS c" + strconv.Itoa(i))
		aggs = append(aggs, "SUM(cv.c"+strconv.Itoa(i)+")")
	}
	aggs = append(aggs, "-SUM(cv.n)")
	join.add(" FROM conversions c WHERE c.attributed AND c.click_id ~ '^[0-9a-fA-F-]{36}$' "+
		"AND c.click_created_at >= ? AND c.click_created_at < ? GROUP BY 1) cv ON cv.click_id = k.id "+
		"AND k.created_at >= cv.last_at - INTERVAL '1 minute' AND k.created_at <= cv.first_at + INTERVAL '1 minute'",
		p.span.From, p.span.To)
	raw := &gen{pg: true, src: srcRaw, timeCol: "k.created_at", span: p.span, join: &join}
	return p.side(raw, aggs, 0, nil)
}

// topOrder is the ORDER BY of the paged click side, the same order
// sortGroups gives; ok is false when it needs more than the click side has.
func (p *plan) topOrder(fields []int) (string, bool) {
	parts := make([]string, 0, len(p.sort)+len(p.dims))
	for _, s := range p.sort {
		col, ok := p.topColumn(s.Name, fields)
		if !ok {
			return "", false
		}
		if s.Order == "DESC" {
			col += " DESC"
		}
		parts = append(parts, col)
	}
	for i, d := range p.dims {
		parts = append(parts, dimOrder(i, d))
	}
	return strings.Join(parts, ", "), true
}

func (p *plan) topColumn(name string, fields []int) (string, bool) {
	for i, d := range p.dims {
		if name == d.outKey() {
			return dimOrder(i, d), true
		}
	}
	f, ok := directClickFields[name]
	j := slices.Index(fields, f)
	if !ok || j < 0 {
		return "", false
	}
	return "s.s" + strconv.Itoa(j), true
}

// dimOrder sorts a dimension as Go does: numbers by value, text by bytes.
func dimOrder(i int, d *dimension) string {
	if scansAsInt(d) {
		return "s.d" + strconv.Itoa(i)
	}
	return "s.d" + strconv.Itoa(i) + ` COLLATE "C"`
}

// topSide wraps the click side: its page in order, plus the group count and
// the click totals (the same on every row) scanned into count and totals,
// and, when convs is set, the count of conversions in the range.
func (p *plan) topSide(click sideSpec, order string, count *float64, totals *base, convs *float64) sideSpec {
	var q sqlBuf
	q.add("/* report.topSide */ SELECT s.*, CAST(COUNT(*) OVER () AS DOUBLE PRECISION)")
	extra := []any{count}
	tf := totals.allFields()
	for j, f := range click.fields {
		q.add(", SUM(s.s" + strconv.Itoa(j) + ") OVER ()")
		extra = append(extra, tf[f])
	}
	if convs != nil {
		q.add(", (SELECT CAST(COUNT(*) AS DOUBLE PRECISION) FROM conversions c "+
			"WHERE c.click_created_at >= ? AND c.click_created_at < ?)", p.span.From, p.span.To)
		extra = append(extra, convs)
	}
	q.add(" FROM ("+click.q.String()+") s", click.q.args...)
	q.add(" ORDER BY "+order+" LIMIT ?", p.req.Offset+p.req.Limit)
	return sideSpec{q: &q, fields: click.fields, settings: click.settings, extra: extra}
}

// runTop builds the report with the click side paged in SQL; ok is false
// when it cannot (the caller then runs it the ordinary way).
func (r *Reports) runTop(ctx context.Context, p *plan) (res *Result, ok bool, err error) {
	p.top = true
	defer func() { p.top = ok }()
	sides := p.sides(true)
	var convsInRange *float64 // set when conversions ride on the click side
	if p.convRidesOnClicks() {
		sides, convsInRange = []sideSpec{p.clicksWithConversions()}, new(float64)
	}
	order, fits := p.topOrder(sides[0].fields)
	if !fits {
		return nil, false, nil
	}
	var count float64
	var clickTotals base
	sides[0] = p.topSide(sides[0], order, &count, &clickTotals, convsInRange)
	results := make([]sideResult, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = r.collect(ctx, p, s) }()
	}
	wg.Wait()
	for _, res := range results {
		if res.err != nil {
			return nil, false, res.err
		}
	}
	page := results[0]
	var convTotals base
	if len(results) > 1 {
		for _, g := range results[1].groups {
			convTotals.add(&g.b)
		}
	}
	if convsInRange != nil { // the orphan sum is minus the matched conversions
		convTotals.Orphans = *convsInRange + clickTotals.Orphans
		clickTotals.Orphans = 0
	}
	if convTotals.Orphans > 0 || len(page.order) == 0 {
		return nil, false, nil
	}
	names, err := r.entityNames(ctx, p)
	if err != nil {
		return nil, false, err
	}
	out := &Result{Columns: p.columns, Total: int(count), Source: p.source(), Summary: map[string]any{}}
	for _, k := range page.order[min(p.req.Offset, len(page.order)):] {
		g := page.groups[k]
		if len(results) > 1 && results[1].groups[k] != nil {
			g.b.add(&results[1].groups[k].b)
		}
		out.Rows = append(out.Rows, p.row(g, names))
	}
	if out.Rows == nil {
		out.Rows = []map[string]any{}
	}
	r.topRuns.Add(1)
	clickTotals.add(&convTotals)
	for _, name := range p.metrics {
		out.Summary[name] = metricValue(metrics[name], &clickTotals)
	}
	return out, true, nil
}

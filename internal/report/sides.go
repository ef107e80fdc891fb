package report

import (
	"strconv"
	"strings"
	"time"
)

// Aggregates of each side, in base field order (fields.go). On Postgres
// money and counters are summed as doubles: SUM over NUMERIC (and SUM over
// BIGINT, which yields NUMERIC) costs about twice as much per row, and every
// sum is scanned into a float64 anyway.
func rawClickAggs(pg bool) []string {
	return []string{
		"COUNT(*)",
		"SUM(CASE WHEN k.is_unique_campaign THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN k.is_unique_stream THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN k.is_unique_global THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN k.is_bot THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN k.referrer = '' THEN 1 ELSE 0 END)",
		"SUM(CASE WHEN k.lp_clicked_at IS NOT NULL THEN 1 ELSE 0 END)",
		"SUM(" + asDouble("k.cost", pg) + ")",
	}
}

// rollupClickAggs read any click cube: they share the counter columns.
func rollupClickAggs(pg bool) []string { return cubeAggs(cubeCounters, pg) }

// cubeAggs sums a cube's counter columns, in order.
func cubeAggs(counters string, pg bool) []string {
	out := strings.Split(counters, ", ")
	for i, c := range out {
		out[i] = "SUM(" + asDouble("h."+c, pg) + ")"
	}
	return out
}

func convAggs(pg bool) []string {
	var out []string
	statuses := []string{"lead", "sale", "rejected", "rebill"}
	for _, s := range statuses {
		out = append(out, "SUM(CASE WHEN c.status = '"+s+"' THEN 1 ELSE 0 END)")
	}
	for _, s := range statuses {
		out = append(out, "SUM(CASE WHEN c.status = '"+s+"' THEN "+asDouble("c.revenue", pg)+" ELSE 0 END)")
	}
	// Orphans (conversions whose click is not in raw clicks) exist only on
	// the joined side; the mask asks for them only there (top.go).
	return append(out, "SUM(CASE WHEN k.id IS NULL THEN 1 ELSE 0 END)")
}

func asDouble(col string, pg bool) string {
	if pg {
		return "CAST(" + col + " AS DOUBLE PRECISION)"
	}
	return col
}

// parallelConvSpan is the shortest range whose conversion side is worth
// scanning with parallel workers.
const parallelConvSpan = 14 * 24 * time.Hour

// side is one side's query reading the fields the report needs.
func (p *plan) side(g *gen, aggs []string, first int, where *sqlBuf) sideSpec {
	keep, idx := pickAggs(p.fieldsNeeded(), aggs, first)
	grouped, formats := p.groupedQuery(g, keep, where)
	s := sideSpec{q: grouped, fields: idx, grouped: grouped, formats: formats}
	if formats != nil {
		s.q = printBuckets(grouped, formats, len(keep))
	}
	if g.src == srcConvJoined && g.pg {
		// Postgres' estimates favour hashing every click of the window to
		// join the conversions (a few % of them); probing the click's
		// partition by id per conversion measured 3-5 times faster.
		s.settings = []string{"SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off"}
	}
	if g.src == srcConv && g.pg && p.span.To.Sub(p.span.From) >= parallelConvSpan {
		// Postgres cannot estimate groups of an expression (the day in the
		// report's zone), takes every conversion for its own group and so
		// never splits the scan between workers. The groups are few (30
		// days x campaigns x countries: 12k of 300k conversions at 10M
		// clicks), and two workers cut the side from 550 to 410 ms; over a
		// day or two, starting them costs more than it saves.
		s.settings = []string{"SET LOCAL parallel_setup_cost = 0", "SET LOCAL parallel_tuple_cost = 0.001"}
	}
	return s
}

// sides are every query of the report: the click side's and the
// conversion side's.
func (p *plan) sides(pg bool) []sideSpec {
	var out []sideSpec
	if p.needClicks {
		out = append(out, p.clickSides(pg)...)
	}
	if p.needConv {
		if t := p.convCube(pg); t != "" {
			out = append(out, p.convCubeSide(pg, t))
		} else {
			out = append(out, p.side(p.convGen(pg), convAggs(pg), clickFieldCount, nil))
		}
	}
	return out
}

// groupedQuery builds the aggregate query of one side of the report; where,
// when set, replaces the plain range condition on the time column. Postgres
// time buckets come out as timestamps, to print with formats (nil when
// there is nothing to print) once grouped.
func (p *plan) groupedQuery(g *gen, aggs []string, where *sqlBuf) (*sqlBuf, []string) {
	var q sqlBuf
	q.add("/* report.sideQuery */ SELECT ")
	formats := make([]string, len(p.dims))
	printLater := false
	for i, d := range p.dims {
		if i > 0 {
			q.add(", ")
		}
		e, args := g.selectExpr(d)
		if g.pg && d.kind == kindTime {
			e, args, formats[i] = g.pgBucket(d.timeFmt)
			printLater = printLater || formats[i] != ""
		}
		q.add(e+" AS d"+strconv.Itoa(i), args...)
	}
	for i, a := range aggs {
		if i > 0 || len(p.dims) > 0 {
			q.add(", ")
		}
		if g.pg {
			q.add("CAST(COALESCE(" + a + ", 0) AS DOUBLE PRECISION)")
		} else {
			q.add("COALESCE(" + a + ", 0)")
		}
		q.add(" AS s" + strconv.Itoa(i))
	}
	p.writeFrom(&q, g)
	if where != nil {
		q.add(where.String(), where.args...)
	} else {
		q.add(" WHERE "+g.timeCol+" >= ? AND "+g.timeCol+" < ?", p.span.From, p.span.To)
	}
	for _, f := range p.dimFilters {
		e, args := g.predicate(f)
		q.add(" AND "+e, args...)
	}
	if len(p.dims) > 0 {
		q.add(" GROUP BY ")
		for i := range p.dims {
			if i > 0 {
				q.add(", ")
			}
			q.add(strconv.Itoa(i + 1))
		}
	}
	if !printLater {
		formats = nil
	}
	return &q, formats
}

// printBuckets wraps a grouped query to print its time buckets.
func printBuckets(inner *sqlBuf, formats []string, sums int) *sqlBuf {
	var q sqlBuf
	q.add("/* report.printBuckets */ SELECT ")
	for i, f := range formats {
		d := "d" + strconv.Itoa(i)
		if f != "" {
			q.add("to_char(t." + d + ", '" + f + "') AS " + d + ", ")
		} else {
			q.add("t." + d + ", ")
		}
	}
	for i := 0; i < sums; i++ {
		if i > 0 {
			q.add(", ")
		}
		q.add("t.s" + strconv.Itoa(i))
	}
	return q.add(" FROM ("+inner.String()+") t", inner.args...)
}

func (p *plan) usesCampaignJoin() bool {
	for _, d := range p.dims {
		if d.campaignJoin {
			return true
		}
	}
	for _, f := range p.dimFilters {
		if f.dim.campaignJoin {
			return true
		}
	}
	return false
}

func (p *plan) writeFrom(q *sqlBuf, g *gen) {
	switch g.src {
	case srcRaw:
		q.add(" FROM clicks k")
	case srcRollup:
		table := p.cube
		if g.table != "" {
			table = g.table
		}
		q.add(" FROM " + table + " h")
	default:
		q.add(" FROM conversions c")
	}
	if g.join != nil {
		q.add(g.join.String(), g.join.args...)
	}
	if g.src == srcConvJoined {
		q.add(clickJoin(g.pg))
		if g.pg {
			// Constant bounds let Postgres prune partitions when planning;
			// without them it hashes every click ever recorded.
			q.add(" AND k.created_at >= ? AND k.created_at < ?", p.clickWindow.From, p.clickWindow.To)
		}
	}
	if p.usesCampaignJoin() {
		q.add(" LEFT JOIN campaigns cg ON cg.id = " + g.alias() + ".campaign_id")
	}
}

// clickJoin finds a conversion's click. On Postgres the id is cast to uuid
// only when it looks like one (unattributed postbacks may carry anything),
// and the click time narrows the search to one partition.
func clickJoin(pg bool) string {
	if !pg {
		return " LEFT JOIN clicks k ON k.id = c.click_id"
	}
	return " LEFT JOIN clicks k ON k.id = (CASE WHEN c.attributed AND c.click_id ~ '^[0-9a-fA-F-]{36}$' " +
		"THEN CAST(c.click_id AS uuid) END) AND k.created_at >= c.click_created_at - INTERVAL '1 minute' " +
		"AND k.created_at <= c.click_created_at + INTERVAL '1 minute'"
}

// clickSides are the queries of the click side: raw clicks, or a cube plus
// raw clicks of the hours the cube cannot split exactly.
func (p *plan) clickSides(pg bool) []sideSpec {
	raw := &gen{pg: pg, src: srcRaw, timeCol: "k.created_at", span: p.span}
	if p.raw {
		return []sideSpec{p.side(raw, rawClickAggs(pg), 0, nil)}
	}
	var cubeParts []sideSpec
	if p.daily != "" {
		daily := &gen{pg: pg, src: srcRollup, table: p.daily, timeCol: midday(pg, "h.day"), span: p.span}
		cubeParts = append(cubeParts, p.side(daily, rollupClickAggs(pg), 0, p.dailyTimeClause()))
	}
	if len(p.misfits) > 0 {
		// Misfit hours leave their day's bucket here; the hourly part below
		// adds them to their own.
		out := &gen{pg: pg, src: srcRollup, timeCol: midday(pg, "h.hour"), span: p.span}
		neg := rollupClickAggs(pg)
		for i, a := range neg {
			neg[i] = "-" + a
		}
		cubeParts = append(cubeParts, p.side(out, neg, 0, p.misfitTimeClause()))
	}
	if p.cube != "" && (p.daily == "" || len(p.hourlyRanges()) > 0) {
		cube := &gen{pg: pg, src: srcRollup, timeCol: "h.hour", span: p.span}
		cubeParts = append(cubeParts, p.side(cube, rollupClickAggs(pg), 0, p.cubeTimeClause()))
	}
	sides := []sideSpec{p.unionSides(cubeParts)}
	if len(p.splits) > 0 {
		sides = append(sides, p.side(raw, rawClickAggs(pg), 0, p.splitTimeClause()))
	}
	return sides
}

// unionSides merges cube parts reading the same sums into one query, so
// the database adds them up and returns one row per group (a daily report
// in Moscow would otherwise send Go three times the rows).
func (p *plan) unionSides(parts []sideSpec) sideSpec {
	if len(parts) == 1 {
		return parts[0]
	}
	var q sqlBuf
	q.add("/* report.unionSides */ SELECT ")
	var cols, keys []string
	for i := range p.dims {
		keys = append(keys, "u.d"+strconv.Itoa(i))
		cols = append(cols, "u.d"+strconv.Itoa(i)+" AS d"+strconv.Itoa(i))
	}
	for i := range parts[0].fields {
		cols = append(cols, "SUM(u.s"+strconv.Itoa(i)+") AS s"+strconv.Itoa(i))
	}
	q.add(strings.Join(cols, ", ") + " FROM (")
	for i, part := range parts {
		if i > 0 {
			q.add(" UNION ALL ")
		}
		q.add(part.grouped.String(), part.grouped.args...)
	}
	q.add(") u")
	if len(p.dims) > 0 {
		q.add(" GROUP BY " + strings.Join(keys, ", "))
	}
	out := sideSpec{q: &q, fields: parts[0].fields, settings: parts[0].settings}
	if f := parts[0].formats; f != nil {
		out.q = printBuckets(&q, f, len(out.fields))
	}
	return out
}

func (p *plan) convGen(pg bool) *gen {
	g := &gen{pg: pg, src: srcConv, timeCol: "c.click_created_at", span: p.span}
	if !p.convByClick {
		g.timeCol = "c.created_at"
	}
	if p.convJoined {
		g.src = srcConvJoined
	}
	return g
}

// sideSpec is one side's query and the base fields its sums fill.
type sideSpec struct {
	q        *sqlBuf
	fields   []int
	settings []string // planner settings for this query (Postgres)
	extra    []any    // destinations of columns after the sums (top.go)
	// grouped is q before its time buckets are printed with formats.
	grouped *sqlBuf
	formats []string
}

package report

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// group is one report row being assembled: its dimension values and sums.
type group struct {
	dims []any
	b    base
}

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

// rollupClickAggs read any cube: they share the counter columns.
func rollupClickAggs(pg bool) []string {
	out := strings.Split(cubeCounters, ", ")
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

// side is one side's query reading the fields the report needs.
func (p *plan) side(g *gen, aggs []string, first int, where *sqlBuf) sideSpec {
	keep, idx := pickAggs(p.fieldsNeeded(), aggs, first)
	s := sideSpec{q: p.sideQuery(g, keep, where), fields: idx}
	if g.src == srcConvJoined && g.pg {
		// Postgres' estimates favour hashing every click of the window to
		// join the conversions (a few % of them); probing the click's
		// partition by id per conversion measured 3-5 times faster.
		s.settings = []string{"SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off"}
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
		out = append(out, p.side(p.convGen(pg), convAggs(pg), clickFieldCount, nil))
	}
	return out
}

// sideQuery builds the aggregate query of one side of the report; where,
// when set, replaces the plain range condition on the time column.
func (p *plan) sideQuery(g *gen, aggs []string, where *sqlBuf) *sqlBuf {
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
	if printLater {
		return printBuckets(&q, formats, len(aggs))
	}
	return &q
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
	var sides []sideSpec
	if p.daily != "" {
		daily := &gen{pg: pg, src: srcRollup, table: p.daily, timeCol: "h.day", span: p.span}
		sides = append(sides, p.side(daily, rollupClickAggs(pg), 0, p.dailyTimeClause()))
	}
	if p.daily == "" || len(p.hourlyRanges()) > 0 {
		cube := &gen{pg: pg, src: srcRollup, timeCol: "h.hour", span: p.span}
		sides = append(sides, p.side(cube, rollupClickAggs(pg), 0, p.cubeTimeClause()))
	}
	if len(p.splits) > 0 {
		sides = append(sides, p.side(raw, rawClickAggs(pg), 0, p.splitTimeClause()))
	}
	return sides
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
}

// sideResult is one side's groups in the order they came.
type sideResult struct {
	groups map[string]*group
	order  []string
	err    error
}

// collectSides runs the sides (concurrently on Postgres, where each gets its
// own connection) and merges their groups by key: a group with clicks but
// no conversions, or the other way round, still gets its row.
func (r *Reports) collectSides(ctx context.Context, p *plan, sides []sideSpec) (map[string]*group, []string, error) {
	results := make([]sideResult, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		run := func() { results[i] = r.collect(ctx, p, s) }
		if r.st.IsPostgres() && len(sides) > 1 {
			wg.Add(1)
			go func() { defer wg.Done(); run() }()
		} else {
			run()
		}
	}
	wg.Wait()
	groups := map[string]*group{}
	var order []string
	for _, res := range results {
		if res.err != nil {
			return nil, nil, res.err
		}
		for _, k := range res.order {
			g := res.groups[k]
			if have, ok := groups[k]; ok {
				have.b.add(&g.b)
				continue
			}
			groups[k] = g
			order = append(order, k)
		}
	}
	return groups, order, nil
}

// collect runs one side's query and sums its rows by group key. On Postgres
// the query gets more sort/hash memory than a web request's default, so big
// groupings do not spill to disk, and a time limit, so no report can hold
// the database for long.
func (r *Reports) collect(ctx context.Context, p *plan, s sideSpec) sideResult {
	res := sideResult{groups: map[string]*group{}}
	began := time.Now()
	defer func() {
		r.log.Debug("report side", "took", time.Since(began), "groups", len(res.order), "sql", s.q.String())
	}()
	db := r.st.DB.WithContext(ctx)
	if !r.st.IsPostgres() {
		res.err = scanSide(db, p, s, &res)
		return res
	}
	res.err = db.Transaction(func(tx *gorm.DB) error {
		sets := append([]string{"SET LOCAL work_mem = '64MB'", "SET LOCAL statement_timeout = '120s'"}, s.settings...)
		for _, set := range sets {
			if err := tx.Exec(set).Error; err != nil {
				return err
			}
		}
		return scanSide(tx, p, s, &res)
	})
	return res
}

func scanSide(db *gorm.DB, p *plan, s sideSpec, res *sideResult) error {
	rows, err := db.Raw(s.q.String(), s.q.args...).Rows()
	if err != nil {
		return fmt.Errorf("report query: %w", err)
	}
	defer rows.Close()
	nd := len(p.dims)
	dest := make([]any, nd+len(s.fields), nd+len(s.fields)+len(s.extra))
	ints := make([]sql.NullInt64, nd)
	strs := make([]sql.NullString, nd)
	var sums base
	all := sums.allFields()
	sf := make([]*float64, len(s.fields))
	for i, f := range s.fields {
		sf[i] = all[f]
	}
	for i, d := range p.dims {
		if scansAsInt(d) {
			dest[i] = &ints[i]
		} else {
			dest[i] = &strs[i]
		}
	}
	for i := range sf {
		dest[nd+i] = sf[i]
	}
	dest = append(dest, s.extra...)
	var key strings.Builder
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("report scan: %w", err)
		}
		key.Reset()
		vals := make([]any, nd)
		for i, d := range p.dims {
			if scansAsInt(d) {
				vals[i] = ints[i].Int64
				key.WriteString(strconv.FormatInt(ints[i].Int64, 10))
			} else {
				vals[i] = strs[i].String
				key.WriteString(strs[i].String)
			}
			key.WriteByte(0x1f)
		}
		k := key.String()
		g, ok := res.groups[k]
		if !ok {
			g = &group{dims: vals}
			res.groups[k] = g
			res.order = append(res.order, k)
		}
		g.b.add(&sums)
	}
	return rows.Err()
}

func scansAsInt(d *dimension) bool {
	return d.kind == kindInt || d.kind == kindBool || d.timeFmt == "hour" || d.timeFmt == "weekday"
}

// findClickWindow bounds the click times of the conversions a joined report
// reads: the report's range by click time, else the span of their clicks.
func (r *Reports) findClickWindow(ctx context.Context, p *plan) error {
	pad := time.Minute // conversions copy the click time; allow for rounding
	p.clickWindow = span{From: p.span.From.Add(-pad), To: p.span.To.Add(pad)}
	if !p.convJoined || p.convByClick || !r.st.IsPostgres() {
		return nil
	}
	var lo, hi sql.NullTime
	err := r.st.DB.WithContext(ctx).Raw("/* report.findClickWindow */ SELECT MIN(click_created_at), MAX(click_created_at) "+
		"FROM conversions WHERE created_at >= ? AND created_at < ?", p.span.From, p.span.To).Row().Scan(&lo, &hi)
	if err != nil {
		return fmt.Errorf("report click window: %w", err)
	}
	if lo.Valid && hi.Valid {
		p.clickWindow = span{From: lo.Time.Add(-pad), To: hi.Time.Add(pad)}
	}
	return nil
}

// firstClick narrows all_time to the day of the first rolled-up hour (the
// rollup keeps every click, raw clicks only as long as the retention).
func (r *Reports) firstClick(ctx context.Context, p *plan) {
	if !p.span.From.Equal(allTimeStart.In(p.span.Loc).UTC()) {
		return
	}
	var t sql.NullTime
	q := "/* report.firstClick */ SELECT MIN(hour) FROM click_stats_hourly"
	db := r.st.DB.WithContext(ctx)
	if r.st.IsPostgres() {
		if db.Raw(q).Row().Scan(&t) != nil {
			return
		}
	} else {
		var first sql.NullString
		if db.Raw(q).Row().Scan(&first) != nil || !first.Valid {
			return
		}
		t.Time, t.Valid = parseSQLiteTime(first.String)
	}
	if !t.Valid {
		return
	}
	p.span.From = startOfDay(t.Time.In(p.span.Loc)).UTC()
	if p.span.From.After(p.span.To) {
		p.span.From = p.span.To
	}
}

func parseSQLiteTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

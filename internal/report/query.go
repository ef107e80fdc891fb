package report

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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

// Every report query is planned for its own values (plan_cache_mode): the
// driver caches prepared statements per connection, and from the sixth
// run of a statement on a connection Postgres may switch to a generic plan
// that cannot see the range. For the conversion side joined to clicks that
// plan filters the join instead of probing the click index, and one run in
// ten of "sub_id_1, 7 days" took 3-9 s instead of 60 ms (measured on 200k
// clicks; EXPLAIN ANALYZE: 67M rows removed by the join filter).
//
// JIT is off: past jit_above_cost Postgres compiles every expression of every
// partition's scan, in every parallel worker, before reading a row. For the
// joined conversion side of "sub_id_1, 7 days" (4M clicks seeded, 33k
// conversions in the week) EXPLAIN ANALYZE showed 276 functions compiled with
// inlining and optimization: JIT 18.8 s, the query 12.3 s with it and 3.4 s
// without (a busy box, but the ratio holds). Report queries group a few
// million rows at most, where compiled expressions win a few percent at best.
var reportSettings = []string{"SET LOCAL work_mem = '64MB'", "SET LOCAL statement_timeout = '120s'",
	"SET LOCAL plan_cache_mode = force_custom_plan", "SET LOCAL jit = off"}

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
		sets := append(slices.Clip(reportSettings), s.settings...)
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

package report

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// group is one report row being assembled: its dimension values and sums.
type group struct {
	dims []any
	b    base
}

// clickAggs are the click-side sums per source, in base field order.
var rawClickAggs = []string{
	"COUNT(*)",
	"SUM(CASE WHEN k.is_unique_campaign THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN k.is_unique_stream THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN k.is_unique_global THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN k.is_bot THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN k.referrer = '' THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN k.lp_clicked_at IS NOT NULL THEN 1 ELSE 0 END)",
	"SUM(k.cost)",
}

var rollupClickAggs = []string{"SUM(h.clicks)", "SUM(h.campaign_unique_clicks)", "SUM(h.stream_unique_clicks)",
	"SUM(h.global_unique_clicks)", "SUM(h.bots)", "SUM(h.empty_referrers)", "SUM(h.lp_clicks)", "SUM(h.cost)"}

var convAggs = []string{
	"SUM(CASE WHEN c.status = 'lead' THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'sale' THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'rejected' THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'rebill' THEN 1 ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'lead' THEN c.revenue ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'sale' THEN c.revenue ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'rejected' THEN c.revenue ELSE 0 END)",
	"SUM(CASE WHEN c.status = 'rebill' THEN c.revenue ELSE 0 END)",
}

func (b *base) clickFields() []*float64 {
	return []*float64{&b.Clicks, &b.CampaignUnique, &b.StreamUnique, &b.GlobalUnique, &b.Bots,
		&b.EmptyReferrers, &b.LPClicks, &b.Cost}
}

func (b *base) convFields() []*float64 {
	return []*float64{&b.Leads, &b.Sales, &b.Rejected, &b.Rebills, &b.LeadRevenue, &b.SaleRevenue,
		&b.RejectedRevenue, &b.RebillRevenue}
}

// sideQuery builds the aggregate query of one side of the report.
func (p *plan) sideQuery(g *gen, aggs []string) *sqlBuf {
	var q sqlBuf
	q.add("/* report.sideQuery */ SELECT ")
	for i, d := range p.dims {
		if i > 0 {
			q.add(", ")
		}
		e, args := g.selectExpr(d)
		q.add(e, args...)
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
	}
	q.add(p.fromClause(g))
	q.add(" WHERE "+g.timeCol+" >= ? AND "+g.timeCol+" < ?", p.span.From, p.span.To)
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
	return &q
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

func (p *plan) fromClause(g *gen) string {
	var from string
	switch g.src {
	case srcRaw:
		from = " FROM clicks k"
	case srcRollup:
		from = " FROM click_stats_hourly h"
	default:
		from = " FROM conversions c"
	}
	if g.src == srcConvJoined {
		from += clickJoin(g.pg)
	}
	if p.usesCampaignJoin() {
		from += " LEFT JOIN campaigns cg ON cg.id = " + g.alias() + ".campaign_id"
	}
	return from
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

// clickGen and convGen pick the source of each side.
func (p *plan) clickGen(pg bool) *gen {
	if p.raw {
		return &gen{pg: pg, src: srcRaw, timeCol: "k.created_at", span: p.span}
	}
	return &gen{pg: pg, src: srcRollup, timeCol: "h.hour", span: p.span}
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

// collect runs one side's query and adds its sums into groups by key.
func (r *Reports) collect(ctx context.Context, p *plan, q *sqlBuf, fields func(*base) []*float64,
	groups map[string]*group, order *[]string) error {
	rows, err := r.st.DB.WithContext(ctx).Raw(q.String(), q.args...).Rows()
	if err != nil {
		return fmt.Errorf("report query: %w", err)
	}
	defer rows.Close()
	nd := len(p.dims)
	dest := make([]any, nd+8)
	ints := make([]sql.NullInt64, nd)
	strs := make([]sql.NullString, nd)
	var sums base
	sf := fields(&sums)
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
		gr, ok := groups[k]
		if !ok {
			gr = &group{dims: vals}
			groups[k] = gr
			*order = append(*order, k)
		}
		gr.b.add(&sums)
	}
	return rows.Err()
}

func scansAsInt(d *dimension) bool {
	return d.kind == kindInt || d.kind == kindBool || d.timeFmt == "hour" || d.timeFmt == "weekday"
}

// firstClick narrows all_time to the day of the first recorded click.
func (r *Reports) firstClick(ctx context.Context, p *plan) {
	if !p.span.From.Equal(allTimeStart.In(p.span.Loc).UTC()) {
		return
	}
	var first sql.NullString
	var t sql.NullTime
	db := r.st.DB.WithContext(ctx)
	var err error
	if r.st.IsPostgres() {
		err = db.Raw("/* report.firstClick */ SELECT MIN(created_at) FROM clicks").Row().Scan(&t)
	} else {
		err = db.Raw("/* report.firstClick */ SELECT MIN(created_at) FROM clicks").Row().Scan(&first)
		if first.Valid {
			t.Time, t.Valid = parseSQLiteTime(first.String)
		}
	}
	if err != nil || !t.Valid {
		return
	}
	local := t.Time.In(p.span.Loc)
	p.span.From = startOfDay(local).UTC()
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

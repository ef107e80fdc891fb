// Package report answers Keitaro's report builder (report/build) and the
// click and conversion logs over Kite's storage. The planner reads the hourly
// rollup (click_stats_hourly) when every dimension asked for lives there and
// the report's zone lines up with UTC hours, raw clicks otherwise; conversions
// always come from their own table, which carries the click's low-cardinality
// dimensions. Click-side and conversion-side sums are merged by group in Go.
package report

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kite-tracker/kite/internal/store"
)

// Reports runs reports and logs against the store.
type Reports struct {
	st  *store.Store
	log *slog.Logger
	now func() time.Time
	// noTop turns off paging in SQL (top.go), so tests can compare.
	noTop bool
	// topRuns counts reports served with the click side paged in SQL.
	topRuns atomic.Int64
}

// New returns the report service.
func New(st *store.Store, log *slog.Logger) *Reports {
	if log == nil {
		log = slog.Default()
	}
	return &Reports{st: st, log: log, now: time.Now}
}

// Result is a built report. Rows hold the columns named in Columns: each
// grouping's value (entity groupings also their name, e.g. campaign_id and
// campaign) and each metric.
type Result struct {
	Columns []string         `json:"columns"`
	Rows    []map[string]any `json:"rows"`
	Total   int              `json:"total"`
	Summary map[string]any   `json:"summary"`
	// Source names the tables the click side was read from, joined by "+":
	// "clicks" when raw; else a daily cube for whole days, an hourly cube,
	// and "clicks" when raw clicks filled in hours the cube cannot split.
	// For logs, benchmarks and tests.
	Source string `json:"-"`
	// ConvSource names where the conversion side was read: "conversions",
	// or a conversion cube (convcube.go); "" when no conversion metric was
	// asked for.
	ConvSource string `json:"-"`
}

// Run builds a report. Bad requests come back as *echo.HTTPError (400).
func (r *Reports) Run(ctx context.Context, req Request) (*Result, error) {
	req.Filters = scopeFilters(ctx, req.Filters)
	p, err := req.validate(r.now())
	if err != nil {
		return nil, err
	}
	r.firstClick(ctx, p)
	p.choose()
	p.chooseDailyOnlyCube(r.st.IsPostgres())
	if err := p.checkRawRange(); err != nil {
		return nil, err
	}
	if err := r.findClickWindow(ctx, p); err != nil {
		return nil, err
	}
	if !r.noTop && p.wantsTop(r.st.IsPostgres()) {
		if res, ok, err := r.runTop(ctx, p); ok || err != nil {
			return res, err
		}
	}
	groups, order, err := r.collectSides(ctx, p, p.sides(r.st.IsPostgres()))
	if err != nil {
		return nil, err
	}
	names, err := r.entityNames(ctx, p)
	if err != nil {
		return nil, err
	}
	res := p.assemble(groups, order, names)
	res.ConvSource = p.convSource(r.st.IsPostgres())
	return res, nil
}

// convSource names the conversion side's table, for Result.ConvSource.
func (p *plan) convSource(pg bool) string {
	if !p.needConv {
		return ""
	}
	if t := p.convCube(pg); t != "" {
		return t
	}
	return "conversions"
}

// assemble applies HAVING filters, sorts, pages and adds the summary.
func (p *plan) assemble(groups map[string]*group, order []string, names map[string]map[int64]string) *Result {
	kept := make([]*group, 0, len(order))
	var total base
	for _, k := range order {
		g := groups[k]
		if len(p.misfits) > 0 && len(p.dims) > 0 && g.b.empty() {
			continue // all its clicks were misfits moved to another bucket
		}
		if p.having(&g.b) {
			kept = append(kept, g)
			total.add(&g.b)
		}
	}
	from, to := p.window(len(kept))
	p.sortGroups(kept, to, names)
	res := &Result{Columns: p.columns, Total: len(kept), Source: p.source()}
	res.Rows = make([]map[string]any, 0, to-from)
	for _, g := range kept[from:to] {
		res.Rows = append(res.Rows, p.row(g, names))
	}
	res.Summary = map[string]any{}
	for _, name := range p.metrics {
		res.Summary[name] = metricValue(metrics[name], &total)
	}
	return res
}

// source names the tables the click side reads, joined by "+".
func (p *plan) source() string {
	if p.raw {
		return "clicks"
	}
	var parts []string
	if p.daily != "" {
		parts = append(parts, p.daily)
	}
	if p.cube != "" && (p.daily == "" || len(p.hourlyRanges()) > 0) {
		parts = append(parts, p.cube)
	}
	if len(p.splits) > 0 {
		parts = append(parts, "clicks")
	}
	return strings.Join(parts, "+")
}

func (p *plan) window(n int) (from, to int) {
	from = min(p.req.Offset, n)
	limit := p.req.Limit
	if limit == 0 || limit > MaxRows {
		limit = MaxRows
	}
	return from, min(from+limit, n)
}

func (p *plan) having(b *base) bool {
	for _, f := range p.metFilters {
		if !f.match(round4(metrics[f.name].value(b))) {
			return false
		}
	}
	return true
}

func (p *plan) row(g *group, names map[string]map[int64]string) map[string]any {
	out := make(map[string]any, len(p.columns))
	for i, d := range p.dims {
		v := g.dims[i]
		if d.kind == kindBool {
			v = v.(int64) != 0
		}
		out[d.outKey()] = v
		if d.entity != "" {
			id := v.(int64)
			name := names[d.entity][id]
			if name == "" && id != 0 {
				name = fmt.Sprintf("#%d", id)
			}
			out[d.name] = name
		}
	}
	for _, name := range p.metrics {
		out[name] = metricValue(metrics[name], &g.b)
	}
	return out
}

// entityNames loads names of the campaigns, offers, ... shown in the report.
// Config tables are small, so each is read whole.
func (r *Reports) entityNames(ctx context.Context, p *plan) (map[string]map[int64]string, error) {
	out := map[string]map[int64]string{}
	for _, d := range p.dims {
		if d.entity == "" || out[d.entity] != nil {
			continue
		}
		var rows []struct {
			ID   int64
			Name string
		}
		// d.entity comes from the fixed dimension table, never from the request.
		err := r.st.DB.WithContext(ctx).Raw("/* report.entityNames */ SELECT id, name FROM " + d.entity).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("report names: %w", err)
		}
		m := make(map[int64]string, len(rows))
		for _, row := range rows {
			m[row.ID] = row.Name
		}
		out[d.entity] = m
	}
	return out, nil
}

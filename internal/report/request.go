package report

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Request is Keitaro's ReportsRequest plus Kite's additions (attribution,
// format). Every name in it is checked against the known lists.
type Request struct {
	Range    Range    `json:"range"`
	Grouping []string `json:"grouping"`
	Metrics  []string `json:"metrics"`
	Filters  []Filter `json:"filters"`
	Sort     []Sort   `json:"sort"`
	Limit    int      `json:"limit"`
	Offset   int      `json:"offset"`
	// Attribution "click_time" (default) counts conversions on their click's
	// time; "conversion_time" on the postback's, to reconcile with a network.
	Attribution string `json:"attribution"`
	Format      string `json:"format"` // "csv" for a CSV export
}

// Filter is Keitaro's FilterRequest. Expression is a string, number, bool or a
// list (IN_LIST, BETWEEN).
type Filter struct {
	Name       string `json:"name"`
	Operator   string `json:"operator"`
	Expression any    `json:"expression"`
}

// Sort is Keitaro's SortRequest; Order is ASC or DESC.
type Sort struct {
	Name  string `json:"name"`
	Order string `json:"order"`
}

// Limits that keep one report from taking the database down.
const (
	MaxRows         = 100000
	MaxRawRangeDays = 367 // a year plus today: 1_year_ago still fits
	maxGrouping     = 10
	maxFilters      = 50
)

// plan is a validated request.
type plan struct {
	req         *Request
	span        span
	dims        []*dimension
	metrics     []string
	dimFilters  []dimFilter
	metFilters  []metFilter
	sort        []Sort
	needClicks  bool
	needConv    bool
	raw         bool        // read raw clicks instead of an hourly rollup
	cube        string      // the rollup table when not raw
	daily       string      // its daily sibling, when it serves days
	days        []hourSpan  // runs of whole UTC days the daily cube serves
	misfits     []hourSpan  // hours of those days moved to another bucket
	splits      []hourSpan  // raw-read stretches beside the cube
	splitStarts []time.Time // the UTC hours the cube must skip
	convJoined  bool        // conversions need their click's raw columns
	convByClick bool        // attribution by click time
	clickWindow span        // click times of the conversions a joined report reads
	top         bool        // Postgres pages the click side (top.go)
	columns     []string
}

func badRequest(format string, args ...any) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// validate checks every name and builds the plan. now anchors the presets.
func (r *Request) validate(now time.Time) (*plan, error) {
	p := &plan{req: r, convByClick: true}
	switch r.Attribution {
	case "", "click_time":
	case "conversion_time":
		p.convByClick = false
	default:
		return nil, badRequest("unknown attribution %q (want click_time or conversion_time)", r.Attribution)
	}
	sp, err := r.Range.resolve(now)
	if err != nil {
		return nil, err
	}
	p.span = sp
	if len(r.Grouping) > maxGrouping || len(r.Filters) > maxFilters {
		return nil, badRequest("at most %d groupings and %d filters", maxGrouping, maxFilters)
	}
	if r.Limit < 0 || r.Offset < 0 {
		return nil, badRequest("limit and offset must not be negative")
	}
	if err := p.addDims(r.Grouping); err != nil {
		return nil, err
	}
	if err := p.addMetrics(r.Metrics); err != nil {
		return nil, err
	}
	if err := p.addFilters(r.Filters); err != nil {
		return nil, err
	}
	if err := p.addSort(r.Sort); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *plan) addDims(names []string) error {
	seen := map[string]bool{}
	for _, n := range names {
		d, ok := lookupDim(strings.TrimSpace(n))
		if !ok {
			return badRequest("unknown dimension %q", n)
		}
		if seen[d.name] {
			continue
		}
		seen[d.name] = true
		p.dims = append(p.dims, d)
		p.columns = append(p.columns, d.outKey())
		if d.entity != "" {
			p.columns = append(p.columns, d.name)
		}
	}
	return nil
}

func (p *plan) addMetrics(names []string) error {
	if len(names) == 0 {
		names = defaultMetrics
	}
	seen := map[string]bool{}
	for _, n := range names {
		if _, ok := metrics[n]; !ok {
			return badRequest("unknown metric %q", n)
		}
		if !seen[n] {
			seen[n] = true
			p.metrics = append(p.metrics, n)
			p.columns = append(p.columns, n)
		}
	}
	for _, n := range p.metrics {
		p.need(metrics[n])
	}
	return nil
}

func (p *plan) need(mt *metric) {
	p.needClicks = p.needClicks || mt.clickSide
	p.needConv = p.needConv || mt.convSide
}

func (p *plan) addSort(sorts []Sort) error {
	known := map[string]bool{}
	for _, c := range p.columns {
		known[c] = true
	}
	for _, s := range sorts {
		if !known[s.Name] {
			return badRequest("cannot sort by %q: not a column of this report", s.Name)
		}
		switch strings.ToUpper(s.Order) {
		case "", "ASC", "DESC":
		default:
			return badRequest("sort order %q: want ASC or DESC", s.Order)
		}
		p.sort = append(p.sort, Sort{Name: s.Name, Order: strings.ToUpper(s.Order)})
	}
	return nil
}

// choose picks the cheapest source: the smallest hourly cube holding every
// dimension grouped or filtered on (with raw clicks for the few hours a
// half-hour zone splits, see splits.go); else raw clicks. Conversions need their click's raw row only for
// dimensions the conversions table does not copy (sub ids, region, ...).
func (p *plan) choose() {
	for _, d := range p.dims {
		p.raw = p.raw || !d.rollup
	}
	for _, f := range p.dimFilters {
		p.raw = p.raw || !f.dim.rollup
	}
	p.convJoined = p.raw && !p.allRollupDims()
	p.splits, p.splitStarts = nil, nil
	if !p.raw {
		spans, starts, ok := p.splitHours()
		p.raw = !ok
		p.splits, p.splitStarts = spans, starts
	}
	c := p.pickCube()
	p.cube, p.daily, p.days, p.misfits = c.table, "", nil, nil
	if !p.raw && c.daily != "" {
		if p.days, p.misfits = p.dailyRuns(); len(p.days) > 0 {
			p.daily = c.daily
		}
	}
	if !p.needClicks && !p.needConv {
		p.needClicks = true
	}
}

func (p *plan) allRollupDims() bool {
	for _, d := range p.dims {
		if !d.rollup && d.kind != kindTime {
			return false
		}
	}
	for _, f := range p.dimFilters {
		if !f.dim.rollup {
			return false
		}
	}
	return true
}

// checkRawRange refuses raw reports longer than MaxRawRangeDays.
func (p *plan) checkRawRange() error {
	if p.raw && p.span.To.Sub(p.span.From) > MaxRawRangeDays*24*time.Hour {
		return badRequest("range too long for these dimensions: at most %d days when grouping or filtering by "+
			"dimensions outside the hourly rollup (or in a zone with a half-hour offset)", MaxRawRangeDays)
	}
	return nil
}

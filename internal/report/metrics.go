package report

import (
	"math"
	"sort"
)

// base holds the additive aggregates every metric is computed from. Sums
// merge by addition, so click-side and conversion-side rows (and the summary)
// combine without re-querying.
type base struct {
	Clicks, CampaignUnique, StreamUnique, GlobalUnique float64
	Bots, EmptyReferrers, LPClicks, Cost               float64
	Leads, Sales, Rejected, Rebills                    float64
	LeadRevenue, SaleRevenue, RejectedRevenue          float64
	RebillRevenue                                      float64
	Orphans                                            float64 // see top.go
}

func (b *base) add(o *base) {
	b.Clicks += o.Clicks
	b.CampaignUnique += o.CampaignUnique
	b.StreamUnique += o.StreamUnique
	b.GlobalUnique += o.GlobalUnique
	b.Bots += o.Bots
	b.EmptyReferrers += o.EmptyReferrers
	b.LPClicks += o.LPClicks
	b.Cost += o.Cost
	b.Leads += o.Leads
	b.Sales += o.Sales
	b.Rejected += o.Rejected
	b.Rebills += o.Rebills
	b.LeadRevenue += o.LeadRevenue
	b.SaleRevenue += o.SaleRevenue
	b.RejectedRevenue += o.RejectedRevenue
	b.RebillRevenue += o.RebillRevenue
	b.Orphans += o.Orphans
}

// empty tells whether every sum is zero (money up to float noise).
func (b *base) empty() bool {
	for _, f := range b.allFields() {
		if math.Abs(*f) > 1e-6 {
			return false
		}
	}
	return true
}

func (b *base) conversions() float64      { return b.Leads + b.Sales }
func (b *base) revenue() float64          { return b.LeadRevenue + b.SaleRevenue + b.RebillRevenue }
func (b *base) confirmedRevenue() float64 { return b.SaleRevenue + b.RebillRevenue }

// div is a ratio whose zero denominator gives 0, as buyers expect.
func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// metric is one report column computed from base aggregates.
type metric struct {
	count               bool // an integer count (printed without decimals)
	clickSide, convSide bool
	value               func(b *base) float64
}

const (
	clickSide = 1
	convSide  = 2
	bothSides = 3
)

func m(side int, count bool, f func(b *base) float64) *metric {
	return &metric{count: count, clickSide: side&clickSide != 0, convSide: side&convSide != 0, value: f}
}

// metrics are Keitaro's report metrics (shared/reference/metrics.md).
var metrics = map[string]*metric{
	"clicks":                 m(clickSide, true, func(b *base) float64 { return b.Clicks }),
	"campaign_unique_clicks": m(clickSide, true, func(b *base) float64 { return b.CampaignUnique }),
	"stream_unique_clicks":   m(clickSide, true, func(b *base) float64 { return b.StreamUnique }),
	"global_unique_clicks":   m(clickSide, true, func(b *base) float64 { return b.GlobalUnique }),
	"bots":                   m(clickSide, true, func(b *base) float64 { return b.Bots }),
	"bot_share":              m(clickSide, false, func(b *base) float64 { return div(b.Bots, b.Clicks) * 100 }),
	"empty_referrers":        m(clickSide, true, func(b *base) float64 { return b.EmptyReferrers }),
	"lp_clicks":              m(clickSide, true, func(b *base) float64 { return b.LPClicks }),
	"lp_ctr":                 m(clickSide, false, func(b *base) float64 { return div(b.LPClicks, b.Clicks) * 100 }),
	"cost":                   m(clickSide, false, func(b *base) float64 { return b.Cost }),
	"cpc":                    m(clickSide, false, func(b *base) float64 { return div(b.Cost, b.Clicks) }),
	"ecpc":                   m(clickSide, false, func(b *base) float64 { return div(b.Cost, b.Clicks) * 1000 }),

	"conversions":       m(convSide, true, func(b *base) float64 { return b.conversions() }),
	"leads":             m(convSide, true, func(b *base) float64 { return b.Leads }),
	"sales":             m(convSide, true, func(b *base) float64 { return b.Sales }),
	"rejected":          m(convSide, true, func(b *base) float64 { return b.Rejected }),
	"rebills":           m(convSide, true, func(b *base) float64 { return b.Rebills }),
	"approve":           m(convSide, false, func(b *base) float64 { return div(b.Sales, b.Leads+b.Sales+b.Rejected) * 100 }),
	"revenue":           m(convSide, false, func(b *base) float64 { return b.revenue() }),
	"confirmed_revenue": m(convSide, false, func(b *base) float64 { return b.confirmedRevenue() }),
	"lead_revenue":      m(convSide, false, func(b *base) float64 { return b.LeadRevenue }),
	"sale_revenue":      m(convSide, false, func(b *base) float64 { return b.SaleRevenue }),
	"rejected_revenue":  m(convSide, false, func(b *base) float64 { return b.RejectedRevenue }),
	"rebill_revenue":    m(convSide, false, func(b *base) float64 { return b.RebillRevenue }),
	"ec":                m(convSide, false, func(b *base) float64 { return div(b.revenue(), b.conversions()) }),
	"ec_confirmed":      m(convSide, false, func(b *base) float64 { return div(b.confirmedRevenue(), b.conversions()) }),

	"cr":               m(bothSides, false, func(b *base) float64 { return div(b.conversions(), b.Clicks) * 100 }),
	"crl":              m(bothSides, false, func(b *base) float64 { return div(b.Leads, b.Clicks) * 100 }),
	"crs":              m(bothSides, false, func(b *base) float64 { return div(b.Sales, b.Clicks) * 100 }),
	"epc":              m(bothSides, false, func(b *base) float64 { return div(b.revenue(), b.Clicks) }),
	"epc_confirmed":    m(bothSides, false, func(b *base) float64 { return div(b.confirmedRevenue(), b.Clicks) }),
	"ecpm":             m(bothSides, false, func(b *base) float64 { return div(b.revenue(), b.Clicks) * 1000 }),
	"ecpm_confirmed":   m(bothSides, false, func(b *base) float64 { return div(b.confirmedRevenue(), b.Clicks) * 1000 }),
	"cpa":              m(bothSides, false, func(b *base) float64 { return div(b.Cost, b.conversions()) }),
	"cps":              m(bothSides, false, func(b *base) float64 { return div(b.Cost, b.Sales) }),
	"profit":           m(bothSides, false, func(b *base) float64 { return b.revenue() - b.Cost }),
	"profit_confirmed": m(bothSides, false, func(b *base) float64 { return b.confirmedRevenue() - b.Cost }),
	"roi":              m(bothSides, false, func(b *base) float64 { return div(b.revenue()-b.Cost, b.Cost) * 100 }),
	"roi_confirmed":    m(bothSides, false, func(b *base) float64 { return div(b.confirmedRevenue()-b.Cost, b.Cost) * 100 }),
}

// defaultMetrics is what a report shows when the request names none.
var defaultMetrics = []string{"clicks", "campaign_unique_clicks", "conversions", "revenue", "cost", "profit", "roi"}

// metricValue computes a metric for printing: counts as integers, money and
// ratios rounded to 4 decimals (the precision money is kept in).
func metricValue(mt *metric, b *base) any {
	v := mt.value(b)
	if mt.count {
		return int64(math.Round(v))
	}
	return round4(v)
}

func round4(v float64) float64 { return math.Round(v*10000) / 10000 }

// MetricNames lists every metric a report can show, sorted.
func MetricNames() []string {
	out := make([]string, 0, len(metrics))
	for n := range metrics {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

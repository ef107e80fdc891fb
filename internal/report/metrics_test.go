package report

import (
	"math"
	"testing"
)

func TestMetricFormulas(t *testing.T) {
	b := base{Clicks: 200, Bots: 20, LPClicks: 50, Cost: 100, Leads: 4, Sales: 6, Rejected: 10, Rebills: 2,
		LeadRevenue: 40, SaleRevenue: 120, RejectedRevenue: 99, RebillRevenue: 20}
	// revenue = 40 + 120 + 20 = 180 (rejected excluded); confirmed = 140; conversions = 10.
	want := map[string]float64{
		"bot_share": 10, "lp_ctr": 25, "conversions": 10, "approve": 30, "revenue": 180, "confirmed_revenue": 140,
		"rejected_revenue": 99, "cr": 5, "crl": 2, "crs": 3, "epc": 0.9, "epc_confirmed": 0.7, "cpc": 0.5,
		"cpa": 10, "cps": 100.0 / 6, "ec": 18, "ec_confirmed": 14, "ecpc": 500, "ecpm": 900, "ecpm_confirmed": 700,
		"profit": 80, "profit_confirmed": 40, "roi": 80, "roi_confirmed": 40, "rebills": 2,
	}
	for name, w := range want {
		if got := metrics[name].value(&b); math.Abs(got-w) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
}

// TestZeroDenominators: every ratio over nothing is 0, never NaN or Inf.
func TestZeroDenominators(t *testing.T) {
	cases := []base{
		{},
		{LeadRevenue: 10, SaleRevenue: 5}, // revenue without clicks or cost
		{Cost: 10},                        // cost without clicks or conversions
		{Clicks: 10},                      // clicks without anything else
	}
	for i, b := range cases {
		for name, mt := range metrics {
			v := mt.value(&b)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("case %d: %s = %v", i, name, v)
			}
		}
	}
	zero := base{Cost: 10}
	for _, name := range []string{"cr", "epc", "cpc", "cpa", "cps", "ec", "ecpc", "ecpm", "approve", "bot_share", "lp_ctr"} {
		if v := metrics[name].value(&zero); v != 0 {
			t.Errorf("%s over a zero denominator = %v, want 0", name, v)
		}
	}
	if v := metrics["roi"].value(&base{LeadRevenue: 5}); v != 0 {
		t.Errorf("roi without cost = %v, want 0", v)
	}
}

func TestMetricValueRounding(t *testing.T) {
	if v := metricValue(metrics["clicks"], &base{Clicks: 3}); v != int64(3) {
		t.Errorf("clicks printed as %T %v", v, v)
	}
	if v := metricValue(metrics["cpc"], &base{Clicks: 3, Cost: 1}); v != 0.3333 {
		t.Errorf("cpc printed as %v", v)
	}
}

// TestMetricMasks: each metric reads exactly the sums its formula uses, so
// a report that skips the others still computes it right.
func TestMetricMasks(t *testing.T) {
	const (
		clicks, campaignUnique, cost       = 0, 1, 7
		leads, sales, rejected, rebills    = 8, 9, 10, 11
		leadRev, saleRev, rejRev, rebillRv = 12, 13, 14, 15
	)
	bitsOf := func(fs ...int) fieldMask {
		var m fieldMask
		for _, f := range fs {
			m |= 1 << f
		}
		return m
	}
	cases := map[string]fieldMask{
		"clicks":                 bitsOf(clicks),
		"campaign_unique_clicks": bitsOf(campaignUnique),
		"cpc":                    bitsOf(cost, clicks),
		"approve":                bitsOf(sales, leads, rejected),
		"rebills":                bitsOf(rebills),
		"rejected_revenue":       bitsOf(rejRev),
		"roi":                    bitsOf(leadRev, saleRev, rebillRv, cost),
		"cr":                     bitsOf(leads, sales, clicks),
		"ec_confirmed":           bitsOf(saleRev, rebillRv, leads, sales),
	}
	for name, want := range cases {
		if got := metricMasks[name]; got != want {
			t.Errorf("%s reads %016b, want %016b", name, got, want)
		}
	}
	for name := range metrics {
		if metricMasks[name] == 0 {
			t.Errorf("%s reads no field", name)
		}
	}
}

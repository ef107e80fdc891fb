package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// moneyMetrics and percentMetrics decide how a metric's number is printed.
var (
	moneyMetrics = map[string]bool{"revenue": true, "cost": true, "profit": true, "cpc": true, "ecpc": true,
		"epc": true, "ecpm": true, "cpa": true, "cps": true, "ec": true, "confirmed_revenue": true,
		"lead_revenue": true, "sale_revenue": true, "rejected_revenue": true, "rebill_revenue": true,
		"profit_confirmed": true, "epc_confirmed": true, "ec_confirmed": true, "ecpm_confirmed": true, "payout": true}
	percentMetrics = map[string]bool{"roi": true, "cr": true, "crl": true, "crs": true, "approve": true,
		"bot_share": true, "lp_ctr": true, "roi_confirmed": true}
)

// formatMetric prints a report value the way a buyer reads it.
func formatMetric(name string, v any) string {
	if v == nil {
		return "—"
	}
	f, isNum := number(v)
	switch {
	case !isNum:
		return cellText(v)
	case percentMetrics[name]:
		return formatFixed(f, 2) + "%"
	case moneyMetrics[name]:
		return formatFixed(f, 2)
	}
	return formatNum(f)
}

// number reads a JSON-ish number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func toFloat(v any) float64 {
	f, _ := number(v)
	if s, ok := v.(string); ok {
		f, _ = strconv.ParseFloat(s, 64)
	}
	return f
}

// cellText prints any report cell as text (html/template escapes it later).
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// isMetric tells whether a report column is a metric (right-aligned, formatted).
func isMetric(name string) bool {
	return moneyMetrics[name] || percentMetrics[name] || strings.HasSuffix(name, "clicks") ||
		contains([]string{"conversions", "leads", "sales", "rejected", "rebills", "bots", "empty_referrers"}, name)
}

// timezone is the tracker's report time zone (Settings), UTC if unknown.
func (u *UI) timezone(c echo.Context) string {
	s, err := u.opt.Catalog.GetSettings(c.Request().Context())
	if err != nil || s.Timezone == "" {
		return "UTC"
	}
	return s.Timezone
}

package track

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kite-tracker/kite/internal/model"
)

// Bounds on what a visitor can make us store.
const (
	maxQueryBytes  = 8 << 10 // longer query strings get 414
	maxParamValue  = 1024    // bytes kept of one parameter value
	maxParamName   = 64
	maxExtraParams = 64
)

// clickFields are Kite's own parameter names with a column on the click.
var clickFields = map[string]func(c *model.Click) *string{
	"external_id":    func(c *model.Click) *string { return &c.ExternalID },
	"keyword":        func(c *model.Click) *string { return &c.Keyword },
	"creative_id":    func(c *model.Click) *string { return &c.CreativeID },
	"ad_campaign_id": func(c *model.Click) *string { return &c.AdCampaignID },
	"source":         func(c *model.Click) *string { return &c.Source },
	"utm_source":     func(c *model.Click) *string { return &c.UTMSource },
	"utm_medium":     func(c *model.Click) *string { return &c.UTMMedium },
	"utm_campaign":   func(c *model.Click) *string { return &c.UTMCampaign },
	"utm_term":       func(c *model.Click) *string { return &c.UTMTerm },
	"utm_content":    func(c *model.Click) *string { return &c.UTMContent },
}

// subIDIndex returns n-1 for "sub_id_n" (n in 1..30), else -1.
func subIDIndex(name string) int {
	if !strings.HasPrefix(name, "sub_id_") {
		return -1
	}
	n, err := strconv.Atoi(name[len("sub_id_"):])
	if err != nil || n < 1 || n > 30 || strconv.Itoa(n) != name[len("sub_id_"):] {
		return -1
	}
	return n - 1
}

// clean makes a visitor-supplied string safe to store and to echo: valid
// UTF-8, no control characters, bounded length.
func clean(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	ok := utf8.ValidString(s)
	for i := 0; ok && i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			ok = false
		}
	}
	if ok {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// mapParams applies the campaign's traffic source template (source query
// name -> Kite name) to the query and fills the click: sub_id_1..30 and the
// named columns; every other parameter (utm_* have columns too) lands in
// ExtraParams under its own name. It returns the parameters routing sees:
// every name as sent, plus Kite names, where a template mapping wins over a
// same-named parameter sent directly.
func mapParams(q url.Values, paramMap map[string]string, c *model.Click) map[string]string {
	params := make(map[string]string, len(q)+4)
	extra := map[string]string{}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic: which extras survive the cap must not vary
	for _, raw := range names {
		vals := q[raw]
		if len(vals) == 0 {
			continue
		}
		name, val := clean(raw, maxParamName), clean(vals[0], maxParamValue)
		if name == "" {
			continue
		}
		params[name] = val
		if _, own := clickFields[name]; !own && subIDIndex(name) < 0 && len(extra) < maxExtraParams {
			extra[name] = val
		}
	}
	for src, kite := range paramMap {
		if v, ok := params[src]; ok {
			params[kite] = v
			if _, own := clickFields[kite]; !own && subIDIndex(kite) < 0 {
				extra[kite] = v // cost, currency: macros read them from the extras
			}
		}
	}
	for name, val := range params {
		if f, ok := clickFields[name]; ok {
			*f(c) = val
		} else if i := subIDIndex(name); i >= 0 {
			*c.SubIDs()[i] = val
		}
	}
	if len(extra) > 0 {
		b, _ := json.Marshal(extra)
		c.ExtraParams = model.JSONText(b)
	}
	return params
}

// parseCost reads a cost parameter: "0.05" or "0,05"; bad or negative = 0.
func parseCost(s string) float64 {
	f, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || f < 0 || f != f || f > 1e9 {
		return 0
	}
	return f
}

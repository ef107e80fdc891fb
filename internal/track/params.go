package track

import (
	"net/url"
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
// name -> Kite name) to the raw query string and fills the click:
// sub_id_1..30 and the named columns; every other parameter (utm_* have
// columns too) lands in ExtraParams under its own name. It returns the
// parameters routing sees (every name as sent, plus Kite names, where a
// template mapping wins over a same-named parameter sent directly) and the
// extra parameters for the macros, which then need not decode ExtraParams.
//
// extra is usually params itself: every name in params without a click
// column is an extra, and the names with one are built-in macros that win
// anyway. Only past maxExtraParams (the first ones in query order are kept)
// is extra a map of its own. A name sent twice keeps its first value. The
// query is walked in place: no url.Values, no per-name slices.
func mapParams(rawQuery string, paramMap map[string]string, c *model.Click) (params, extra map[string]string) {
	params = make(map[string]string, strings.Count(rawQuery, "&")+1+len(paramMap))
	extras := 0
	eachParam(rawQuery, func(name, val string) {
		if _, dup := params[name]; dup {
			return
		}
		params[name] = val
		if !setClickField(c, name, val) {
			extras++
		}
	})
	extra = params
	if extras > maxExtraParams {
		extra = firstExtras(rawQuery)
	}
	for src, kite := range paramMap {
		if v, ok := params[src]; ok {
			params[kite] = v
			if !setClickField(c, kite, v) && extras > maxExtraParams {
				extra[kite] = v // cost, currency: macros read them from the extras
			}
		}
	}
	if enc := encodeExtra(extra); enc != "" {
		c.ExtraParams = model.JSONText(enc)
	}
	return params, extra
}

// eachParam calls fn with every parameter of the query, cleaned, in order.
func eachParam(rawQuery string, fn func(name, val string)) {
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		rawName, rawVal, ok := splitParam(pair)
		if !ok {
			continue
		}
		if name := clean(rawName, maxParamName); name != "" {
			fn(name, clean(rawVal, maxParamValue))
		}
	}
}

// firstExtras are the first maxExtraParams extra parameters of a query that
// has more than that.
func firstExtras(rawQuery string) map[string]string {
	extra := make(map[string]string, maxExtraParams)
	eachParam(rawQuery, func(name, val string) {
		if _, dup := extra[name]; !dup && len(extra) < maxExtraParams && !isClickField(name) {
			extra[name] = val
		}
	})
	return extra
}

// splitParam decodes one name=value pair as url.ParseQuery would; ok is
// false for what it would drop (empty, a ';', a broken escape).
func splitParam(pair string) (name, val string, ok bool) {
	if pair == "" || strings.IndexByte(pair, ';') >= 0 {
		return "", "", false
	}
	name, val, _ = strings.Cut(pair, "=")
	var err error
	if name, err = url.QueryUnescape(name); err != nil {
		return "", "", false
	}
	if val, err = url.QueryUnescape(val); err != nil {
		return "", "", false
	}
	return name, val, true
}

func isClickField(name string) bool {
	_, ok := clickFields[name]
	return ok || subIDIndex(name) >= 0
}

// setClickField stores a Kite-named parameter in its click column and
// reports whether it had one.
func setClickField(c *model.Click, name, val string) bool {
	if f, ok := clickFields[name]; ok {
		*f(c) = val
		return true
	}
	if i := subIDIndex(name); i >= 0 {
		*c.SubIDs()[i] = val
		return true
	}
	return false
}

// parseCost reads a cost parameter: "0.05" or "0,05"; bad or negative = 0.
func parseCost(s string) float64 {
	f, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || f < 0 || f != f || f > 1e9 {
		return 0
	}
	return f
}

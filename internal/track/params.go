package track

import (
	"net/url"
	"slices"
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
// extra parameters (nil if none), which the macros read without decoding
// ExtraParams again.
//
// A name sent twice keeps its first value; past maxExtraParams the later
// names (in query order) are not kept as extras. The query is walked in
// place: no url.Values, no per-name slices.
func mapParams(rawQuery string, paramMap map[string]string, c *model.Click) (params, extra map[string]string) {
	params = make(map[string]string, strings.Count(rawQuery, "&")+1+len(paramMap))
	for rest := rawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		rawName, rawVal, ok := splitParam(pair)
		if !ok {
			continue
		}
		name := clean(rawName, maxParamName)
		if _, dup := params[name]; dup || name == "" {
			continue
		}
		val := clean(rawVal, maxParamValue)
		params[name] = val
		if !setClickField(c, name, val) && len(extra) < maxExtraParams {
			if extra == nil {
				extra = make(map[string]string, 4)
			}
			extra[name] = val
		}
	}
	for src, kite := range paramMap {
		if v, ok := params[src]; ok {
			params[kite] = v
			if !setClickField(c, kite, v) {
				if extra == nil {
					extra = make(map[string]string, 2)
				}
				extra[kite] = v // cost, currency: macros read them from the extras
			}
		}
	}
	if len(extra) > 0 {
		c.ExtraParams = model.JSONText(encodeExtra(extra))
	}
	return params, extra
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

// encodeExtra writes the extra parameters as a JSON object with sorted keys,
// the bytes json.Marshal would give, without reflection.
func encodeExtra(extra map[string]string) string {
	var buf [16]string
	keys := buf[:0]
	size := 2
	for k, v := range extra {
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size+size/8)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, extra[k])
	}
	b = append(b, '}')
	return string(b)
}

// appendJSONString quotes s as encoding/json does (HTML-safe, U+2028/2029
// escaped, invalid UTF-8 as U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// parseCost reads a cost parameter: "0.05" or "0,05"; bad or negative = 0.
func parseCost(s string) float64 {
	f, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || f < 0 || f != f || f > 1e9 {
		return 0
	}
	return f
}

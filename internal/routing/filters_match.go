package routing

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// textMatcher matches a value against patterns: an exact value (case
// insensitive), a mask with `*` for any run of characters, /regex/ or
// /regex/i (case-insensitive).
type textMatcher struct {
	exact   map[string]bool
	regexes []*regexp.Regexp
}

func compileText(patterns []string) (*textMatcher, error) {
	m := &textMatcher{exact: map[string]bool{}}
	for _, p := range patterns {
		switch {
		case len(p) >= 2 && strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/"):
			re, err := regexp.Compile(p[1 : len(p)-1])
			if err != nil {
				return nil, fmt.Errorf("bad regex %q: %w", p, err)
			}
			m.regexes = append(m.regexes, re)
		case len(p) >= 3 && strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/i"):
			// /regex/i: case-insensitive, the form the admin catalog shows.
			re, err := regexp.Compile("(?i)" + p[1:len(p)-2])
			if err != nil {
				return nil, fmt.Errorf("bad regex %q: %w", p, err)
			}
			m.regexes = append(m.regexes, re)
		case strings.Contains(p, "*"):
			parts := strings.Split(p, "*")
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			m.regexes = append(m.regexes, regexp.MustCompile("(?is)^"+strings.Join(parts, ".*")+"$"))
		default:
			m.exact[strings.ToLower(p)] = true
		}
	}
	return m, nil
}

func (m *textMatcher) match(v string) bool {
	if len(m.exact) > 0 && m.exact[strings.ToLower(v)] {
		return true
	}
	for _, re := range m.regexes {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}

// ipSet holds addresses, CIDR prefixes and a-b ranges, v4 and v6.
type ipSet struct {
	prefixes []netip.Prefix
	ranges   [][2]netip.Addr
}

func parseIPSet(values []string) (*ipSet, error) {
	s := &ipSet{}
	for _, raw := range values {
		v := strings.TrimSpace(raw)
		switch {
		case v == "":
			continue
		case strings.Contains(v, "/"):
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, fmt.Errorf("bad CIDR %q", v)
			}
			s.prefixes = append(s.prefixes, p.Masked())
		case strings.Contains(v, "-"):
			lo, hi, _ := strings.Cut(v, "-")
			a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
			b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
			if err1 != nil || err2 != nil || a.Is4() != b.Is4() || b.Less(a) {
				return nil, fmt.Errorf("bad range %q", v)
			}
			s.ranges = append(s.ranges, [2]netip.Addr{a.Unmap(), b.Unmap()})
		default:
			a, err := netip.ParseAddr(v)
			if err != nil {
				return nil, fmt.Errorf("bad address %q", v)
			}
			a = a.Unmap()
			s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return s, nil
}

func (s *ipSet) contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	for _, p := range s.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	for _, r := range s.ranges {
		if a.Is4() == r[0].Is4() && r[0].Compare(a) <= 0 && a.Compare(r[1]) <= 0 {
			return true
		}
	}
	return false
}

func buildIP(f *Filter, payload []byte) error {
	values, err := stringList(payload)
	if err != nil {
		return err
	}
	set, err := parseIPSet(values)
	if err != nil {
		return err
	}
	f.match = func(_ *Campaign, _ *Stream, in *Input) bool { return set.contains(in.Visitor.IP) }
	return nil
}

// parameterRule is one `parameter` filter entry: {"name": "zone", "values": ["1","2"]}.
type parameterRule struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// buildParameter takes one rule or a list of rules (OR'ed), on any query
// parameter under its own name (or its Kite name after the template).
func buildParameter(f *Filter, payload []byte) error {
	var rules []parameterRule
	if err := json.Unmarshal(payload, &rules); err != nil {
		var one parameterRule
		if err := json.Unmarshal(payload, &one); err != nil {
			return fmt.Errorf(`payload must be {"name": ..., "values": [...]}`)
		}
		rules = []parameterRule{one}
	}
	type compiled struct {
		name string
		m    *textMatcher
	}
	var all []compiled
	for _, r := range rules {
		if r.Name == "" {
			return fmt.Errorf("parameter name is empty")
		}
		m, err := compileText(r.Values)
		if err != nil {
			return err
		}
		all = append(all, compiled{r.Name, m})
	}
	f.match = func(_ *Campaign, _ *Stream, in *Input) bool {
		for _, c := range all {
			if c.m.match(in.Params[c.name]) {
				return true
			}
		}
		return false
	}
	return nil
}

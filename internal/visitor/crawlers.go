package visitor

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
)

// crawlerMatcher tells whether a User-Agent belongs to a known crawler.
//
// Running 1500 regular expressions (or one alternation of them) per click
// would cost tens of microseconds. Instead every pattern contributes the
// literal text it cannot match without ("Googlebot", "rushbot" from
// "S[eE][mM]rushBot"); one Aho-Corasick pass finds which literals occur, and
// only those few patterns run their regexp to confirm. The answer is exactly
// what running every regexp would give.
type crawlerMatcher struct {
	patterns []*regexp.Regexp
	index    *substringIndex
	owner    []int // needle id -> pattern
	always   []int // patterns without a required literal: always run
	skipped  int   // patterns Go's RE2 cannot compile
}

type crawlerEntry struct {
	Pattern string `json:"pattern"`
}

func newCrawlerMatcherJSON(data []byte) (*crawlerMatcher, error) {
	var entries []crawlerEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("visitor: crawler list: %w", err)
	}
	patterns := make([]string, 0, len(entries))
	for _, e := range entries {
		patterns = append(patterns, e.Pattern)
	}
	return newCrawlerMatcher(patterns), nil
}

// newCrawlerMatcher compiles patterns; one that does not compile is skipped
// and counted rather than failing the start-up over a list update.
func newCrawlerMatcher(patterns []string) *crawlerMatcher {
	m := &crawlerMatcher{}
	var needles []string
	for _, src := range patterns {
		re, err := regexp.Compile(src)
		if err != nil {
			m.skipped++
			continue
		}
		id := len(m.patterns)
		m.patterns = append(m.patterns, re)
		tree, err := syntax.Parse(src, syntax.Perl)
		var req []string
		if err == nil {
			req = requiredLiterals(tree.Simplify())
		}
		if len(req) == 0 {
			m.always = append(m.always, id)
			continue
		}
		for _, n := range req {
			needles = append(needles, n)
			m.owner = append(m.owner, id)
		}
	}
	m.index = newSubstringIndex(needles)
	return m
}

// match returns the first pattern matching ua.
func (m *crawlerMatcher) match(ua string) (string, bool) {
	var checked [8]int
	n := 0
	hit := -1
	m.index.each(ua, func(needle int) bool {
		id := m.owner[needle]
		if slices.Contains(checked[:n], id) {
			return false
		}
		if n < len(checked) {
			checked[n] = id
			n++
		}
		if m.patterns[id].MatchString(ua) {
			hit = id
			return true
		}
		return false
	})
	if hit < 0 && foldsToASCII(ua) {
		hit = slices.IndexFunc(m.patterns, func(re *regexp.Regexp) bool { return re.MatchString(ua) })
	}
	if hit < 0 {
		for _, id := range m.always {
			if m.patterns[id].MatchString(ua) {
				hit = id
				break
			}
		}
	}
	if hit < 0 {
		return "", false
	}
	return m.patterns[hit].String(), true
}

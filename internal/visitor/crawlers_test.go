package visitor

import (
	"encoding/json"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{`Googlebot\/`, []string{"googlebot/"}},
		{`S[eE][mM]rushBot`, []string{"rushbot"}},
		{`[wW]get`, []string{"get"}},
		{`^curl`, []string{"curl"}},
		{`Ahrefs(Bot|SiteAudit)`, []string{"ahrefs"}},
		{`Automaton|Newsify Feed Fetcher`, []string{"automaton", "newsify feed fetcher"}},
		{`(sistrix|SISTRIX) [cC]rawler`, []string{"sistrix"}},
		{`BlogTraffic\/\d\.\d+ Feed-Fetcher`, []string{" feed-fetcher"}}, // the longest literal wins
		{`(?i)bot`, []string{"bot"}},
		{`x*`, nil},
		{`.`, nil},
		{`a|.`, nil},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := requiredLiterals(re.Simplify()); !slices.Equal(got, tt.want) {
			t.Errorf("requiredLiterals(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestCrawlerMatcherSmall(t *testing.T) {
	m := newCrawlerMatcher([]string{`Googlebot\/`, `^curl`, `x*y?`, `(unclosed`, `[bB]ingbot`})
	if m.skipped != 1 || len(m.always) != 1 {
		t.Fatalf("skipped %d always %d, want 1 and 1", m.skipped, len(m.always))
	}
	tests := []struct {
		ua, want string
	}{
		{"Mozilla/5.0 (compatible; Googlebot/2.1)", `Googlebot\/`},
		{"Mozilla/5.0 (compatible; GOOGLEBOT/2.1)", `x*y?`}, // prefilter folds case, the regexp does not; the always-pattern matches anything
		{"curl/8.5", `^curl`},
		{"bingbot/2.0", `[bB]ingbot`},
	}
	folded := newCrawlerMatcher([]string{`(?i)kbot`})
	if p, ok := folded.match("Mozilla \u212Abot/1"); !ok { // KELVIN SIGN matches k under (?i)
		t.Errorf("case-folded match missed, got %q", p)
	}
	for _, tt := range tests {
		if got, _ := m.match(tt.ua); got != tt.want {
			t.Errorf("match(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

// crawlerList reads the embedded list with its sample User-Agents.
func crawlerList(t testing.TB) (patterns []*regexp.Regexp, instances []string) {
	var entries []struct {
		Pattern   string   `json:"pattern"`
		Instances []string `json:"instances"`
	}
	if err := json.Unmarshal(crawlerJSON, &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if re, err := regexp.Compile(e.Pattern); err == nil {
			patterns = append(patterns, re)
		}
		instances = append(instances, e.Instances...)
	}
	return patterns, instances
}

// TestCrawlerMatcherEqualsBruteForce: the prefilter must never change the
// verdict of running every pattern.
func TestCrawlerMatcherEqualsBruteForce(t *testing.T) {
	m, err := embeddedCrawlers()
	if err != nil {
		t.Fatal(err)
	}
	patterns, instances := crawlerList(t)
	if len(instances) < 1000 {
		t.Fatalf("only %d sample UAs in the list", len(instances))
	}
	uas := append(instances, browserUAs...)
	for _, ua := range uas {
		brute := slices.ContainsFunc(patterns, func(re *regexp.Regexp) bool { return re.MatchString(ua) })
		_, got := m.match(ua)
		if got != brute {
			t.Errorf("match(%q) = %v, brute force %v", ua, got, brute)
		}
	}
}

func TestCrawlerPatternsCompile(t *testing.T) {
	m, err := embeddedCrawlers()
	if err != nil {
		t.Fatal(err)
	}
	if m.skipped > 0 || len(m.patterns) < 1000 {
		t.Errorf("%d patterns compiled, %d skipped", len(m.patterns), m.skipped)
	}
	for _, ua := range browserUAs {
		if p, ok := m.match(ua); ok {
			t.Errorf("browser UA %q taken for a crawler by %q", ua, p)
		}
	}
}

var browserUAs = []string{
	uaIPhoneSafari, uaAndroidChrome, uaWindowsChrome, uaIPad, uaMacSafari, uaFirefoxLinux, uaAndroidTablet,
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
	"Mozilla/5.0 (Linux; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 YaBrowser/24.4.1.99.00 SA/3 Mobile Safari/537.36",
}

func BenchmarkCrawlerMatch(b *testing.B) {
	m, err := embeddedCrawlers()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := m.match(uaAndroidChrome); ok {
			b.Fatal("browser matched")
		}
	}
}

// BenchmarkCrawlerOneRegexp is the naive combination, for comparison.
func BenchmarkCrawlerOneRegexp(b *testing.B) {
	patterns, _ := crawlerList(b)
	srcs := make([]string, len(patterns))
	for i, p := range patterns {
		srcs[i] = "(?:" + p.String() + ")"
	}
	re := regexp.MustCompile(strings.Join(srcs, "|"))
	b.ReportAllocs()
	for b.Loop() {
		if re.MatchString(uaAndroidChrome) {
			b.Fatal("browser matched")
		}
	}
}

package visitor

import (
	"fmt"
	"regexp/syntax"
	"testing"
)

func TestRequiredGroups(t *testing.T) {
	tests := []struct {
		pattern string
		want    string
	}{
		{`(?i); {0,2}i-?mobile[ _]([^/]{1,50})(?: Build|\) AppleWebKit)`,
			`[[;  i-mobile  ;  i-mobile_ ;  imobile  ;  imobile_ ; i-mobile  ; i-mobile_ ; imobile  ; imobile_ ;i-mobile  ;i-mobile_ ;imobile  ;imobile_] [ build ) applewebkit]]`},
		{`(Chrome)/(\d+)\.(\d+)`, `[[chrome/] [.]]`},
		{`^Mozilla.*Firefox`, `[[mozilla] [firefox]]`},
		{`\bSM-[A-Z]`, `[[sm-]]`},
		{`ab?c`, `[[abc ac]]`},
		{`(?:a|b)(?:c|d)(?:e|f)(?:g|h)(?:i|j)`, "some"},
		{`x?y?`, `[]`},
		{`.*`, `[]`},
		{`foo|.`, `[]`},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(requiredGroups(re.Simplify()))
		if tt.pattern == `(?:a|b)(?:c|d)(?:e|f)(?:g|h)(?:i|j)` {
			// 32 spellings exceed the cap: the run is cut, both halves still constrain.
			if got == "[]" {
				t.Errorf("requiredGroups(%q) = %s, want some groups", tt.pattern, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("requiredGroups(%q)\n got %s\nwant %s", tt.pattern, got, tt.want)
		}
	}
}

func TestExactSetBounds(t *testing.T) {
	tests := []struct {
		pattern string
		ok      bool
		n       int
	}{
		{`abc`, true, 1},
		{`[ _]`, true, 2},
		{`[a-z]`, false, 0},
		{`[Mm]`, true, 1},
		{`x{0,2}`, true, 3},
		{`x{0,9}`, false, 0},
		{`x*`, false, 0},
		{`(a|b|c)d?`, true, 6},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		set, ok := exactSet(re)
		if ok != tt.ok || (ok && len(set) != tt.n) {
			t.Errorf("exactSet(%q) = %q %v, want %d strings ok %v", tt.pattern, set, ok, tt.n, tt.ok)
		}
	}
}

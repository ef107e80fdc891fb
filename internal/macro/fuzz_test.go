package macro

import (
	"strings"
	"testing"
)

// FuzzExpand checks the header-safety promise: whatever the template and the
// value, no expansion panics or emits CR/LF.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{
		"https://x.example/?c={subid}&v={v}",
		"{_v}{v}{{v}}{v",
		"{date:Y-m-d\r\nH,Europe/Paris}",
		"{status:lead=\r\n sale=x}",
		"{random:1,\n2}",
		"{date:\\\r}",
	} {
		f.Add(s, "x\r\nSet-Cookie: a=b")
	}
	f.Fuzz(func(t *testing.T, tmpl, val string) {
		m := Map{"v": val, "subid": "s", "status": "sale", "x\r\n": val}
		for _, out := range []string{Expand(tmpl, m), ExpandRaw(tmpl, m), HeaderSafe(val)} {
			if strings.ContainsAny(out, "\r\n") {
				t.Fatalf("CR/LF in output %q (tmpl %q, val %q)", out, tmpl, val)
			}
		}
	})
}

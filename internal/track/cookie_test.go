package track

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestVisitorCodeCookie(t *testing.T) {
	g := newRig(t, basic("http", ""), nil)
	minted := regexp.MustCompile(`^kite_vc=([0-9a-f]{32}); Path=/; Max-Age=86400; HttpOnly; SameSite=Lax$`)
	cases := []struct {
		name, cookie string
		keep         bool // the visitor's own code is kept, no new cookie
	}{
		{"new visitor", "", false},
		{"returning visitor", "kite_vc=Abc_123-xyz", true},
		{"too short", "kite_vc=abc", false},
		{"bad characters", "kite_vc=abcdefgh%3B", false},
		{"too long", "kite_vc=" + strings.Repeat("a", 65), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var cookies []string
			if tc.cookie != "" {
				cookies = append(cookies, tc.cookie)
			}
			w := g.do(http.MethodGet, "/summer", "8.8.8.8", iPhoneUA, cookies...)
			c := g.rec.last(t)
			set := w.Header().Values("Set-Cookie")
			if tc.keep {
				if len(set) != 0 || "kite_vc="+c.VisitorCode != tc.cookie {
					t.Fatalf("code %q, Set-Cookie %q", c.VisitorCode, set)
				}
				return
			}
			if len(set) != 1 {
				t.Fatalf("Set-Cookie %q", set)
			}
			m := minted.FindStringSubmatch(set[0])
			if m == nil || m[1] != c.VisitorCode {
				t.Fatalf("Set-Cookie %q, recorded code %q", set[0], c.VisitorCode)
			}
		})
	}
}

package conversion

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestRemoteIPBelievesOnlyTrustedProxies(t *testing.T) {
	s := &Service{opt: Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	cases := []struct {
		peer, xff, xreal, want string
	}{
		{"198.51.100.4:5000", "", "", "198.51.100.4"},
		{"203.0.113.9:5000", "198.51.100.4", "198.51.100.4", "203.0.113.9"}, // spoofed headers ignored
		{"10.0.0.2:5000", "198.51.100.4", "", "198.51.100.4"},
		{"10.0.0.2:5000", "6.6.6.6, 198.51.100.4, 10.0.0.3", "", "198.51.100.4"}, // client-written left part skipped
		{"10.0.0.2:5000", "", "198.51.100.7", "198.51.100.7"},
		{"10.0.0.2:5000", "junk", "", "10.0.0.2"},
		{"[::ffff:198.51.100.4]:5000", "", "", "198.51.100.4"},
		{"garbage", "", "", ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/k/postback", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.xreal != "" {
			r.Header.Set("X-Real-IP", c.xreal)
		}
		if got := s.remoteIP(r); got != c.want {
			t.Errorf("peer %s xff %q real %q: %q, want %q", c.peer, c.xff, c.xreal, got, c.want)
		}
	}
}

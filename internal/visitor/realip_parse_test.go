package visitor

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// parseIPSlow is parseIP without the ParseAddrPort fast path: what the
// fast path must agree with.
func parseIPSlow(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(s)
		if splitErr != nil {
			return netip.Addr{}
		}
		if ip, err = netip.ParseAddr(host); err != nil {
			return netip.Addr{}
		}
	}
	return ip.Unmap().WithZone("")
}

func TestParseIPFastPathAgrees(t *testing.T) {
	tests := []struct {
		in, want string // want "" = invalid
	}{
		{"1.2.3.4", "1.2.3.4"},
		{"1.2.3.4:80", "1.2.3.4"},
		{" 1.2.3.4:80 ", "1.2.3.4"},
		{"1.2.3.4:0", "1.2.3.4"},
		{"1.2.3.4:65535", "1.2.3.4"},
		{"1.2.3.4:65536", "1.2.3.4"}, // SplitHostPort takes any port
		{"1.2.3.4:http", "1.2.3.4"},
		{"1.2.3.4:", "1.2.3.4"},
		{"::1", "::1"},
		{"[::1]:80", "::1"},
		{"[::1]", ""},
		{"::1:80", "::1:80"}, // an IPv6 address, not ::1 port 80
		{"[::ffff:10.0.0.1]:443", "10.0.0.1"},
		{"::ffff:10.0.0.1", "10.0.0.1"},
		{"[fe80::1%eth0]:80", "fe80::1"},
		{"fe80::1%eth0", "fe80::1"},
		{"[::%]]:0", ""}, // ParseAddrPort alone would accept this zone
		{"[1.2.3.4]:80", "1.2.3.4"},
		{"1.2.3.4:80:90", ""},
		{"example.com:80", ""},
		{"", ""},
		{":80", ""},
		{"01.2.3.4:80", ""},
		{strings.Repeat("1", 70), ""},
	}
	for _, tt := range tests {
		got, slow := parseIP(tt.in), parseIPSlow(tt.in)
		if got != slow {
			t.Errorf("parseIP(%q) = %v, the slow path reads %v", tt.in, got, slow)
		}
		want := ""
		if got.IsValid() {
			want = got.String()
		}
		if want != tt.want {
			t.Errorf("parseIP(%q) = %q, want %q", tt.in, want, tt.want)
		}
	}
}

func FuzzParseIPFastPathAgrees(f *testing.F) {
	for _, s := range []string{"1.2.3.4:80", "[::1]:80", "::1", "[fe80::1%eth0]:80", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, slow := parseIP(s), parseIPSlow(s); got != slow {
			t.Fatalf("parseIP(%q) = %v, the slow path reads %v", s, got, slow)
		}
	})
}

package visitor

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	p := newTestParser(t, Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("::ffff:192.168.0.0/112"), // mapped form still trusts 192.168.x.x
	}})
	tests := []struct {
		name    string
		remote  string
		headers map[string]string
		want    string
		proxy   bool
	}{
		{"direct", "203.0.113.7:5555", nil, "203.0.113.7", false},
		{"direct ipv6", "[2001:db8::1]:443", nil, "2001:db8::1", false},
		{"mapped ipv4 peer", "[::ffff:203.0.113.7]:80", nil, "203.0.113.7", false},
		{"ipv6 zone dropped", "[fe80::1%eth0]:80", nil, "fe80::1", false},
		{"spoofed xff from untrusted", "203.0.113.7:1", map[string]string{"X-Forwarded-For": "1.2.3.4"}, "203.0.113.7", true},
		{"spoofed real-ip from untrusted", "203.0.113.7:1", map[string]string{"X-Real-IP": "1.2.3.4"}, "203.0.113.7", true},
		{"spoofed cf from untrusted", "203.0.113.7:1", map[string]string{"CF-Connecting-IP": "1.2.3.4"}, "203.0.113.7", true},
		{"via marks proxy", "203.0.113.7:1", map[string]string{"Via": "1.1 squid"}, "203.0.113.7", true},
		{"trusted xff", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "198.51.100.9"}, "198.51.100.9", false},
		{"trusted chain right to left", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "6.6.6.6, 198.51.100.9, 10.0.0.3, 10.1.1.1"}, "198.51.100.9", false},
		{"client-written left part ignored", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "10.9.9.9, 198.51.100.9"}, "198.51.100.9", false},
		{"xff with ports and ipv6", "[fd00::1]:1", map[string]string{"X-Forwarded-For": "[2001:db8::7]:1234, 10.0.0.3:80"}, "2001:db8::7", false},
		{"invalid entry stops walk", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "198.51.100.9, garbage, 10.0.0.3"}, "10.0.0.3", false},
		{"all trusted: leftmost trusted hop", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "10.0.0.3", "X-Real-IP": "198.51.100.1"}, "10.0.0.3", false},
		{"real-ip from trusted", "10.0.0.2:1", map[string]string{"X-Real-IP": "198.51.100.1"}, "198.51.100.1", false},
		{"cf from trusted", "10.0.0.2:1", map[string]string{"CF-Connecting-IP": "2001:db8::9"}, "2001:db8::9", false},
		{"invalid real-ip ignored", "10.0.0.2:1", map[string]string{"X-Real-IP": "not-an-ip", "CF-Connecting-IP": "198.51.100.2"}, "198.51.100.2", false},
		{"invalid everything keeps peer", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "x", "X-Real-IP": "y"}, "10.0.0.2", false},
		{"mapped trusted prefix", "192.168.1.1:1", map[string]string{"X-Forwarded-For": "198.51.100.3"}, "198.51.100.3", false},
		{"crlf junk", "10.0.0.2:1", map[string]string{"X-Forwarded-For": "198.51.100.4\r\n"}, "198.51.100.4", false},
		{"no remote addr", "", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			ip, proxy := p.clientIP(r)
			got := ""
			if ip.IsValid() {
				got = ip.String()
			}
			if got != tt.want || proxy != tt.proxy {
				t.Errorf("clientIP = %q proxy %v, want %q proxy %v", got, proxy, tt.want, tt.proxy)
			}
		})
	}
}

func TestClientIPMultipleXFFHeaders(t *testing.T) {
	p := newTestParser(t, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.2:1"
	r.Header.Add("X-Forwarded-For", "6.6.6.6")
	r.Header.Add("X-Forwarded-For", "198.51.100.9, 10.0.0.5")
	if ip, _ := p.clientIP(r); ip.String() != "198.51.100.9" {
		t.Errorf("got %v, want the last header's untrusted entry", ip)
	}
}

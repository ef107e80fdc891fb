package conversion

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// remoteIP is the network's address as far as we can trust it: the TCP peer,
// unless the peer is one of our trusted proxies, in which case the rightmost
// X-Forwarded-For entry that is not a trusted proxy (else X-Real-IP). From
// anyone else those headers are ignored, or a network's IP allowlist could be
// passed with one spoofed header.
func (s *Service) remoteIP(r *http.Request) string {
	peer := addrOf(r.RemoteAddr)
	if !peer.IsValid() {
		return ""
	}
	if !s.trusted(peer) {
		return peer.String()
	}
	chain := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(chain) - 1; i >= 0; i-- {
		ip := addrOf(chain[i])
		if !ip.IsValid() {
			break
		}
		if !s.trusted(ip) {
			return ip.String()
		}
	}
	if ip := addrOf(r.Header.Get("X-Real-Ip")); ip.IsValid() {
		return ip.String()
	}
	return peer.String()
}

func (s *Service) trusted(ip netip.Addr) bool {
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// addrOf parses "1.2.3.4", "1.2.3.4:80", "[::1]:80" or "::1".
func addrOf(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap().WithZone("")
}

package visitor

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP finds the visitor's address. Forwarding headers are believed only
// when the TCP peer is a trusted proxy; from anyone else they are the
// visitor's own words (and mark the request as proxied).
//
// X-Forwarded-For is walked right to left, because each trusted proxy appends
// the address it saw: the first untrusted entry is the client, and everything
// to its left was written by the client. X-Forwarded-For comes first because
// a proxy that appends to it may pass a client's X-Real-IP through untouched;
// X-Real-IP and CF-Connecting-IP are the fallbacks when the chain is empty.
func (p *Parser) clientIP(r *http.Request) (ip netip.Addr, isProxy bool) {
	peer := parseIP(r.RemoteAddr)
	h := r.Header
	forwarded := hasForwardingHeaders(h)
	isProxy = h.Get("Via") != ""
	if !peer.IsValid() || !p.isTrusted(peer) {
		return peer, isProxy || forwarded
	}
	if ip, ok := p.walkForwardedFor(h.Values("X-Forwarded-For")); ok {
		return ip, isProxy
	}
	for _, name := range [...]string{"X-Real-Ip", "Cf-Connecting-Ip"} {
		if ip := parseIP(h.Get(name)); ip.IsValid() {
			return ip, isProxy
		}
	}
	return peer, isProxy
}

func hasForwardingHeaders(h http.Header) bool {
	for _, name := range [...]string{"X-Forwarded-For", "X-Real-Ip", "Cf-Connecting-Ip", "Forwarded", "True-Client-Ip"} {
		if len(h[name]) > 0 {
			return true
		}
	}
	return false
}

// walkForwardedFor returns the rightmost untrusted address of the chain. An
// entry that is not an address ends the walk: a trusted proxy only appends
// real addresses, so it and all left of it came from the client; the last
// trusted hop seen is then the best answer.
func (p *Parser) walkForwardedFor(headers []string) (netip.Addr, bool) {
	var last netip.Addr
	for i := len(headers) - 1; i >= 0; i-- {
		list := headers[i]
		for list != "" {
			var entry string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				entry, list = list[j+1:], list[:j]
			} else {
				entry, list = list, ""
			}
			ip := parseIP(entry)
			if !ip.IsValid() {
				return last, last.IsValid()
			}
			if !p.isTrusted(ip) {
				return ip, true
			}
			last = ip
		}
	}
	return last, last.IsValid()
}

func (p *Parser) isTrusted(ip netip.Addr) bool {
	for _, pfx := range p.trusted {
		if pfx.Contains(ip) {
			return true
		}
	}
	return false
}

// parseIP accepts "1.2.3.4", "1.2.3.4:80", "::1", "[::1]:80", with spaces
// around; IPv4-mapped IPv6 becomes plain IPv4 and zones are dropped, so the
// same visitor always gets the same text.
func parseIP(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return netip.Addr{}
	}
	// A peer address is "ip:port": parsed as such at once, it spares the
	// failed ParseAddr (an error value) and SplitHostPort. Without a zone,
	// whatever ParseAddrPort accepts the slow path reads as the same address
	// (with one, ParseAddrPort accepts zones SplitHostPort refuses).
	if strings.IndexByte(s, '%') < 0 {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			return ap.Addr().Unmap().WithZone("")
		}
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

// normalisePrefixes unmaps IPv4-in-IPv6 prefixes so "::ffff:10.0.0.0/104"
// and "10.0.0.0/8" both trust 10.1.2.3.
func normalisePrefixes(in []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(in))
	for _, p := range in {
		if !p.IsValid() {
			continue
		}
		a := p.Addr()
		if a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out
}

// Package s2s delivers the S2S postbacks a conversion owes to traffic sources:
// an outbox worker that claims due rows safely across nodes, a dedicated HTTP
// client with an SSRF guard, every attempt recorded, retries with exponential
// backoff for at least 72 hours, then a dead letter the UI can resend.
package s2s

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// ErrBlocked is wrapped by every refusal of the SSRF guard.
var ErrBlocked = errors.New("s2s: destination not allowed")

// Resolver looks up a host's addresses; net.DefaultResolver satisfies it.
// Tests give a fake so that names resolving to private ranges need no DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides which destinations outgoing requests may reach.
type Guard struct {
	// AllowPrivate lists ranges reachable despite the guard (KITE_S2S_ALLOW_PRIVATE).
	AllowPrivate []netip.Prefix
	// Resolver defaults to net.DefaultResolver.
	Resolver Resolver
}

// blockedRanges are refused on top of what netip's predicates catch: CGNAT,
// "this network", IETF protocol assignments, benchmarking, reserved and the
// cloud metadata addresses (named even where a wider rule covers them).
var blockedRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("169.254.169.254/32"),
	netip.MustParsePrefix("fd00:ec2::254/128"),
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 could smuggle any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215), likewise
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated): ::7f00:1 spells 127.0.0.1
}

// IsBlocked reports whether ip is an address outgoing postbacks must not
// reach on their own: loopback, private, link-local, CGNAT, unspecified,
// multicast, metadata and reserved ranges.
func IsBlocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsMulticast() {
		return true
	}
	if ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return true
	}
	for _, p := range blockedRanges {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Allowed reports whether the guard lets a request reach ip.
func (g *Guard) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range g.AllowPrivate {
		if p.Contains(ip) {
			return true
		}
	}
	return !IsBlocked(ip)
}

// Resolve returns the checked addresses of host (an IP literal or a name).
// Every address must pass: a name that also resolves to a private address is
// refused outright, so a rebinding answer cannot pick the private one later.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return nil, fmt.Errorf("%w: empty host", ErrBlocked)
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip.WithZone("")}
	} else {
		r := g.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		addrs, err = r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for _, ip := range addrs {
		if !g.Allowed(ip) {
			return nil, fmt.Errorf("%w: %s resolves to %s", ErrBlocked, host, ip.Unmap())
		}
	}
	return addrs, nil
}

// CheckURL validates raw as an outgoing destination: http or https only, a
// host, and every resolved address allowed. It returns the parsed URL.
func (g *Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: bad url", ErrBlocked)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q (http or https only)", ErrBlocked, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: credentials in url", ErrBlocked)
	}
	if _, err := g.Resolve(ctx, u.Hostname()); err != nil {
		return nil, err
	}
	return u, nil
}

// CheckURL is Guard.CheckURL with the given allow list and the system resolver,
// for callers (the tracking link's remote action) that hold no Guard.
func CheckURL(ctx context.Context, raw string, allowPrivate []netip.Prefix) (*url.URL, error) {
	g := Guard{AllowPrivate: allowPrivate}
	return g.CheckURL(ctx, raw)
}

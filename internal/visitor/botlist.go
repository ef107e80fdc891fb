package visitor

import (
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/kite-tracker/kite/internal/model"
)

// Bot list entry kinds (model.BotListEntry.Kind).
const (
	BotKindIP = "ip"
	BotKindUA = "ua"
)

// BotList is the user's own bot list, compiled for the click path: address
// entries become sorted, merged ranges (binary search), UA entries one
// substring index (ASCII case-insensitive). It is immutable, so the config
// snapshot can share it freely.
type BotList struct {
	ranges []ipRange
	agents []string
	index  *substringIndex // over agents: one pass per UA, whatever the list size
}

type ipRange struct{ lo, hi netip.Addr }

// NewBotList compiles entries: kind "ip" takes an address, a CIDR
// ("10.0.0.0/8") or a range ("1.2.3.4-1.2.3.99"); kind "ua" a substring
// matched ASCII-case-insensitively. Invalid entries are skipped (ValidateBotEntry
// is for rejecting them when they are saved).
func NewBotList(entries []model.BotListEntry) *BotList {
	b := &BotList{}
	for _, e := range entries {
		switch e.Kind {
		case BotKindIP:
			if r, err := parseIPRange(e.Value); err == nil {
				b.ranges = append(b.ranges, r)
			}
		case BotKindUA:
			if ua := strings.ToLower(strings.TrimSpace(e.Value)); ua != "" {
				b.agents = append(b.agents, ua)
			}
		}
	}
	b.ranges = mergeRanges(b.ranges)
	slices.Sort(b.agents)
	b.agents = slices.Compact(b.agents)
	b.index = newSubstringIndex(b.agents)
	return b
}

// ValidateBotEntry reports why an entry would be ignored, for the admin API.
func ValidateBotEntry(e model.BotListEntry) error {
	switch e.Kind {
	case BotKindIP:
		_, err := parseIPRange(e.Value)
		return err
	case BotKindUA:
		if strings.TrimSpace(e.Value) == "" {
			return errors.New("empty user agent fragment")
		}
		return nil
	}
	return errors.New(`kind must be "ip" or "ua"`)
}

// Len is the number of compiled entries (ranges after merging + UA fragments).
func (b *BotList) Len() int {
	if b == nil {
		return 0
	}
	return len(b.ranges) + len(b.agents)
}

// match checks ip and ua against the list; a nil list matches nothing.
func (b *BotList) match(ip netip.Addr, ua string) (bool, string) {
	if b == nil {
		return false, ""
	}
	if ip.IsValid() && b.containsIP(ip) {
		return true, BotReasonBotListIP
	}
	if len(b.agents) > 0 && b.index.each(ua, func(int) bool { return true }) {
		return true, BotReasonBotListUA
	}
	return false, ""
}

func (b *BotList) containsIP(ip netip.Addr) bool {
	// first range whose hi >= ip; it contains ip if its lo <= ip.
	i, _ := slices.BinarySearchFunc(b.ranges, ip, func(r ipRange, ip netip.Addr) int {
		return r.hi.Compare(ip)
	})
	return i < len(b.ranges) && b.ranges[i].lo.Compare(ip) <= 0
}

var errBadIPEntry = errors.New("not an IP address, CIDR or range a-b of the same family")

// parseIPRange reads "1.2.3.4", "1.2.3.0/24", "2001:db8::/32" or "a-b".
func parseIPRange(s string) (ipRange, error) {
	s = strings.TrimSpace(s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, errA := netip.ParseAddr(strings.TrimSpace(lo))
		z, errZ := netip.ParseAddr(strings.TrimSpace(hi))
		if errA != nil || errZ != nil {
			return ipRange{}, errBadIPEntry
		}
		a, z = a.Unmap(), z.Unmap()
		if a.Is4() != z.Is4() {
			return ipRange{}, errBadIPEntry
		}
		if a.Compare(z) > 0 {
			a, z = z, a
		}
		return ipRange{a.WithZone(""), z.WithZone("")}, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return ipRange{}, errBadIPEntry
		}
		p = normalisePrefixes([]netip.Prefix{p})[0]
		return ipRange{p.Addr(), lastAddr(p)}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ipRange{}, errBadIPEntry
	}
	a = a.Unmap().WithZone("")
	return ipRange{a, a}, nil
}

// lastAddr is the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for bit := p.Bits(); bit < len(b)*8; bit++ {
		b[bit/8] |= 0x80 >> (bit % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// mergeRanges sorts ranges and joins overlapping or adjacent ones, so a
// lookup is one binary search.
func mergeRanges(rs []ipRange) []ipRange {
	slices.SortFunc(rs, func(a, b ipRange) int { return a.lo.Compare(b.lo) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo.Is4() == out[n-1].lo.Is4() &&
			(r.lo.Compare(out[n-1].hi) <= 0 || r.lo == out[n-1].hi.Next()) {
			if r.hi.Compare(out[n-1].hi) > 0 {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

package hot

import (
	"strconv"
	"sync"
	"time"

	"github.com/kite-tracker/kite/internal/routing"
)

// Counter keys are built on every click, so they are appended into one
// stack buffer and cut out of a single string: one allocation for all of a
// click's keys instead of a Join and a FormatInt per key. The bytes are
// exactly what Key(...) would build, so counters written by older versions
// still count. The helpers take and return the buffer (no pointer to it) so
// it can stay on the stack.

// cutKeys cuts the keys ending at ends out of one copy of buf.
func cutKeys(buf []byte, ends []int, out []string) []string {
	s := string(buf)
	start := 0
	for _, end := range ends {
		out = append(out, s[start:end])
		start = end
	}
	return out
}

func appendPart(dst []byte, s string) []byte { return append(append(dst, s...), ':') }

func appendNum(dst []byte, n int64) []byte { return append(strconv.AppendInt(dst, n, 10), ':') }

// ipUA caches a visitor's ip+ua hash: a click asks for it once per
// uniqueness key.
type ipUA struct {
	hash uint64
	set  bool
}

// appendIdent appends the visitor's identity under a uniqueness method;
// false when the visitor has none.
func appendIdent(dst []byte, v *VisitorID, method string, h *ipUA) ([]byte, bool) {
	switch method {
	case routing.MethodIP:
		return append(dst, v.IP...), v.IP != ""
	case routing.MethodCookie:
		return append(dst, v.Code...), v.Code != ""
	}
	if v.IP == "" {
		return dst, false
	}
	if !h.set {
		h.hash, h.set = ipUAHash(v.IP, v.UA), true
	}
	return strconv.AppendUint(dst, h.hash, 36), true
}

// ipUAHash is FNV-1a 64 of ip, NUL, ua: ip+ua is hashed because a UA can be
// kilobytes long and keys should stay small.
func ipUAHash(ip, ua string) uint64 {
	const offset64, prime64 = 14695981039346656037, 1099511628211
	h := uint64(offset64)
	for i := 0; i < len(ip); i++ {
		h = (h ^ uint64(ip[i])) * prime64
	}
	h *= prime64 // the NUL separator: h ^ 0 == h
	for i := 0; i < len(ua); i++ {
		h = (h ^ uint64(ua[i])) * prime64
	}
	return h
}

// appendUniq appends <prefix>u:<c:id|s:id|g>:<method>:<ident>; false (and
// dst unchanged) when the visitor has no identity under the method.
func appendUniq(dst []byte, prefix string, u routing.UniqKey, v *VisitorID, h *ipUA) ([]byte, bool) {
	mark := len(dst)
	dst = appendPart(append(dst, prefix...), "u")
	switch u.Scope {
	case routing.ScopeGlobal:
		dst = appendPart(dst, "g")
	case routing.ScopeStream:
		dst = appendNum(appendPart(dst, "s"), u.StreamID)
	default:
		dst = appendNum(appendPart(dst, "c"), u.CampaignID)
	}
	dst, ok := appendIdent(appendPart(dst, u.Method), v, u.Method, h)
	if !ok {
		return dst[:mark], false
	}
	return dst, true
}

// Which of a stream's click limit counters appendLimit builds.
const (
	limitHour = iota
	limitDay
	limitTotal
)

// appendLimit appends a stream's hour, day or total click counter key.
func appendLimit(dst []byte, prefix string, streamID int64, which int, now time.Time) []byte {
	dst = appendNum(appendPart(append(dst, prefix...), "lim"), streamID)
	switch which {
	case limitHour:
		return now.UTC().AppendFormat(appendPart(dst, "h"), "2006010215")
	case limitDay:
		return now.UTC().AppendFormat(appendPart(dst, "d"), "20060102")
	}
	return append(dst, 't')
}

// appendCap appends an offer's conversion counter for the day of now in tz
// (the key capKey(offerID, CapDay(now, tz)) names).
func appendCap(dst []byte, prefix string, offerID int64, now time.Time, tz string) []byte {
	dst = appendNum(appendPart(append(dst, prefix...), "cap"), offerID)
	return now.In(capLocation(tz)).AppendFormat(dst, "2006-01-02")
}

// appendBind appends the visitor's binding key in a campaign.
func appendBind(dst []byte, prefix string, campaignID int64, code string) []byte {
	return append(appendNum(appendPart(append(dst, prefix...), "bind"), campaignID), code...)
}

// capZones caches time zones by name (offer settings, not visitor input):
// time.LoadLocation parses the zone data on every call.
var capZones sync.Map // string -> *time.Location

// capLocation is CapDay's zone choice: the named zone, UTC when unknown.
func capLocation(tz string) *time.Location {
	if tz == "" {
		return time.UTC
	}
	if loc, ok := capZones.Load(tz); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	capZones.Store(tz, loc)
	return loc
}

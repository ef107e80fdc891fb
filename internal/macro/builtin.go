package macro

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // {date:..,TZ} must work in minimal containers without /usr/share/zoneinfo
)

// now is the clock of {date}; tests replace it.
var now = time.Now

// defaultDateFormat is what a bare {date} prints.
const defaultDateFormat = "Y-m-d"

func isBuiltin(body string) bool { return body == "date" || body == "random" }

// expandBuiltin writes {date..}, {random..} or {status:..} and reports whether
// body was one of them in a valid form; a malformed built-in stays as written.
func expandBuiltin(b *strings.Builder, name, args string, hasArgs bool, v Values, encode bool) bool {
	switch name {
	case "date":
		return expandDate(b, args, encode)
	case "random":
		return expandRandom(b, args, hasArgs)
	case "status":
		return hasArgs && expandStatus(b, args, v, encode)
	}
	return false
}

// expandDate handles {date:FORMAT,TZ}. The zone follows the last comma; if
// that text is not a zone the comma belongs to the format.
func expandDate(b *strings.Builder, args string, encode bool) bool {
	format, loc := args, time.UTC
	if i := strings.LastIndexByte(args, ','); i >= 0 {
		zone := strings.TrimSpace(args[i+1:])
		if l, ok := location(zone); ok {
			format, loc = args[:i], l
		}
	}
	if format == "" {
		format = defaultDateFormat
	}
	if !encode {
		writePHPDate(b, now().In(loc), format)
		return true
	}
	var d strings.Builder // "Y-m-d H:i:s" has a space: encode it like any value
	writePHPDate(&d, now().In(loc), format)
	writeQueryEscaped(b, d.String())
	return true
}

var zones sync.Map // zone name -> *time.Location; LoadLocation parses tzdata each call

// location resolves an IANA zone name, caching hits and misses.
func location(name string) (*time.Location, bool) {
	if name == "" {
		return time.UTC, true
	}
	if l, ok := zones.Load(name); ok {
		loc, _ := l.(*time.Location)
		return loc, loc != nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || len(name) > 64 {
		loc = nil
	}
	if countZones() < maxCachedZones {
		zones.Store(name, loc)
	}
	return loc, loc != nil
}

// maxCachedZones bounds the cache: zone names come from buyers' templates,
// not from visitors, but a bound costs nothing.
const maxCachedZones = 1024

func countZones() int {
	n := 0
	zones.Range(func(_, _ any) bool { n++; return n < maxCachedZones })
	return n
}

// expandRandom handles {random} (0..2^31-1) and {random:MIN,MAX} (inclusive).
func expandRandom(b *strings.Builder, args string, hasArgs bool) bool {
	lo, hi := int64(0), int64(1<<31-1)
	if hasArgs {
		a, c, ok := strings.Cut(args, ",")
		if !ok {
			return false
		}
		var err1, err2 error
		lo, err1 = strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		hi, err2 = strconv.ParseInt(strings.TrimSpace(c), 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	span := uint64(hi - lo)
	var n int64
	if span == ^uint64(0) {
		n = int64(rand.Uint64())
	} else {
		n = lo + int64(rand.Uint64N(span+1))
	}
	var buf [24]byte
	b.Write(strconv.AppendInt(buf[:0], n, 10))
	return true
}

// expandStatus handles {status:lead=A sale=B rejected=C rebill=D}: it writes
// the word mapped to the conversion's status, or nothing when the status has
// no mapping (a source that wants codes must not get our words). Without a
// status value (a click, not a conversion) the macro stays as written.
func expandStatus(b *strings.Builder, args string, v Values, encode bool) bool {
	status, ok := lookup(v, "status")
	if !ok {
		return false
	}
	for _, pair := range strings.Fields(args) {
		key, val, ok := strings.Cut(pair, "=")
		if ok && strings.EqualFold(key, status) {
			writeValue(b, val, encode)
			return true
		}
	}
	return true
}

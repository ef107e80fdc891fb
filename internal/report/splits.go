package report

import (
	"slices"
	"strings"
	"time"
)

// An hourly cube row covers one UTC hour. It can be counted in a report only
// when that whole hour lies inside the range and inside one time bucket of
// the report's zone. In whole-hour zones that is every hour; in Asia/Kolkata
// (+05:30) a day bucket starts at 18:30 UTC, so the 18:00 hour of each day
// straddles two days. Such "split" hours are read from raw clicks instead, and
// everything else from the cube: exact in any zone, and only ~1/24 of a
// day-bucketed report's clicks come from the raw table.

// hourSpan is a [from, to) stretch of UTC time read from raw clicks.
type hourSpan struct{ from, to time.Time }

// Limits beyond which a mixed plan is not worth it and raw clicks serve all.
const (
	maxSplitHours   = 4000
	maxSplitShare   = 4 // at most 1 in 4 hours split
	maxScannedHours = 24 * 366 * 30
)

// timeUnit is a unit of time a report's bucket can change on; a report's
// units are a set of them.
type timeUnit uint8

const (
	unitYear timeUnit = 1 << iota
	unitMonth
	unitWeek
	unitDay
	unitHour
	unitMinute
)

// bucketUnits are the units of each time dimension.
var bucketUnits = map[string]timeUnit{"year": unitYear, "month": unitMonth, "week": unitWeek, "day": unitDay,
	"weekday": unitDay, "hour": unitHour, "day_hour": unitHour, "datetime": unitMinute}

// timeUnits are the units of the time dimensions grouped or filtered on.
func (p *plan) timeUnits() timeUnit {
	var u timeUnit
	for _, d := range p.dims {
		u |= bucketUnits[d.timeFmt]
	}
	for _, f := range p.dimFilters {
		u |= bucketUnits[f.dim.timeFmt]
	}
	return u
}

// bucket is the finest time bucket an instant falls in, in the report's
// zone, over the time dimensions grouped or filtered on: the local start
// of each of their units, as a number (0 for units not used). Comparable
// and built without formatting: the planner compares thousands of them.
type bucket struct{ year, month, week, day, hour, minute int }

func (p *plan) bucketOf(t time.Time) bucket {
	units := p.timeUnits()
	if units == 0 {
		return bucket{}
	}
	l := t.In(p.span.Loc)
	y, m, d := l.Date()
	date := (y*100+int(m))*100 + d
	var b bucket
	if units&unitYear != 0 {
		b.year = y
	}
	if units&unitMonth != 0 {
		b.month = y*100 + int(m)
	}
	if units&unitWeek != 0 { // weeks start on Monday
		wy, wm, wd := time.Date(y, m, d-(int(l.Weekday())+6)%7, 0, 0, 0, 0, time.UTC).Date()
		b.week = (wy*100+int(wm))*100 + wd
	}
	if units&unitDay != 0 {
		b.day = date
	}
	if units&unitHour != 0 {
		b.hour = date*100 + l.Hour()
	}
	if units&unitMinute != 0 {
		b.minute = (date*100+l.Hour())*100 + l.Minute()
	}
	return b
}

// splitHours lists the UTC hours the cube cannot serve, merged into spans,
// and the hours it can: [cubeFrom, cubeTo) minus the split hour starts.
// ok is false when so many hours split that raw clicks should serve it all.
// Only the candidate hours are checked, never every hour of the range: a
// year in Asia/Kolkata by day has ~370 of them, not 8,800.
func (p *plan) splitHours() (spans []hourSpan, starts []time.Time, ok bool) {
	from, to := p.hourGrid()
	hours := int(to.Sub(from) / time.Hour)
	if hours > maxScannedHours {
		return nil, nil, false
	}
	cands, ok := p.splitCandidates(from, to)
	if !ok {
		return nil, nil, false
	}
	for _, h := range cands {
		end := h.Add(time.Hour)
		clean := !h.Before(p.span.From) && !end.After(p.span.To) && p.bucketOf(h) == p.bucketOf(end.Add(-time.Nanosecond))
		if clean {
			continue
		}
		starts = append(starts, h)
		s := hourSpan{from: maxTime(h, p.span.From), to: minTime(end, p.span.To)}
		if n := len(spans); n > 0 && spans[n-1].to.Equal(s.from) {
			spans[n-1].to = s.to
		} else {
			spans = append(spans, s)
		}
	}
	if len(starts) > maxSplitHours || (len(starts) > 2 && len(starts)*maxSplitShare > hours) {
		return nil, nil, false
	}
	return spans, starts, true
}

// hourGrid is the span widened to whole UTC hours.
func (p *plan) hourGrid() (from, to time.Time) {
	from = p.span.From.Truncate(time.Hour)
	to = p.span.To.Truncate(time.Hour)
	if to.Before(p.span.To) {
		to = to.Add(time.Hour)
	}
	return from, to
}

// splitCandidates lists, in order, the UTC hours of [from, to) that may
// straddle two buckets or an end of the range: the first and the last, the
// hours holding a bucket edge that is not on the hour, and every hour when
// buckets are minutes. ok is false when more of them split than any mixed
// plan allows.
func (p *plan) splitCandidates(from, to time.Time) (cands []time.Time, ok bool) {
	units := p.timeUnits()
	if units&unitMinute != 0 {
		if to.Sub(from) > maxSplitHours*time.Hour {
			return nil, false // every hour holds minute edges
		}
		for h := from; h.Before(to); h = h.Add(time.Hour) {
			cands = append(cands, h)
		}
		return cands, true
	}
	edges, ok := p.bucketEdges(units)
	if !ok {
		return nil, false
	}
	cands = append(cands, from, to.Add(-time.Hour))
	for _, e := range edges {
		if h := e.Truncate(time.Hour); !h.Equal(e) {
			cands = append(cands, h)
		}
	}
	slices.SortFunc(cands, time.Time.Compare)
	return slices.CompactFunc(cands, time.Time.Equal), true
}

// bucketEdges lists, in order, the instants inside the span where a bucket
// may change: the zone's offset changes and the starts of each unit (of an
// hour only where the offset is not whole hours: elsewhere local hours are
// UTC hours). Within one offset the wall clock is a fixed zone, so the edges
// are counted, not searched for. ok is false when more edges of one unit
// fall inside UTC hours than maxSplitHours: each splits a distinct hour, so
// the report cannot be mixed, and the walk stops there.
func (p *plan) bucketEdges(units timeUnit) (edges []time.Time, ok bool) {
	if units == 0 {
		return nil, true
	}
	offHour := map[timeUnit]int{} // edges inside UTC hours, by unit
	for i, z := range zoneStretches(p.span.Loc, p.span.From, p.span.To) {
		if i > 0 {
			edges = append(edges, z.from)
		}
		fixed := time.FixedZone("", z.offset)
		for u := unitYear; u <= unitHour; u <<= 1 {
			if units&u == 0 || (u == unitHour && z.offset%3600 == 0) {
				continue
			}
			for e := nextEdge(z.from.In(fixed), u); e.Before(z.to); e = nextEdge(e, u) {
				edges = append(edges, e.UTC())
				if !e.Truncate(time.Hour).Equal(e) {
					if offHour[u]++; offHour[u] > maxSplitHours {
						return nil, false
					}
				}
			}
		}
	}
	slices.SortFunc(edges, time.Time.Compare)
	return slices.CompactFunc(edges, time.Time.Equal), true
}

// nextEdge is the first start of a unit after t, on t's (fixed) wall clock.
func nextEdge(t time.Time, unit timeUnit) time.Time {
	y, m, d := t.Date()
	switch unit {
	case unitYear:
		return time.Date(y+1, 1, 1, 0, 0, 0, 0, t.Location())
	case unitMonth:
		return time.Date(y, m+1, 1, 0, 0, 0, 0, t.Location())
	case unitWeek: // weeks start on Monday
		return time.Date(y, m, d-(int(t.Weekday())+6)%7+7, 0, 0, 0, 0, t.Location())
	case unitHour:
		return time.Date(y, m, d, t.Hour()+1, 0, 0, 0, t.Location())
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// zoneStretch is a stretch of [from, to) with one UTC offset.
type zoneStretch struct {
	from, to time.Time
	offset   int // seconds east of UTC
}

// zoneStretches splits [from, to) at the zone's offset changes, jumping
// from one change to the next (a few a year) rather than hour by hour.
func zoneStretches(loc *time.Location, from, to time.Time) []zoneStretch {
	var out []zoneStretch
	_, off := from.In(loc).Zone()
	at := from
	for t := from; ; {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.After(t) || !end.Before(to) {
			break
		}
		if _, next := end.In(loc).Zone(); next != off {
			out = append(out, zoneStretch{from: at, to: end.UTC(), offset: off})
			at, off = end.UTC(), next
		}
		t = end
	}
	return append(out, zoneStretch{from: at, to: to, offset: off})
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// cubeTimeClause restricts a cube to the hours it serves exactly.
func (p *plan) cubeTimeClause() *sqlBuf {
	var q sqlBuf
	q.add(" WHERE h.hour >= ? AND h.hour < ?", p.span.From, p.span.To)
	if len(p.days) > 0 {
		rangesClause(&q, "h.hour", p.hourlyRanges())
	}
	if len(p.splitStarts) > 0 {
		q.add(" AND h.hour NOT IN (?"+strings.Repeat(", ?", len(p.splitStarts)-1)+")", timesAsArgs(p.splitStarts)...)
	}
	return &q
}

// splitTimeClause restricts raw clicks to the split hours.
func (p *plan) splitTimeClause() *sqlBuf {
	var q sqlBuf
	q.add(" WHERE k.created_at >= ? AND k.created_at < ? AND (", p.span.From, p.span.To)
	for i, s := range p.splits {
		if i > 0 {
			q.add(" OR ")
		}
		q.add("(k.created_at >= ? AND k.created_at < ?)", s.from, s.to)
	}
	q.add(")")
	return &q
}

func timesAsArgs(ts []time.Time) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

package report

import (
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

// bucketOf names the finest time bucket t falls in, in the report's zone,
// over the time dimensions grouped or filtered on.
func (p *plan) bucketOf(t time.Time) string {
	l := t.In(p.span.Loc)
	var b strings.Builder
	dims := p.dims
	for _, f := range p.dimFilters {
		if f.dim.kind == kindTime {
			dims = append(dims[:len(dims):len(dims)], f.dim)
		}
	}
	for _, d := range dims {
		switch d.timeFmt {
		case "year":
			b.WriteString(l.Format("2006"))
		case "month":
			b.WriteString(l.Format("2006-01"))
		case "week":
			b.WriteString(startOfDay(l).AddDate(0, 0, -((int(l.Weekday()) + 6) % 7)).Format("2006-01-02"))
		case "day", "weekday":
			b.WriteString(l.Format("2006-01-02"))
		case "hour", "day_hour":
			b.WriteString(l.Format("2006-01-02 15"))
		case "datetime":
			b.WriteString(l.Format("2006-01-02 15:04"))
		}
		b.WriteByte('|')
	}
	return b.String()
}

// splitHours lists the UTC hours the cube cannot serve, merged into spans,
// and the hours it can: [cubeFrom, cubeTo) minus the split hour starts.
// ok is false when so many hours split that raw clicks should serve it all.
func (p *plan) splitHours() (spans []hourSpan, starts []time.Time, ok bool) {
	from := p.span.From.Truncate(time.Hour)
	to := p.span.To.Truncate(time.Hour)
	if to.Before(p.span.To) {
		to = to.Add(time.Hour)
	}
	hours := int(to.Sub(from) / time.Hour)
	if hours > maxScannedHours {
		return nil, nil, false
	}
	for h := from; h.Before(to); h = h.Add(time.Hour) {
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

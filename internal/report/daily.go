package report

import (
	"slices"
	"time"
)

// A daily cube row covers one UTC day. It is counted in the time bucket of
// the day's UTC midday: in UTC, every whole day of a range grouped by day or
// coarser; in any zone, every whole UTC day of a report without time
// grouping. In a zone a few hours off UTC (Moscow +3, New York -5) a local
// day is mostly one UTC day: the daily row goes to the midday's bucket, and
// each "misfit" hour of that UTC day belonging to another bucket is moved
// with the hourly cube: subtracted from the midday's bucket, added to its
// own. Sums are additive, so this is exact, and reads ~2*offset/24 of the
// hourly rows instead of all of them. The hourly cube serves the rest.

const day = 24 * time.Hour

// maxMisfitHours: beyond this many misfit hours a day the corrections read
// about as many hourly rows as serving the day hourly.
const maxMisfitHours = 6

// dailyRuns lists the UTC days the daily cube serves, merged into runs, and
// the misfit hours inside them, merged into spans. Buckets of hours never
// fit a day (23 hours would misfit); for coarser buckets a day is looked at
// only where a bucket edge falls inside it.
func (p *plan) dailyRuns() (runs, misfits []hourSpan) {
	units := p.timeUnits()
	if units&(unitHour|unitMinute) != 0 {
		return nil, nil
	}
	edges, ok := p.bucketEdges(units)
	if !ok {
		return nil, nil
	}
	d := p.span.From.UTC().Truncate(day)
	if d.Before(p.span.From) {
		d = d.Add(day)
	}
	for ; !d.Add(day).After(p.span.To); d = d.Add(day) {
		for len(edges) > 0 && !edges[0].After(d) {
			edges = edges[1:]
		}
		n := 0
		for n < len(edges) && edges[n].Before(d.Add(day)) {
			n++
		}
		odd, ok := p.misfitHours(d, edges[:n])
		if !ok {
			continue
		}
		runs = appendSpan(runs, hourSpan{from: d, to: d.Add(day)})
		for _, h := range odd {
			misfits = appendSpan(misfits, hourSpan{from: h, to: h.Add(time.Hour)})
		}
	}
	return runs, misfits
}

// misfitHours are the hours of UTC day d outside its midday's bucket, given
// the bucket edges inside the day; ok is false when the day cannot be
// served daily (an hour straddles two buckets, as in half-hour zones, or too
// many hours misfit). Between two edges the bucket holds, so one look per
// stretch of hours is enough.
func (p *plan) misfitHours(d time.Time, edges []time.Time) (odd []time.Time, ok bool) {
	if len(edges) == 0 {
		return nil, true // one bucket all day
	}
	starts := []time.Time{d}
	for _, e := range edges {
		h := e.Truncate(time.Hour)
		starts = append(starts, h)
		if !h.Equal(e) {
			if p.bucketOf(h) != p.bucketOf(h.Add(time.Hour-time.Nanosecond)) {
				return nil, false
			}
			starts = append(starts, h.Add(time.Hour))
		}
	}
	starts = append(starts, d.Add(day))
	slices.SortFunc(starts, time.Time.Compare) // two edges may share an hour
	starts = slices.CompactFunc(starts, time.Time.Equal)
	mid := p.bucketOf(d.Add(12 * time.Hour))
	for i, s := range starts[:len(starts)-1] {
		if p.bucketOf(s) == mid {
			continue
		}
		for h := s; h.Before(starts[i+1]); h = h.Add(time.Hour) {
			odd = append(odd, h)
		}
		if len(odd) > maxMisfitHours {
			return nil, false
		}
	}
	return odd, true
}

func appendSpan(spans []hourSpan, s hourSpan) []hourSpan {
	if n := len(spans); n > 0 && spans[n-1].to.Equal(s.from) {
		spans[n-1].to = s.to
		return spans
	}
	return append(spans, s)
}

// hourlyRanges is what the hourly cube adds: the span minus the daily runs,
// plus the misfit hours.
func (p *plan) hourlyRanges() []hourSpan {
	var out []hourSpan
	at := p.span.From
	mi := 0
	for _, r := range p.days {
		if r.from.After(at) {
			out = appendSpan(out, hourSpan{from: at, to: r.from})
		}
		for ; mi < len(p.misfits) && p.misfits[mi].from.Before(r.to); mi++ {
			out = appendSpan(out, p.misfits[mi])
		}
		at = r.to
	}
	if at.Before(p.span.To) {
		out = appendSpan(out, hourSpan{from: at, to: p.span.To})
	}
	return out
}

// rangesClause ORs [from, to) ranges on a time column.
func rangesClause(q *sqlBuf, col string, rs []hourSpan) {
	q.add(" AND (")
	for i, r := range rs {
		if i > 0 {
			q.add(" OR ")
		}
		q.add("("+col+" >= ? AND "+col+" < ?)", r.from, r.to)
	}
	q.add(")")
}

// dailyTimeClause restricts a daily cube to the days it serves.
func (p *plan) dailyTimeClause() *sqlBuf {
	var q sqlBuf
	q.add(" WHERE h.day >= ? AND h.day < ?", p.days[0].from, p.days[len(p.days)-1].to)
	if len(p.days) > 1 {
		rangesClause(&q, "h.day", p.days)
	}
	return &q
}

// misfitTimeClause restricts the hourly cube to the misfit hours.
func (p *plan) misfitTimeClause() *sqlBuf {
	var q sqlBuf
	q.add(" WHERE h.hour >= ? AND h.hour < ?", p.misfits[0].from, p.misfits[len(p.misfits)-1].to)
	rangesClause(&q, "h.hour", p.misfits)
	return &q
}

// midday is the UTC midday of a daily row's day, or of an hourly row's
// UTC day: the instant whose bucket a daily row is counted in.
func midday(pg bool, col string) string {
	if pg {
		return "(date_trunc('day', " + col + " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + INTERVAL '12 hours')"
	}
	return "datetime(" + col + ", 'start of day', '+12 hours')"
}

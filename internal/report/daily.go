package report

import (
	"time"
)

// A daily cube row covers one UTC day. Like an hourly row (splits.go) it is
// counted only when the whole day lies inside the range and inside one time
// bucket of the report: in UTC that is every whole day of a range grouped by
// day or coarser; in any zone, every whole UTC day of a report without time
// grouping. The hourly cube serves the rest of the range.

const day = 24 * time.Hour

// dailyRuns lists the UTC days the daily cube serves, merged into runs.
func (p *plan) dailyRuns() []hourSpan {
	var runs []hourSpan
	d := p.span.From.UTC().Truncate(day)
	if d.Before(p.span.From) {
		d = d.Add(day)
	}
	for ; !d.Add(day).After(p.span.To); d = d.Add(day) {
		end := d.Add(day)
		if p.bucketOf(d) != p.bucketOf(end.Add(-time.Nanosecond)) {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].to.Equal(d) {
			runs[n-1].to = end
		} else {
			runs = append(runs, hourSpan{from: d, to: end})
		}
	}
	return runs
}

// hourlyRanges is the span minus the daily runs: what the hourly cube reads.
func (p *plan) hourlyRanges() []hourSpan {
	var out []hourSpan
	at := p.span.From
	for _, r := range p.days {
		if r.from.After(at) {
			out = append(out, hourSpan{from: at, to: r.from})
		}
		at = r.to
	}
	if at.Before(p.span.To) {
		out = append(out, hourSpan{from: at, to: p.span.To})
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

package report

import (
	"fmt"
	"strings"
	"time"
)

// Range is Keitaro's RangeRequest: from/to dates (or date-times) or one of the
// interval presets, read in an IANA time zone (UTC when empty).
type Range struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Timezone string `json:"timezone"`
	Interval string `json:"interval"`
}

// span is a resolved range: [From, To) in UTC and the zone buckets use.
type span struct {
	From, To time.Time
	Loc      *time.Location
}

// Presets are the interval names Keitaro accepts.
var Presets = []string{"today", "yesterday", "7_days_ago", "first_day_of_this_week", "1_month_ago",
	"first_day_of_this_month", "1_year_ago", "first_day_of_this_year", "all_time"}

// allTimeStart stands for the beginning of time; all_time is narrowed to the
// first recorded click before it is used.
var allTimeStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

var dateLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// resolve turns the request range into UTC instants. A "to" date without a
// time is inclusive (the whole day); a "to" with a time is exclusive.
func (r Range) resolve(now time.Time) (span, error) {
	loc := time.UTC
	if r.Timezone != "" {
		l, err := time.LoadLocation(r.Timezone)
		if err != nil || r.Timezone == "Local" {
			return span{}, badRequest("unknown timezone %q", r.Timezone)
		}
		loc = l
	}
	if r.From != "" || r.To != "" {
		return r.resolveDates(now, loc)
	}
	interval := r.Interval
	if interval == "" {
		interval = "today"
	}
	from, to, ok := presetRange(interval, now.In(loc))
	if !ok {
		return span{}, badRequest("unknown interval %q", interval)
	}
	return span{From: from.UTC(), To: to.UTC(), Loc: loc}, nil
}

func (r Range) resolveDates(now time.Time, loc *time.Location) (span, error) {
	today := startOfDay(now.In(loc))
	from, to := today, today.AddDate(0, 0, 1)
	if r.From != "" {
		t, _, err := parseLocal(r.From, loc)
		if err != nil {
			return span{}, badRequest("range.from: want YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
		}
		from = t
	}
	if r.To != "" {
		t, dateOnly, err := parseLocal(r.To, loc)
		if err != nil {
			return span{}, badRequest("range.to: want YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
		}
		to = t
		if dateOnly {
			to = t.AddDate(0, 0, 1)
		}
	}
	if !to.After(from) {
		return span{}, badRequest("range.to must be after range.from")
	}
	return span{From: from.UTC(), To: to.UTC(), Loc: loc}, nil
}

func parseLocal(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err = time.ParseInLocation(layout, s, loc); err == nil {
			return t, layout == "2006-01-02", nil
		}
	}
	return time.Time{}, false, fmt.Errorf("bad date %q", s)
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// presetRange gives [from, to) of a preset in now's zone. Every preset ends
// with the end of today, except yesterday.
func presetRange(name string, now time.Time) (from, to time.Time, ok bool) {
	today := startOfDay(now)
	tomorrow := today.AddDate(0, 0, 1)
	switch name {
	case "today":
		return today, tomorrow, true
	case "yesterday":
		return today.AddDate(0, 0, -1), today, true
	case "7_days_ago":
		return today.AddDate(0, 0, -7), tomorrow, true
	case "first_day_of_this_week":
		back := (int(today.Weekday()) + 6) % 7 // weeks start on Monday
		return today.AddDate(0, 0, -back), tomorrow, true
	case "1_month_ago":
		return monthsBack(today, 1), tomorrow, true
	case "first_day_of_this_month":
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location()), tomorrow, true
	case "1_year_ago":
		return monthsBack(today, 12), tomorrow, true
	case "first_day_of_this_year":
		return time.Date(today.Year(), 1, 1, 0, 0, 0, 0, today.Location()), tomorrow, true
	case "all_time":
		return allTimeStart.In(now.Location()), tomorrow, true
	}
	return time.Time{}, time.Time{}, false
}

// offsetSegment is a stretch of time with one UTC offset; until is exclusive
// (zero for the last one).
type offsetSegment struct {
	until  time.Time
	offset int // seconds east of UTC
}

// offsetSegments lists the zone's offsets over [from, to), so SQLite (which
// has no zone database) can shift times exactly across DST changes.
func offsetSegments(loc *time.Location, from, to time.Time) []offsetSegment {
	stretches := zoneStretches(loc, from, to)
	segs := make([]offsetSegment, len(stretches))
	for i, z := range stretches {
		segs[i] = offsetSegment{until: z.to, offset: z.offset}
	}
	segs[len(segs)-1].until = time.Time{}
	return segs
}

// monthsBack steps back whole months, clamping the day (a month before
// 31 March is 28 or 29 February, not 3 March).
func monthsBack(day time.Time, months int) time.Time {
	first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location()).AddDate(0, -months, 0)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day.Day(), last), 0, 0, 0, 0, day.Location())
}

package report

import (
	"testing"
	"time"
)

func TestPresets(t *testing.T) {
	now := time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC) // already 1 April 01:30 in Kolkata
	cases := []struct {
		zone, interval, from, to string // local dates; to is exclusive
	}{
		{"UTC", "today", "2026-03-31", "2026-04-01"},
		{"UTC", "yesterday", "2026-03-30", "2026-03-31"},
		{"UTC", "7_days_ago", "2026-03-24", "2026-04-01"},
		{"UTC", "first_day_of_this_week", "2026-03-30", "2026-04-01"},
		{"UTC", "1_month_ago", "2026-02-28", "2026-04-01"},
		{"UTC", "first_day_of_this_month", "2026-03-01", "2026-04-01"},
		{"UTC", "1_year_ago", "2025-03-31", "2026-04-01"},
		{"UTC", "first_day_of_this_year", "2026-01-01", "2026-04-01"},
		{"UTC", "all_time", "2000-01-01", "2026-04-01"},
		{"Asia/Kolkata", "today", "2026-04-01", "2026-04-02"},
		{"Asia/Kolkata", "yesterday", "2026-03-31", "2026-04-01"},
		{"Asia/Kolkata", "7_days_ago", "2026-03-25", "2026-04-02"},
		{"Asia/Kolkata", "first_day_of_this_week", "2026-03-30", "2026-04-02"},
		{"Asia/Kolkata", "1_month_ago", "2026-03-01", "2026-04-02"},
		{"Asia/Kolkata", "first_day_of_this_month", "2026-04-01", "2026-04-02"},
		{"Asia/Kolkata", "1_year_ago", "2025-04-01", "2026-04-02"},
		{"Asia/Kolkata", "first_day_of_this_year", "2026-01-01", "2026-04-02"},
		{"America/New_York", "today", "2026-03-31", "2026-04-01"},
		{"Europe/Berlin", "yesterday", "2026-03-30", "2026-03-31"},
	}
	for _, tc := range cases {
		t.Run(tc.zone+" "+tc.interval, func(t *testing.T) {
			sp, err := Range{Interval: tc.interval, Timezone: tc.zone}.resolve(now)
			if err != nil {
				t.Fatal(err)
			}
			loc, _ := time.LoadLocation(tc.zone)
			from, _ := time.ParseInLocation("2006-01-02", tc.from, loc)
			to, _ := time.ParseInLocation("2006-01-02", tc.to, loc)
			if !sp.From.Equal(from) || !sp.To.Equal(to) {
				t.Errorf("got [%s, %s), want [%s, %s)", sp.From.In(loc), sp.To.In(loc), from, to)
			}
		})
	}
}

func TestDatesAndAlignment(t *testing.T) {
	now := time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC)
	cases := []struct {
		r        Range
		from, to time.Time
		aligned  bool
	}{
		{Range{From: "2026-03-01", To: "2026-03-02"}, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), true},
		{Range{From: "2026-03-01 10:15", To: "2026-03-01 11:00"}, time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC),
			time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), false},
		{Range{From: "2026-03-01", To: "2026-03-01", Timezone: "Asia/Kolkata"}, time.Date(2026, 2, 28, 18, 30, 0, 0, time.UTC),
			time.Date(2026, 3, 1, 18, 30, 0, 0, time.UTC), false},
		{Range{From: "2026-03-28", To: "2026-03-29", Timezone: "Europe/Berlin"}, time.Date(2026, 3, 27, 23, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC), true}, // across the DST change: 47 hours
	}
	for _, tc := range cases {
		sp, err := tc.r.resolve(now)
		if err != nil {
			t.Fatal(err)
		}
		p := &plan{span: sp}
		_, starts, _ := p.splitHours()
		if !sp.From.Equal(tc.from) || !sp.To.Equal(tc.to) || (len(starts) == 0) != tc.aligned {
			t.Errorf("%+v: got [%s, %s) split hours %v", tc.r, sp.From, sp.To, starts)
		}
	}
	if _, err := (Range{From: "2026-03-02", To: "2026-03-01"}).resolve(now); err == nil {
		t.Error("to before from accepted")
	}
}

func TestOffsetSegments(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	segs := offsetSegments(berlin, time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC))
	if len(segs) != 2 || segs[0].offset != 3600 || segs[1].offset != 7200 ||
		!segs[0].until.Equal(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("segments %+v", segs)
	}
}

func TestSplitHours(t *testing.T) {
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	sp, err := Range{From: "2026-03-01", To: "2026-03-02", Timezone: "Asia/Kolkata"}.resolve(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	day, _ := lookupDim("day")
	hour, _ := lookupDim("hour")
	p := &plan{span: sp, dims: []*dimension{day}}
	spans, starts, ok := p.splitHours()
	utc := func(d, h, m int) time.Time { return time.Date(2026, 2, d, h, m, 0, 0, time.UTC) }
	want := []time.Time{utc(28, 18, 0), utc(29, 18, 0), utc(30, 18, 0)} // 1 and 2 March 18:00 UTC
	if !ok || len(starts) != 3 || !starts[0].Equal(want[0]) || !starts[1].Equal(want[1]) || !starts[2].Equal(want[2]) {
		t.Fatalf("split hours %v ok %v", starts, ok)
	}
	// The raw stretches stop at the range's own ends (18:30 local midnight).
	if len(spans) != 3 || !spans[0].from.Equal(utc(28, 18, 30)) || !spans[0].to.Equal(utc(28, 19, 0)) ||
		!spans[2].from.Equal(utc(30, 18, 0)) || !spans[2].to.Equal(utc(30, 18, 30)) {
		t.Errorf("spans %v", spans)
	}
	p.dims = []*dimension{hour}
	if _, _, ok := p.splitHours(); ok {
		t.Error("hourly buckets in a half-hour zone should go raw")
	}
	p.span.Loc = kolkata
	p.dims = nil
	if _, starts, _ := p.splitHours(); len(starts) != 2 {
		t.Errorf("no time grouping: %d split hours, want the 2 range ends", len(starts))
	}
}

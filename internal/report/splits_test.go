package report

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The planner finds split hours and daily runs from the bucket edges. The
// walks below are the obvious way (look at every hour of the range) and
// serve as the reference: both must agree on every zone, range and bucket.

func walkSplitHours(p *plan) (spans []hourSpan, starts []time.Time, ok bool) {
	from, to := p.hourGrid()
	hours := int(to.Sub(from) / time.Hour)
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		end := h.Add(time.Hour)
		if !h.Before(p.span.From) && !end.After(p.span.To) && p.bucketOf(h) == p.bucketOf(end.Add(-time.Nanosecond)) {
			continue
		}
		starts = append(starts, h)
		spans = appendSpan(spans, hourSpan{from: maxTime(h, p.span.From), to: minTime(end, p.span.To)})
	}
	if len(starts) > maxSplitHours || (len(starts) > 2 && len(starts)*maxSplitShare > hours) {
		return nil, nil, false
	}
	return spans, starts, true
}

func walkDailyRuns(p *plan) (runs, misfits []hourSpan) {
	d := p.span.From.UTC().Truncate(day)
	if d.Before(p.span.From) {
		d = d.Add(day)
	}
	for ; !d.Add(day).After(p.span.To); d = d.Add(day) {
		mid := p.bucketOf(d.Add(12 * time.Hour))
		var odd []time.Time
		ok := true
		for h := d; ok && h.Before(d.Add(day)); h = h.Add(time.Hour) {
			b := p.bucketOf(h)
			ok = b == p.bucketOf(h.Add(time.Hour-time.Nanosecond))
			if b != mid {
				odd = append(odd, h)
			}
		}
		if !ok || len(odd) > maxMisfitHours {
			continue
		}
		runs = appendSpan(runs, hourSpan{from: d, to: d.Add(day)})
		for _, h := range odd {
			misfits = appendSpan(misfits, hourSpan{from: h, to: h.Add(time.Hour)})
		}
	}
	return runs, misfits
}

// splitZones have whole-hour, half-hour and 45-minute offsets, with and
// without DST (Lord Howe moves by 30 minutes, Chatham sits at +12:45).
var splitZones = []string{"UTC", "Asia/Kolkata", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
	"Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "Asia/Tehran", "Europe/Moscow"}

var splitGroupings = [][]string{nil, {"day"}, {"week"}, {"month"}, {"year"}, {"weekday"}, {"hour"}, {"day_hour"},
	{"datetime"}, {"month", "week"}, {"campaign", "day"}, {"year", "week"}}

func timePlan(t testing.TB, zone string, from, to time.Time, grouping []string, filterOn string) *plan {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	p := &plan{span: span{From: from.UTC(), To: to.UTC(), Loc: loc}}
	for _, g := range grouping {
		d, ok := lookupDim(g)
		if !ok {
			t.Fatalf("dimension %q", g)
		}
		p.dims = append(p.dims, d)
	}
	if filterOn != "" {
		d, _ := lookupDim(filterOn)
		p.dimFilters = append(p.dimFilters, dimFilter{dim: d, op: "EQUALS", values: []any{"1"}})
	}
	return p
}

func TestSplitHoursMatchHourByHourWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 55))
	base := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
	lengths := []time.Duration{30 * time.Minute, 5 * time.Hour, 3 * day, 40 * day, 400 * day}
	for i := range 400 {
		zone := splitZones[i%len(splitZones)]
		grouping := splitGroupings[rng.IntN(len(splitGroupings))]
		filterOn := ""
		if rng.IntN(5) == 0 {
			filterOn = pick(rng, []string{"day", "hour", "month"})
		}
		from := base.Add(time.Duration(rng.IntN(35*365*24)) * time.Hour)
		if rng.IntN(2) == 0 { // local midnights, as the date presets give
			loc, _ := time.LoadLocation(zone)
			from = startOfDay(from.In(loc))
		} else if rng.IntN(2) == 0 {
			from = from.Add(time.Duration(rng.IntN(60)) * time.Minute)
		}
		to := from.Add(lengths[rng.IntN(len(lengths))] + time.Duration(rng.IntN(3))*time.Hour)
		p := timePlan(t, zone, from, to, grouping, filterOn)
		name := fmt.Sprintf("%s %v filter %q [%s, %s)", zone, grouping, filterOn, p.span.From, p.span.To)

		wantSpans, wantStarts, wantOK := walkSplitHours(p)
		gotSpans, gotStarts, gotOK := p.splitHours()
		if gotOK != wantOK || !reflect.DeepEqual(gotSpans, wantSpans) || !reflect.DeepEqual(gotStarts, wantStarts) {
			t.Fatalf("%s: split hours %v %v %v, walk gives %v %v %v", name, gotOK, gotStarts, gotSpans,
				wantOK, wantStarts, wantSpans)
		}
		if !gotOK {
			continue
		}
		wantRuns, wantMisfits := walkDailyRuns(p)
		gotRuns, gotMisfits := p.dailyRuns()
		if !reflect.DeepEqual(gotRuns, wantRuns) || !reflect.DeepEqual(gotMisfits, wantMisfits) {
			t.Fatalf("%s: daily runs %v misfits %v, walk gives %v %v", name, gotRuns, gotMisfits, wantRuns, wantMisfits)
		}
	}
}

// TestSplitHoursOnLongRanges: the cases the walk made slow, with the plan
// each one must get.
func TestSplitHoursOnLongRanges(t *testing.T) {
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	kolkata := -5*time.Hour - 30*time.Minute // local midnight in UTC
	cases := []struct {
		zone     string
		grouping []string
		from, to time.Time
		ok       bool
		splits   int
	}{
		{"UTC", []string{"day"}, y(2000), y(2026), true, 0},
		{"Europe/Berlin", []string{"day"}, y(2000).Add(-time.Hour), y(2026).Add(-time.Hour), true, 0},
		{"Asia/Kolkata", nil, y(2000).Add(kolkata), y(2026).Add(kolkata), true, 2},
		// A year by month in Kolkata: 12 month starts and the 2 ends.
		{"Asia/Kolkata", []string{"month"}, y(2025).Add(kolkata), y(2026).Add(kolkata), true, 13},
		{"Asia/Kolkata", []string{"day"}, y(2025).Add(kolkata), y(2026).Add(kolkata), true, 366},
		// 26 years of Kolkata days: 9,500 split hours, over maxSplitHours.
		{"Asia/Kolkata", []string{"day"}, y(2000).Add(kolkata), y(2026).Add(kolkata), false, 0},
		{"Asia/Kolkata", []string{"hour"}, y(2000).Add(kolkata), y(2026).Add(kolkata), false, 0},
		{"UTC", []string{"datetime"}, y(2000), y(2026), false, 0},
		{"UTC", []string{"hour"}, y(2000), y(2026), true, 0},
		// Beyond 30 years the mixed plan is not considered at all.
		{"UTC", nil, y(1900), y(2026), false, 0},
	}
	for _, tc := range cases {
		p := timePlan(t, tc.zone, tc.from, tc.to, tc.grouping, "")
		_, starts, ok := p.splitHours()
		if ok != tc.ok || len(starts) != tc.splits {
			t.Errorf("%s %v [%s, %s): ok %v with %d split hours, want %v with %d", tc.zone, tc.grouping,
				tc.from, tc.to, ok, len(starts), tc.ok, tc.splits)
		}
	}
}

// TestZoneStretches: offsets change where the zone says, hour or not.
func TestZoneStretches(t *testing.T) {
	lordHowe, _ := time.LoadLocation("Australia/Lord_Howe")
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	got := zoneStretches(lordHowe, from, to)
	var desc []string
	for _, z := range got {
		desc = append(desc, fmt.Sprintf("%s..%s %+d", z.from.Format("01-02 15:04"), z.to.Format("01-02 15:04"), z.offset/60))
	}
	// +11:00 in summer, +10:30 in winter; the changes are at 2:00 local time.
	want := "01-01 00:00..04-04 15:00 +660, 04-04 15:00..10-03 15:30 +630, 10-03 15:30..01-01 00:00 +660"
	if strings.Join(desc, ", ") != want {
		t.Errorf("stretches %s, want %s", strings.Join(desc, ", "), want)
	}
}

// BenchmarkChoose times planning a report over all_time (since 2000): the
// planner must not walk 230,000 hours.
func BenchmarkChoose(b *testing.B) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tz := range []string{"UTC", "Asia/Kolkata", "Europe/Berlin"} {
		for _, grouping := range [][]string{nil, {"country", "day"}, {"campaign", "month"}} {
			name := tz + "/" + strings.Join(append([]string{"totals"}, grouping...), "+")
			b.Run(name, func(b *testing.B) {
				req := Request{Range: Range{Interval: "all_time", Timezone: tz}, Grouping: grouping}
				for b.Loop() {
					p, err := req.validate(now)
					if err != nil {
						b.Fatal(err)
					}
					p.choose()
				}
			})
		}
	}
}

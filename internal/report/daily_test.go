package report

import (
	"fmt"
	"testing"
	"time"
)

// TestDailyCubeServesWholeDays: the daily cube takes the whole UTC days that
// each fit one bucket of the report, the hourly cube the rest of the range.
func TestDailyCubeServesWholeDays(t *testing.T) {
	utc := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		zone     string
		grouping []string
		filters  []Filter
		days     []hourSpan // runs the daily cube serves
		hourly   []hourSpan // ranges the hourly cube serves
		source   string
	}{
		{"UTC", []string{"campaign", "country", "day"}, nil, []hourSpan{{utc(26, 0), utc(31, 0)}}, nil,
			"report_cube_countries_daily"},
		{"UTC", []string{"campaign", "week"}, nil, []hourSpan{{utc(26, 0), utc(31, 0)}}, nil,
			"report_cube_entities_daily"},
		{"UTC", []string{"campaign", "hour"}, nil, nil, []hourSpan{{utc(26, 0), utc(31, 0)}}, "report_cube_entities"},
		{"UTC", []string{"offer"}, []Filter{{Name: "hour", Operator: "EQUALS", Expression: "5"}}, nil,
			[]hourSpan{{utc(26, 0), utc(31, 0)}}, "report_cube_entities"},
		{"Europe/Berlin", nil, nil, []hourSpan{{utc(26, 0), utc(30, 0)}},
			[]hourSpan{{utc(25, 23), utc(26, 0)}, {utc(30, 0), utc(30, 22)}},
			"report_cube_entities_daily+report_cube_entities"},
		// Berlin days run 23:00-23:00 UTC (22:00 after DST on the 29th): each
		// UTC day's last hour(s) move to the next day's bucket.
		{"Europe/Berlin", []string{"country", "day"}, nil, []hourSpan{{utc(26, 0), utc(30, 0)}},
			[]hourSpan{{utc(25, 23), utc(26, 0)}, {utc(26, 23), utc(27, 0)}, {utc(27, 23), utc(28, 0)},
				{utc(28, 23), utc(29, 0)}, {utc(29, 22), utc(30, 22)}},
			"report_cube_countries_daily+report_cube_countries"},
		// Kolkata's 18:00 UTC hour straddles two days: no day is served daily.
		{"Asia/Kolkata", []string{"country", "day"}, nil, nil,
			[]hourSpan{{utc(25, 18).Add(30 * time.Minute), utc(30, 18).Add(30 * time.Minute)}},
			"report_cube_countries+clicks"},
		{"Asia/Kolkata", []string{"campaign"}, nil, []hourSpan{{utc(26, 0), utc(30, 0)}},
			[]hourSpan{{utc(25, 18).Add(30 * time.Minute), utc(26, 0)}, {utc(30, 0), utc(30, 18).Add(30 * time.Minute)}},
			"report_cube_entities_daily+report_cube_entities+clicks"},
		{"UTC", []string{"sub_id_1", "day"}, nil, nil, nil, "clicks"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.zone, tc.grouping, len(tc.filters)), func(t *testing.T) {
			p, err := planFor(Request{Range: Range{From: "2026-03-26", To: "2026-03-30", Timezone: tc.zone},
				Grouping: tc.grouping, Filters: tc.filters})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.source(); got != tc.source {
				t.Errorf("source %s, want %s", got, tc.source)
			}
			if p.raw {
				return
			}
			if fmt.Sprint(p.days) != fmt.Sprint(tc.days) {
				t.Errorf("daily runs %v, want %v", p.days, tc.days)
			}
			hourly := p.hourlyRanges()
			if fmt.Sprint(hourly) != fmt.Sprint(tc.hourly) && !(len(hourly) == 0 && len(tc.hourly) == 0) {
				t.Errorf("hourly ranges %v, want %v", hourly, tc.hourly)
			}
		})
	}
}

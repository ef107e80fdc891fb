package macro

import (
	"testing"
	"time"
)

// fixClock pins {date} to 2025-03-09 07:05:04.123456 UTC (a Sunday).
func fixClock(t *testing.T) {
	t.Helper()
	old := now
	now = func() time.Time { return time.Date(2025, 3, 9, 7, 5, 4, 123456789, time.UTC) }
	t.Cleanup(func() { now = old })
}

func TestExpandDate(t *testing.T) {
	fixClock(t)
	tests := []struct {
		name, tmpl, want string
		raw              bool
	}{
		{"bare date", "{date}", "2025-03-09", false},
		{"ymd his encoded", "{date:Y-m-d H:i:s}", "2025-03-09+07%3A05%3A04", false},
		{"ymd his raw", "{date:Y-m-d H:i:s}", "2025-03-09 07:05:04", true},
		{"zone", "{date:Y-m-d H:i,Europe/Moscow}", "2025-03-09 10:05", true},
		{"zone with spaces", "{date:H, Asia/Tokyo}", "16", true},
		{"empty format with zone", "{date:,America/New_York}", "2025-03-09", true},
		{"comma belongs to format", "{date:D, d M Y}", "Sun, 09 Mar 2025", true},
		{"unknown zone keeps comma", "{date:Y,12}", "2025,12", true},
		{"escape", `{date:\Y\-Y}`, "Y-2025", true},
		{"unix", "{date:U}", "1741503904", true},
		{"long names", "{date:l F jS}", "Sunday March 9S", true},
		{"twelve hour", "{date:g:i a|h A|G}", "7:05 am|07 AM|7", true},
		{"iso week", "{date:o-W N w z}", "2025-10 7 0 67", true},
		{"fractions", "{date:v u}", "123 123456", true},
		{"month days leap", "{date:t L y n}", "31 0 25 3", true},
		{"zone letters", "{date:e P O Z,Asia/Kolkata}", "Asia/Kolkata +05:30 +0530 19800", true},
		{"iso 8601", "{date:c}", "2025-03-09T07:05:04+00:00", true},
		{"rfc 2822", "{date:r}", "Sun, 09 Mar 2025 07:05:04 +0000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expand := Expand
			if tt.raw {
				expand = ExpandRaw
			}
			if got := expand(tt.tmpl, nil); got != tt.want {
				t.Errorf("%q = %q, want %q", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestLocationCache(t *testing.T) {
	for range 2 {
		if loc, ok := location("Europe/Berlin"); !ok || loc.String() != "Europe/Berlin" {
			t.Fatalf("Europe/Berlin = %v %v", loc, ok)
		}
		if _, ok := location("Not/AZone"); ok {
			t.Fatal("bogus zone resolved")
		}
	}
}

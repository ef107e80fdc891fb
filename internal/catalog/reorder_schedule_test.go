package catalog

import (
	"encoding/json"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
)

// TestScheduleForms: the schedule filter accepts the old one-window form and
// the week grid's per-day windows, refuses what routing could not run, and
// everything it accepts compiles in routing. (Lives in a reorder* file because
// that is the UI engineer's share of this package.)
func TestScheduleForms(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		ok      bool
	}{
		{"old form", `{"timezone":"UTC","days":[1,2,3,4,5],"from":"09:00","to":"18:00"}`, true},
		{"old form, every day", `{"timezone":"Europe/Berlin","days":[],"from":"22:00","to":"06:00"}`, true},
		{"per-day windows", `{"timezone":"Europe/Moscow","days":[{"day":0,"from":"00:00","to":"24:00"},{"day":1,"from":"09:00","to":"12:00"},{"day":1,"from":"14:00","to":"18:00"}]}`, true},
		{"per-day past midnight", `{"timezone":"UTC","days":[{"day":6,"from":"22:00","to":"02:00"}]}`, true},
		{"old form day 0", `{"timezone":"UTC","days":[0],"from":"09:00","to":"18:00"}`, false},
		{"old form 24:00", `{"timezone":"UTC","days":[1],"from":"09:00","to":"24:00"}`, false},
		{"per-day day 7", `{"timezone":"UTC","days":[{"day":7,"from":"09:00","to":"10:00"}]}`, false},
		{"per-day without day", `{"timezone":"UTC","days":[{"from":"09:00","to":"10:00"}]}`, false},
		{"per-day bad hour", `{"timezone":"UTC","days":[{"day":1,"from":"9","to":"10:00"}]}`, false},
		{"per-day empty window", `{"timezone":"UTC","days":[{"day":1,"from":"10:00","to":"10:00"}]}`, false},
		{"mixed forms", `{"timezone":"UTC","days":[{"day":1,"from":"09:00","to":"10:00"},3]}`, false},
		{"empty grid", `{"timezone":"UTC","days":[]}`, false},
		{"unknown zone", `{"timezone":"Mars/Olympus","days":[{"day":1,"from":"09:00","to":"10:00"}]}`, false},
		{"not an object", `[1,2]`, false},
	}
	var schedule FilterInfo
	for _, f := range StreamFilters() {
		if f.Name == "schedule" {
			schedule = f
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := checkFilterPayload(schedule, json.RawMessage(tc.payload))
			if (msg == "") != tc.ok {
				t.Fatalf("accepted=%v (%q), want %v", msg == "", msg, tc.ok)
			}
			if tc.ok {
				f := routing.CompileFilter(&model.StreamFilter{Name: "schedule", Mode: "accept", Payload: model.JSONText(tc.payload)})
				if f.Err != nil {
					t.Fatalf("catalog accepts what routing cannot run: %v", f.Err)
				}
			}
		})
	}
}

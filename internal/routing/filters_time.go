package routing

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // schedules name time zones; the binary must not depend on the host's zoneinfo
)

// Uniqueness scopes and methods.
const (
	ScopeCampaign = "campaign"
	ScopeStream   = "stream"
	ScopeGlobal   = "global"

	MethodIP     = "ip"
	MethodIPUA   = "ip_ua"
	MethodCookie = "cookie"

	// DefaultUniqMethod is used when a uniqueness filter names no method.
	DefaultUniqMethod = MethodIPUA
)

type uniqSpec struct{ scope, method string }

// buildUniqueness accepts "campaign", ["campaign"], or
// {"scope": "campaign"|"stream"|"global", "method": "ip"|"ip_ua"|"cookie"}.
// accept = the visitor is unique in that scope.
func buildUniqueness(f *Filter, payload []byte) error {
	spec := uniqSpec{method: DefaultUniqMethod}
	var obj struct{ Scope, Method string }
	if err := json.Unmarshal(payload, &obj); err == nil {
		spec.scope = obj.Scope
		if obj.Method != "" {
			spec.method = obj.Method
		}
	} else {
		list, err := stringList(payload)
		if err != nil || len(list) != 1 {
			return fmt.Errorf(`payload must be a scope or {"scope": ..., "method": ...}`)
		}
		spec.scope = list[0]
	}
	switch spec.scope {
	case ScopeCampaign, ScopeStream, ScopeGlobal:
	default:
		return fmt.Errorf("unknown uniqueness scope %q", spec.scope)
	}
	switch spec.method {
	case MethodIP, MethodIPUA, MethodCookie:
	default:
		return fmt.Errorf("unknown uniqueness method %q", spec.method)
	}
	f.uniq = &spec
	f.match = func(c *Campaign, s *Stream, in *Input) bool {
		return !in.Counters.Seen[spec.key(c.Model.ID, s.Model.ID)]
	}
	return nil
}

func (u uniqSpec) key(campaignID, streamID int64) UniqKey {
	switch u.scope {
	case ScopeGlobal:
		return UniqKey{Scope: ScopeGlobal, Method: u.method}
	case ScopeStream:
		return UniqKey{Scope: ScopeStream, Method: u.method, CampaignID: campaignID, StreamID: streamID}
	}
	return UniqKey{Scope: ScopeCampaign, Method: u.method, CampaignID: campaignID}
}

type limitSpec struct {
	PerHour int64 `json:"per_hour"`
	PerDay  int64 `json:"per_day"`
	Total   int64 `json:"total"`
}

// buildLimit: accept = the stream is still under every non-zero limit.
func buildLimit(f *Filter, payload []byte) error {
	var l limitSpec
	if err := json.Unmarshal(payload, &l); err != nil {
		return fmt.Errorf(`payload must be {"per_hour": N, "per_day": N, "total": N}`)
	}
	if l.PerHour < 0 || l.PerDay < 0 || l.Total < 0 {
		return fmt.Errorf("limits cannot be negative")
	}
	f.limit = &l
	f.match = func(_ *Campaign, s *Stream, in *Input) bool {
		n := in.Counters.Limits[s.Model.ID]
		return (l.PerHour == 0 || n.Hour < l.PerHour) &&
			(l.PerDay == 0 || n.Day < l.PerDay) &&
			(l.Total == 0 || n.Total < l.Total)
	}
	return nil
}

type scheduleDay struct {
	Day  int    `json:"day"` // 0 = Sunday .. 6 = Saturday
	From string `json:"from"`
	To   string `json:"to"`
}

// buildSchedule takes either per-day windows,
// {"timezone": "Europe/Berlin", "days": [{"day": 1, "from": "09:00", "to": "18:00"}]}
// with day 0 = Sunday .. 6 = Saturday, or one window on ISO week days, the
// admin catalog's form: {"timezone": "UTC", "days": [1, 2, 3, 4, 5],
// "from": "09:00", "to": "18:00"} with 1 = Monday .. 7 = Sunday.
// "to" is exclusive; "to" before "from" runs past midnight into the next day;
// "24:00" is the end of the day.
func buildSchedule(f *Filter, payload []byte) error {
	var p struct {
		Timezone string          `json:"timezone"`
		Days     json.RawMessage `json:"days"`
		From     string          `json:"from"`
		To       string          `json:"to"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf(`payload must be {"timezone": ..., "days": [{"day", "from", "to"}]}`)
	}
	days, err := scheduleDays(p.Days, p.From, p.To)
	if err != nil {
		return err
	}
	loc, err := location(p.Timezone)
	if err != nil {
		return err
	}
	type window struct{ day, from, to int } // minutes of the day
	var ws []window
	for _, d := range days {
		from, err1 := clockMinutes(d.From)
		to, err2 := clockMinutes(d.To)
		if err1 != nil || err2 != nil || d.Day < 0 || d.Day > 6 {
			return fmt.Errorf("bad schedule entry %+v", d)
		}
		ws = append(ws, window{d.Day, from, to})
	}
	f.match = func(_ *Campaign, _ *Stream, in *Input) bool {
		t := in.Now.In(loc)
		day, min := int(t.Weekday()), t.Hour()*60+t.Minute()
		for _, w := range ws {
			switch {
			case w.from < w.to && day == w.day && min >= w.from && min < w.to:
				return true
			case w.from >= w.to && ((day == w.day && min >= w.from) || (day == (w.day+1)%7 && min < w.to)):
				return true
			}
		}
		return false
	}
	return nil
}

// scheduleDays reads "days" as per-day windows, or as ISO week days sharing
// one from/to window.
func scheduleDays(raw json.RawMessage, from, to string) ([]scheduleDay, error) {
	var windows []scheduleDay
	if err := json.Unmarshal(raw, &windows); err == nil {
		return windows, nil
	}
	var iso []int
	if err := json.Unmarshal(raw, &iso); err != nil {
		return nil, fmt.Errorf(`days must be [{"day", "from", "to"}, ...] or ISO week days [1..7] with "from" and "to"`)
	}
	windows = windows[:0:0] // the failed decode above may have filled it
	for _, d := range iso {
		if d < 1 || d > 7 {
			return nil, fmt.Errorf("week day %d is not 1 (Monday) .. 7 (Sunday)", d)
		}
		windows = append(windows, scheduleDay{Day: d % 7, From: from, To: to})
	}
	return windows, nil
}

func clockMinutes(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	return loc, nil
}

var dateLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

func parseDateTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date-time %q", s)
}

// buildInterval: {"from": "2026-01-01 00:00", "to": "2026-02-01 00:00", "timezone": "UTC"};
// either end may be empty (open); "to" is exclusive.
func buildInterval(f *Filter, payload []byte) error {
	var p struct{ From, To, Timezone string }
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf(`payload must be {"from": ..., "to": ..., "timezone": ...}`)
	}
	loc, err := location(p.Timezone)
	if err != nil {
		return err
	}
	var from, to time.Time
	if p.From != "" {
		if from, err = parseDateTime(p.From, loc); err != nil {
			return err
		}
	}
	if p.To != "" {
		if to, err = parseDateTime(p.To, loc); err != nil {
			return err
		}
	}
	f.match = func(_ *Campaign, _ *Stream, in *Input) bool {
		return (from.IsZero() || !in.Now.Before(from)) && (to.IsZero() || in.Now.Before(to))
	}
	return nil
}

package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Payload kinds of stream filters: how a filter's payload must look.
const (
	PayloadList       = "list"       // JSON array of strings: ["US","CA"]
	PayloadNone       = "none"       // no payload: bot, proxy, empty_referrer, ipv6
	PayloadUniqueness = "uniqueness" // "campaign" | "stream" | "global", or {"scope","method"}
	PayloadLimit      = "limit"      // {"per_hour": N, "per_day": N, "total": N}
	PayloadSchedule   = "schedule"   // {"timezone","days":[1..7],"from":"HH:MM","to":"HH:MM"}
	PayloadInterval   = "interval"   // {"timezone","from":"YYYY-MM-DD HH:MM","to":...}
	PayloadParameter  = "parameter"  // {"name": "query param", "values": [...]}
)

// FilterInfo describes one stream filter for clients (GET /stream_filters).
type FilterInfo struct {
	Name     string          `json:"name"`
	Group    string          `json:"group"`
	Modes    []string        `json:"modes"`
	Payload  string          `json:"payload_kind"`
	Template json.RawMessage `json:"payload_template"`
}

func listFilter(name, group, example string) FilterInfo {
	return FilterInfo{Name: name, Group: group, Modes: FilterModes, Payload: PayloadList, Template: json.RawMessage(example)}
}

func filterTable() []FilterInfo {
	f := []FilterInfo{
		listFilter("country", "geo", `["US","CA"]`),
		listFilter("region", "geo", `["California"]`),
		listFilter("city", "geo", `["Berlin"]`),
		listFilter("isp", "geo", `["Comcast"]`),
		listFilter("connection_type", "geo", `["wifi","cellular"]`),
		listFilter("device_type", "device", `["mobile","tablet"]`),
		listFilter("device_model", "device", `["iPhone"]`),
		listFilter("os", "device", `["Android","iOS"]`),
		listFilter("os_version", "device", `["14"]`),
		listFilter("browser", "device", `["Chrome"]`),
		listFilter("browser_version", "device", `["120"]`),
		listFilter("language", "device", `["en","de"]`),
		listFilter("ip", "network", `["10.0.0.0/8","1.2.3.4","5.6.7.8-5.6.7.99"]`),
		// ipv6 is Keitaro's yes/no filter: accept = the visitor came over IPv6.
		// Address lists of either family go in the ip filter.
		{Name: "ipv6", Group: "network", Modes: FilterModes, Payload: PayloadNone, Template: json.RawMessage(`null`)},
		listFilter("user_agent", "device", `["*Android*","/bot/i"]`),
		listFilter("referrer", "source", `["*google.*"]`),
		listFilter("keyword", "source", `["shoes"]`),
		listFilter("source", "source", `["site.com"]`),
		{Name: "empty_referrer", Group: "source", Modes: FilterModes, Payload: PayloadNone, Template: json.RawMessage(`null`)},
		{Name: "bot", Group: "traffic", Modes: FilterModes, Payload: PayloadNone, Template: json.RawMessage(`null`)},
		{Name: "proxy", Group: "traffic", Modes: FilterModes, Payload: PayloadNone, Template: json.RawMessage(`null`)},
		{Name: "parameter", Group: "source", Modes: FilterModes, Payload: PayloadParameter, Template: json.RawMessage(`{"name":"utm_source","values":["fb"]}`)},
		{Name: "uniqueness", Group: "traffic", Modes: FilterModes, Payload: PayloadUniqueness, Template: json.RawMessage(`"campaign"`)},
		{Name: "limit", Group: "traffic", Modes: FilterModes, Payload: PayloadLimit, Template: json.RawMessage(`{"per_hour":100,"per_day":1000,"total":0}`)},
		{Name: "schedule", Group: "time", Modes: FilterModes, Payload: PayloadSchedule, Template: json.RawMessage(`{"timezone":"UTC","days":[1,2,3,4,5],"from":"09:00","to":"18:00"}`)},
		{Name: "interval", Group: "time", Modes: FilterModes, Payload: PayloadInterval, Template: json.RawMessage(`{"timezone":"UTC","from":"2026-01-01 00:00","to":"2026-12-31 23:59"}`)},
	}
	for i := 1; i <= 30; i++ {
		f = append(f, listFilter(fmt.Sprintf("sub_id_%d", i), "source", `["a","b"]`))
	}
	return f
}

var filters = filterTable()

func filterByName(name string) (FilterInfo, bool) {
	for _, f := range filters {
		if f.Name == name {
			return f, true
		}
	}
	return FilterInfo{}, false
}

// StreamFilters lists every filter a stream may use.
func StreamFilters() []FilterInfo { return filters }

// isNull reports an absent or JSON-null payload.
func isNull(p json.RawMessage) bool {
	t := bytes.TrimSpace(p)
	return len(t) == 0 || string(t) == "null"
}

// checkFilterPayload validates p for the filter kind; it returns a message or "".
func checkFilterPayload(f FilterInfo, p json.RawMessage) string {
	switch f.Payload {
	case PayloadNone:
		if !isNull(p) {
			return "must be empty (null) for " + f.Name
		}
		return ""
	case PayloadList:
		return checkList(f.Name, p)
	case PayloadUniqueness:
		return checkUniqueness(p)
	case PayloadLimit:
		return checkLimit(p)
	case PayloadSchedule:
		return checkSchedule(p)
	case PayloadInterval:
		return checkInterval(p)
	case PayloadParameter:
		var v struct {
			Name   string   `json:"name"`
			Values []string `json:"values"`
		}
		if json.Unmarshal(p, &v) != nil || v.Name == "" || len(v.Name) > MaxName {
			return `must be {"name": "param", "values": ["..."]}`
		}
		return ""
	}
	return "unsupported filter"
}

func checkList(name string, p json.RawMessage) string {
	var vals []string
	if json.Unmarshal(p, &vals) != nil || len(vals) == 0 {
		return "must be a non-empty JSON array of strings"
	}
	for _, v := range vals {
		if len(v) > MaxURL {
			return fmt.Sprintf("values must be at most %d characters", MaxURL)
		}
		switch name {
		case "ip":
			if !ipOrRange(v) {
				return fmt.Sprintf("%q is not an IP address, CIDR or range", v)
			}
		case "country":
			if len(v) != 2 || strings.ToUpper(v) != v {
				return fmt.Sprintf("%q is not an ISO 3166 alpha-2 code", v)
			}
		case "user_agent", "referrer":
			if len(v) > 2 && strings.HasPrefix(v, "/") {
				if msg := checkRegex(v); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

// checkRegex accepts /expr/ or /expr/i.
func checkRegex(v string) string {
	body := strings.TrimPrefix(v, "/")
	body = strings.TrimSuffix(strings.TrimSuffix(body, "i"), "/")
	if _, err := regexp.Compile(body); err != nil {
		return fmt.Sprintf("%q is not a valid regular expression", v)
	}
	return ""
}

func checkUniqueness(p json.RawMessage) string {
	var v struct {
		Scope  string `json:"scope"`
		Method string `json:"method"`
	}
	if json.Unmarshal(p, &v.Scope) != nil && json.Unmarshal(p, &v) != nil {
		return `must be "campaign", "stream", "global" or {"scope": ..., "method": "ip"|"ip_ua"|"cookie"}`
	}
	switch v.Scope {
	case "campaign", "stream", "global":
	default:
		return `scope must be "campaign", "stream" or "global"`
	}
	switch v.Method {
	case "", "ip", "ip_ua", "cookie":
		return ""
	}
	return `method must be "ip", "ip_ua" or "cookie"`
}

func checkLimit(p json.RawMessage) string {
	var v struct {
		PerHour *int64 `json:"per_hour"`
		PerDay  *int64 `json:"per_day"`
		Total   *int64 `json:"total"`
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.DisallowUnknownFields()
	if dec.Decode(&v) != nil || (v.PerHour == nil && v.PerDay == nil && v.Total == nil) {
		return `must be {"per_hour": N, "per_day": N, "total": N}`
	}
	for _, n := range []*int64{v.PerHour, v.PerDay, v.Total} {
		if n != nil && *n < 0 {
			return "limits must not be negative"
		}
	}
	return ""
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// checkSchedule accepts the two forms routing understands: one window on ISO
// week days {"timezone", "days": [1..7], "from", "to"}, or per-day windows
// {"timezone", "days": [{"day": 0..6 (0 = Sunday), "from", "to"}, ...]}, the
// week grid's form, where "to" may be "24:00" (the end of the day).
func checkSchedule(p json.RawMessage) string {
	var v struct {
		Timezone string          `json:"timezone"`
		Days     json.RawMessage `json:"days"`
		From     string          `json:"from"`
		To       string          `json:"to"`
	}
	const shape = `must be {"timezone": "UTC", "days": [1..7], "from": "HH:MM", "to": "HH:MM"} or {"timezone": "UTC", "days": [{"day": 0..6, "from": "HH:MM", "to": "HH:MM"}]}`
	if json.Unmarshal(p, &v) != nil {
		return shape
	}
	if _, err := time.LoadLocation(v.Timezone); err != nil || v.Timezone == "" {
		return "timezone is not a known time zone"
	}
	var windows []struct {
		Day  *int   `json:"day"`
		From string `json:"from"`
		To   string `json:"to"`
	}
	if len(v.Days) > 0 && json.Unmarshal(v.Days, &windows) == nil && len(windows) > 0 {
		for i, w := range windows {
			at := "days[" + strconv.Itoa(i) + "]: "
			switch {
			case w.Day == nil || *w.Day < 0 || *w.Day > 6:
				return at + "day must be 0 (Sunday) .. 6 (Saturday)"
			case !hhmm.MatchString(w.From) || (!hhmm.MatchString(w.To) && w.To != "24:00"):
				return at + `from and to must be "HH:MM" (to may be "24:00")`
			case w.From == w.To:
				return at + "from and to must differ"
			}
		}
		return ""
	}
	var days []int
	if len(v.Days) > 0 && json.Unmarshal(v.Days, &days) != nil {
		return shape
	}
	if len(days) == 0 && v.From == "" && v.To == "" {
		return "choose at least one day and hour"
	}
	for _, d := range days {
		if d < 1 || d > 7 {
			return "days must be 1 (Monday) .. 7 (Sunday)"
		}
	}
	if !hhmm.MatchString(v.From) || !hhmm.MatchString(v.To) {
		return `from and to must be "HH:MM"`
	}
	return ""
}

func checkInterval(p json.RawMessage) string {
	var v struct {
		Timezone string `json:"timezone"`
		From     string `json:"from"`
		To       string `json:"to"`
	}
	if json.Unmarshal(p, &v) != nil {
		return `must be {"timezone": "UTC", "from": "YYYY-MM-DD HH:MM", "to": "YYYY-MM-DD HH:MM"}`
	}
	loc, err := time.LoadLocation(v.Timezone)
	if err != nil || v.Timezone == "" {
		return "timezone is not a known time zone"
	}
	from, err1 := time.ParseInLocation("2006-01-02 15:04", v.From, loc)
	to, err2 := time.ParseInLocation("2006-01-02 15:04", v.To, loc)
	if err1 != nil || err2 != nil {
		return `from and to must be "YYYY-MM-DD HH:MM"`
	}
	if !to.After(from) {
		return "to must be after from"
	}
	return ""
}

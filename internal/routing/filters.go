package routing

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kite-tracker/kite/internal/model"
)

// Filter is a stream filter parsed once: match tells whether the visitor is
// "one of" the payload; Reject inverts it.
type Filter struct {
	Name   string
	Reject bool
	Err    error // the payload could not be understood: the filter never passes

	desc  string // how a refusal names the filter, built once at compile time
	match func(c *Campaign, s *Stream, in *Input) bool
	uniq  *uniqSpec
	limit *limitSpec
}

// Passes tells whether the filter lets the visitor through.
func (f *Filter) Passes(c *Campaign, s *Stream, in *Input) bool {
	if f.Err != nil {
		return false
	}
	return f.match(c, s, in) != f.Reject
}

// Pass evaluates the stream's filters (AND, or OR with filter_or) and names
// the filter that decided a refusal.
func (s *Stream) Pass(c *Campaign, in *Input) (bool, string) {
	return s.pass(c, in, false, true)
}

// PassIgnoringUniqueness is Pass with uniqueness filters treated as passed; a
// bound visitor is by definition not unique any more.
func (s *Stream) PassIgnoringUniqueness(c *Campaign, in *Input) (bool, string) {
	return s.pass(c, in, true, true)
}

// pass evaluates the filters; explain=false skips building the refusal text
// (the click path never shows it).
func (s *Stream) pass(c *Campaign, in *Input, skipUniq, explain bool) (bool, string) {
	if len(s.Filters) == 0 {
		return true, ""
	}
	var failed []string
	for _, f := range s.Filters {
		ok := (skipUniq && f.uniq != nil) || f.Passes(c, s, in)
		switch {
		case ok && s.Model.FilterOr:
			return true, ""
		case !ok && !s.Model.FilterOr:
			return false, f.desc
		case !ok && explain:
			failed = append(failed, f.desc)
		}
	}
	if s.Model.FilterOr {
		if !explain {
			return false, ""
		}
		return false, "no filter passed: " + strings.Join(failed, ", ")
	}
	return true, ""
}

// describe names the filter in a refusal: "filter country (accept)", with
// the payload problem when it is invalid.
func (f *Filter) describe() string {
	mode := "accept"
	if f.Reject {
		mode = "reject"
	}
	if f.Err != nil {
		return "filter " + f.Name + " (" + mode + ") is invalid: " + f.Err.Error()
	}
	return "filter " + f.Name + " (" + mode + ")"
}

// CompileFilter parses a filter's payload into its matcher.
func CompileFilter(mf *model.StreamFilter) *Filter {
	f := compileFilter(mf)
	f.desc = f.describe()
	return f
}

func compileFilter(mf *model.StreamFilter) *Filter {
	f := &Filter{Name: mf.Name, Reject: mf.Mode == "reject"}
	if mf.Mode != "" && mf.Mode != "accept" && mf.Mode != "reject" {
		f.Err = fmt.Errorf("unknown mode %q", mf.Mode)
		return f
	}
	build, ok := builders[mf.Name]
	if !ok && strings.HasPrefix(mf.Name, "sub_id_") && subIDNumber(mf.Name) > 0 {
		build, ok = paramList(mf.Name), true
	}
	if !ok {
		f.Err = fmt.Errorf("unknown filter")
		return f
	}
	f.Err = build(f, []byte(mf.Payload))
	return f
}

func subIDNumber(name string) int {
	var n int
	if _, err := fmt.Sscanf(strings.TrimPrefix(name, "sub_id_"), "%d", &n); err != nil || n < 1 || n > 30 {
		return 0
	}
	if fmt.Sprintf("sub_id_%d", n) != name {
		return 0
	}
	return n
}

type builder func(f *Filter, payload []byte) error

var builders map[string]builder

func init() {
	builders = map[string]builder{
		"country":         visitorList(func(v *Visitor) string { return v.Country }, equalFold),
		"region":          visitorList(func(v *Visitor) string { return v.Region }, equalFold),
		"city":            visitorList(func(v *Visitor) string { return v.City }, equalFold),
		"isp":             visitorList(func(v *Visitor) string { return v.ISP }, equalFold),
		"connection_type": visitorList(func(v *Visitor) string { return v.ConnectionType }, equalFold),
		"device_type":     visitorList(func(v *Visitor) string { return v.DeviceType }, equalFold),
		"device_model":    visitorList(func(v *Visitor) string { return v.DeviceModel }, equalFold),
		"os":              visitorList(func(v *Visitor) string { return v.OS }, equalFold),
		"os_version":      visitorList(func(v *Visitor) string { return v.OSVersion }, versionPrefix),
		"browser":         visitorList(func(v *Visitor) string { return v.Browser }, equalFold),
		"browser_version": visitorList(func(v *Visitor) string { return v.BrowserVersion }, versionPrefix),
		"language":        visitorList(func(v *Visitor) string { return v.Language }, languageMatch),
		"ip":              buildIP,
		"ipv6":            flag(func(v *Visitor) bool { return v.IP.Is6() && !v.IP.Is4In6() }),
		"bot":             flag(func(v *Visitor) bool { return v.IsBot }),
		"proxy":           flag(func(v *Visitor) bool { return v.IsProxy }),
		"empty_referrer":  flag(func(v *Visitor) bool { return v.Referrer == "" }),
		"user_agent":      visitorText(func(v *Visitor) string { return v.UserAgent }),
		"referrer":        visitorText(func(v *Visitor) string { return v.Referrer }),
		"keyword":         paramList("keyword"),
		"source":          paramList("source"),
		"parameter":       buildParameter,
		"uniqueness":      buildUniqueness,
		"limit":           buildLimit,
		"schedule":        buildSchedule,
		"interval":        buildInterval,
	}
}

// stringList decodes a list payload; a single string is a list of one.
func stringList(payload []byte) ([]string, error) {
	var list []string
	if err := json.Unmarshal(payload, &list); err == nil {
		return list, nil
	}
	var one string
	if err := json.Unmarshal(payload, &one); err != nil {
		return nil, fmt.Errorf("payload must be a JSON array of strings")
	}
	return []string{one}, nil
}

func visitorList(field func(*Visitor) string, eq func(have, want string) bool) builder {
	return func(f *Filter, payload []byte) error {
		values, err := stringList(payload)
		if err != nil {
			return err
		}
		f.match = func(_ *Campaign, _ *Stream, in *Input) bool {
			have := field(&in.Visitor)
			for _, v := range values {
				if eq(have, v) {
					return true
				}
			}
			return false
		}
		return nil
	}
}

func flag(is func(*Visitor) bool) builder {
	return func(f *Filter, _ []byte) error {
		f.match = func(_ *Campaign, _ *Stream, in *Input) bool { return is(&in.Visitor) }
		return nil
	}
}

func visitorText(field func(*Visitor) string) builder {
	return func(f *Filter, payload []byte) error {
		values, err := stringList(payload)
		if err != nil {
			return err
		}
		m, err := compileText(values)
		if err != nil {
			return err
		}
		f.match = func(_ *Campaign, _ *Stream, in *Input) bool { return m.match(field(&in.Visitor)) }
		return nil
	}
}

// paramList matches a (mapped) request parameter against text patterns.
func paramList(name string) builder {
	return func(f *Filter, payload []byte) error {
		values, err := stringList(payload)
		if err != nil {
			return err
		}
		m, err := compileText(values)
		if err != nil {
			return err
		}
		f.match = func(_ *Campaign, _ *Stream, in *Input) bool { return m.match(in.Params[name]) }
		return nil
	}
}

func equalFold(have, want string) bool { return strings.EqualFold(have, strings.TrimSpace(want)) }

// versionPrefix lets "14" match "14.2.1" but not "141".
func versionPrefix(have, want string) bool {
	want = strings.TrimSpace(want)
	if want == "" {
		return have == ""
	}
	return have == want || strings.HasPrefix(have, want+".")
}

// languageMatch lets "en" match "en-US"; "en-US" matches only itself.
func languageMatch(have, want string) bool {
	want = strings.TrimSpace(want)
	if strings.EqualFold(have, want) {
		return true
	}
	return len(have) > len(want) && strings.EqualFold(have[:len(want)], want) && (have[len(want)] == '-' || have[len(want)] == '_')
}

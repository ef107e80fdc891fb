package catalog

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// CampaignCostRequest is Keitaro's CampaignCostRequest: spread Cost evenly
// over the campaign's clicks in [StartDate, EndDate) (wall times in
// Timezone), optionally only the campaign-unique ones and only those
// matching Filters ({"sub_id_1": "1,2,3", "source": "site.ru"}).
type CampaignCostRequest struct {
	StartDate           string            `json:"start_date"`
	EndDate             string            `json:"end_date"`
	Timezone            string            `json:"timezone"`
	Cost                Amount            `json:"cost"`
	Currency            string            `json:"currency"`
	OnlyCampaignUniques Flag              `json:"only_campaign_uniques"`
	Filters             map[string]string `json:"filters"`
}

// CostUpdate is what an update of costs did.
type CostUpdate struct {
	Clicks       int64   `json:"clicks"`         // clicks that now carry the cost
	Cost         float64 `json:"cost"`           // the total, in the tracker currency
	CostPerClick float64 `json:"cost_per_click"` // in the tracker currency
	Currency     string  `json:"currency"`       // the tracker currency
}

// MaxCost bounds one cost update; larger totals are typos.
const MaxCost = 1e10

// costRange is a validated request, ready for SQL.
type costRange struct {
	from, to    time.Time // UTC, half-open
	cost        float64   // in the request's currency
	currency    string
	uniquesOnly bool
	filters     map[string][]string // column -> accepted values
}

var costTimeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// validate checks every field and returns the range in UTC.
func (r CampaignCostRequest) validate() (costRange, error) {
	c := newChecker()
	out := costRange{currency: strings.ToUpper(strings.TrimSpace(r.Currency)), uniquesOnly: bool(r.OnlyCampaignUniques)}
	loc := time.UTC
	if tz := strings.TrimSpace(r.Timezone); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || len(tz) > 64 {
			c.add("timezone", "is not a known time zone")
		} else {
			loc = l
		}
	}
	out.from = costTime(c, "start_date", r.StartDate, loc)
	out.to = costTime(c, "end_date", r.EndDate, loc)
	_, badFrom := c.f["start_date"]
	_, badTo := c.f["end_date"]
	if !badFrom && !badTo && !out.to.After(out.from) {
		c.add("end_date", "must be after start_date")
	}
	cost, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(string(r.Cost)), ",", "."), 64)
	switch {
	case strings.TrimSpace(string(r.Cost)) == "":
		c.add("cost", "is required")
	case err != nil || math.IsNaN(cost) || math.IsInf(cost, 0):
		c.add("cost", "must be a number")
	case cost < 0 || cost > MaxCost:
		c.add("cost", "must be between 0 and %g", float64(MaxCost))
	}
	out.cost = cost
	if out.currency != "" && !currencyRe.MatchString(out.currency) {
		c.add("currency", "must be a 3-letter ISO 4217 code")
	}
	out.filters = costFilters(c, r.Filters)
	return out, c.err()
}

func costTime(c *checker, field, v string, loc *time.Location) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		c.add(field, "is required")
		return time.Time{}
	}
	for _, layout := range costTimeLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC()
		}
	}
	c.add(field, `must look like "2017-09-10 20:10"`)
	return time.Time{}
}

// costFilterColumns are the click fields a cost update may be narrowed by.
var costFilterColumns = func() map[string]bool {
	m := map[string]bool{"keyword": true, "external_id": true, "creative_id": true, "ad_campaign_id": true, "source": true}
	for i := 1; i <= 30; i++ {
		m["sub_id_"+strconv.Itoa(i)] = true
	}
	return m
}()

// maxFilterValues bounds one filter's list (it becomes an IN list).
const maxFilterValues = 1000

func costFilters(c *checker, in map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range in {
		field := "filters." + k
		if !costFilterColumns[k] {
			c.add(truncate(field, 80), "is not a click field a cost can be filtered by")
			continue
		}
		var vals []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				vals = append(vals, truncate(s, MaxURL))
			}
		}
		switch {
		case len(vals) == 0:
			c.add(field, "needs at least one value")
		case len(vals) > maxFilterValues:
			c.add(field, "has more than %d values", maxFilterValues)
		default:
			out[k] = vals
		}
	}
	return out
}

// Amount is a decimal sent as a JSON number or string ("19.22"), as
// Keitaro's clients do.
type Amount string

// UnmarshalJSON accepts a number, a string or null.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*a = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = Amount(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*a = Amount(b)
	default:
		return &json.UnmarshalTypeError{Value: "non-number", Type: reflect.TypeFor[float64]()}
	}
	return nil
}

// Flag is a boolean sent as true/false, 1/0 or "1"/"0", as PHP clients do.
type Flag bool

// UnmarshalJSON accepts true, false, 1, 0, "1", "0", "true", "false", "" and null.
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return &json.UnmarshalTypeError{Value: "non-boolean", Type: reflect.TypeFor[bool]()}
	}
	return nil
}

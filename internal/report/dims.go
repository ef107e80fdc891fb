package report

import (
	"fmt"
	"sort"
)

// kind is how a dimension's values are typed, compared and printed.
type kind int

const (
	kindText kind = iota
	kindInt       // ids of campaigns, streams, ...
	kindBool
	kindTime   // a time bucket in the report's zone, computed from the event time
	kindNumber // money columns of the logs
	kindStamp  // a timestamp column of the logs (filtered through the range)
)

// dimension is one thing a report can group or filter by.
type dimension struct {
	name   string
	kind   kind
	column string // column on clicks (and on the rollup/conversions when rollup is true)
	// rollup is true when click_stats_hourly and conversions both carry the
	// column, so the report never has to read raw clicks for it.
	rollup bool
	// entity names the config table whose name is shown beside the id.
	entity string
	idKey  string // output key of the id for entity dimensions ("campaign_id")
	// dailyCube names the daily-only cube holding the column, which
	// conversions then carry too (subcube.go).
	dailyCube string
	// campaignJoin: the value comes from the campaign's row (campaign_group).
	campaignJoin bool
	// timeFmt is the bucket of a time dimension.
	timeFmt string
	// expr, when set, is the column's SQL as is (log columns).
	expr string
}

// outKey is the column the dimension's value is printed under.
func (d *dimension) outKey() string {
	if d.idKey != "" {
		return d.idKey
	}
	return d.name
}

var dimensions = map[string]*dimension{}

// dimAliases lets buyers group by "campaign_id" as well as "campaign".
var dimAliases = map[string]string{}

func addDim(d dimension) {
	dimensions[d.name] = &d
	if d.idKey != "" && d.idKey != d.name {
		dimAliases[d.idKey] = d.name
	}
}

func init() {
	entities := []struct{ name, column, table string }{
		{"campaign", "campaign_id", "campaigns"},
		{"stream", "stream_id", "streams"},
		{"offer", "offer_id", "offers"},
		{"landing", "landing_id", "landing_pages"},
		{"ts", "ts_id", "traffic_sources"},
		{"affiliate_network", "affiliate_network_id", "affiliate_networks"},
	}
	for _, e := range entities {
		addDim(dimension{name: e.name, kind: kindInt, column: e.column, rollup: true, entity: e.table, idKey: e.column})
	}
	addDim(dimension{name: "campaign_group", kind: kindInt, column: "group_id", rollup: true,
		entity: "groups", idKey: "campaign_group_id", campaignJoin: true})
	dimAliases["traffic_source"] = "ts"
	dimAliases["landing_page"] = "landing"

	for _, c := range []string{"country", "device_type", "os", "browser", "language", "connection_type"} {
		addDim(dimension{name: c, kind: kindText, column: c, rollup: true})
	}
	addDim(dimension{name: "is_bot", kind: kindBool, column: "is_bot", rollup: true})

	raw := []string{"region", "city", "isp", "device_model", "os_version", "browser_version", "source",
		"keyword", "referrer", "external_id", "creative_id", "ad_campaign_id",
		"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ip"}
	for i := 1; i <= 30; i++ {
		raw = append(raw, fmt.Sprintf("sub_id_%d", i))
	}
	for _, c := range raw {
		addDim(dimension{name: c, kind: kindText, column: c})
	}
	dimensions["sub_id_1"].dailyCube = subIDCube
	for _, c := range []string{"is_unique_campaign", "is_unique_stream", "is_unique_global"} {
		addDim(dimension{name: c, kind: kindBool, column: c})
	}

	for _, t := range []string{"year", "month", "week", "weekday", "day", "hour", "day_hour", "datetime"} {
		addDim(dimension{name: t, kind: kindTime, rollup: t != "datetime", timeFmt: t})
	}
	dimAliases["date"] = "day"
}

// lookupDim finds a dimension by name or alias.
func lookupDim(name string) (*dimension, bool) {
	if a, ok := dimAliases[name]; ok {
		name = a
	}
	d, ok := dimensions[name]
	return d, ok
}

// pgTimeFormats are to_char patterns of the time buckets (weekday is ISO 1..7).
var pgTimeFormats = map[string]string{
	"year": "YYYY", "month": "YYYY-MM", "day": "YYYY-MM-DD", "hour": "HH24",
	"day_hour": "YYYY-MM-DD HH24:00", "datetime": "YYYY-MM-DD HH24:MI", "weekday": "ID",
}

// sqliteTimeFormats are strftime patterns of the time buckets.
var sqliteTimeFormats = map[string]string{
	"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d", "hour": "%H",
	"day_hour": "%Y-%m-%d %H:00", "datetime": "%Y-%m-%d %H:%M", "weekday": "%w",
}

// DimensionNames lists every name a report can group or filter by (for the
// report builder's pickers), aliases excluded.
func DimensionNames() []string {
	out := make([]string, 0, len(dimensions))
	for n := range dimensions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

package report

import (
	"maps"
	"slices"
)

// Conversion cubes (migration 0036, Postgres) hold conversions by the UTC
// day of their click, with the keys of a daily click cube. When a report's
// click side comes wholly from whole UTC days of such a click cube, by click
// time, its conversion side reads the matching conversion cube instead of
// grouping every conversion of the range: the day a daily row is counted in
// is the same on both sides (its UTC midday), so the sides still agree.

// convCounters are a conversion cube's summed columns, in the order of the
// conversion side's fields (convAggs) but the orphans.
const convCounters = "leads, sales, rejected, rebills, lead_revenue, sale_revenue, rejected_revenue, rebill_revenue"

// convCubeOf maps a daily click cube to its conversion cube.
var convCubeOf = map[string]cube{
	"report_cube_entities_daily": {table: "report_conv_entities_daily", keys: entityKeys, dims: entityDims,
		timeCol: "day", counters: convCounters},
	"report_cube_countries_daily": {table: "report_conv_countries_daily", keys: countryKeys, dims: countryDims,
		timeCol: "day", counters: convCounters},
}

// convDailyCubes lists the conversion cubes (for compaction), in a fixed order.
func convDailyCubes() []cube {
	var out []cube
	for _, k := range slices.Sorted(maps.Keys(convCubeOf)) {
		out = append(out, convCubeOf[k])
	}
	return out
}

// convCube names the conversion cube serving the plan's conversion side,
// or "" when conversions must be grouped from their table: on SQLite, by
// conversion time, or when any stretch of the range is read hourly or raw.
func (p *plan) convCube(pg bool) string {
	c, ok := convCubeOf[p.daily]
	if !pg || !ok || p.raw || !p.convByClick || p.convJoined || len(p.misfits) > 0 || len(p.splits) > 0 ||
		len(p.hourlyRanges()) > 0 {
		return ""
	}
	return c.table
}

// convCubeSide is the conversion side read from the conversion cube t.
func (p *plan) convCubeSide(pg bool, t string) sideSpec {
	aggs := append(cubeAggs(convCounters, pg), "0") // orphans: only a join to raw clicks finds them
	g := &gen{pg: pg, src: srcRollup, table: t, timeCol: midday(pg, "h.day"), span: p.span}
	return p.side(g, aggs, clickFieldCount, p.dailyTimeClause())
}

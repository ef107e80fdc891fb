package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// cube is an hourly rollup table and the dimensions it can answer.
type cube struct {
	table   string
	keys    []string // key columns besides the time column
	dims    map[string]bool
	timeCol string // "hour", or "day" for a daily cube
	daily   string // the daily cube with the same keys, if any
	// counters are the summed columns; empty: the click counters.
	counters string
}

// counterColumns are the columns c sums.
func (c cube) counterColumns() string {
	if c.counters != "" {
		return c.counters
	}
	return cubeCounters
}

// cubes are tried in order, smallest first; click_stats_hourly (every rollup
// dimension) is the last resort before raw clicks. The narrow cubes are kept
// by triggers (migration 0030) and compacted by the Maintainer.
var cubes = []cube{
	{"report_cube_entities", entityKeys, entityDims, "hour", "report_cube_entities_daily", ""},
	{"report_cube_countries", countryKeys, countryDims, "hour", "report_cube_countries_daily", ""},
	{"click_stats_hourly", nil, nil, "hour", "", ""},
}

// dailyCubes are the daily siblings (migration 0031): whole UTC days of the
// hourly cubes above, for the days of a range that fit one time bucket.
var dailyCubes = []cube{
	{"report_cube_entities_daily", entityKeys, entityDims, "day", "", ""},
	{"report_cube_countries_daily", countryKeys, countryDims, "day", "", ""},
}

var (
	entityKeys  = []string{"campaign_id", "stream_id", "offer_id", "landing_id", "ts_id", "affiliate_network_id"}
	entityDims  = set("campaign", "campaign_group", "stream", "offer", "landing", "ts", "affiliate_network")
	countryKeys = []string{"campaign_id", "country"}
	countryDims = set("campaign", "campaign_group", "country")
)

func set(names ...string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// covers tells whether the cube holds every dimension the plan needs.
func (c cube) covers(p *plan) bool {
	if c.dims == nil {
		return true
	}
	ok := func(d *dimension) bool { return d.kind == kindTime || c.dims[d.name] }
	for _, d := range p.dims {
		if !ok(d) {
			return false
		}
	}
	for _, f := range p.dimFilters {
		if !ok(f.dim) {
			return false
		}
	}
	return true
}

// pickCube is the smallest cube answering the plan.
func (p *plan) pickCube() cube {
	for _, c := range cubes {
		if c.covers(p) {
			return c
		}
	}
	return cubes[len(cubes)-1]
}

var cubeCounters = "clicks, campaign_unique_clicks, stream_unique_clicks, global_unique_clicks, bots, " +
	"empty_referrers, lp_clicks, cost"

func cubeSums(counters string) string {
	parts := strings.Split(counters, ", ")
	for i, c := range parts {
		parts[i] = "SUM(" + c + ")"
	}
	return strings.Join(parts, ", ")
}

// CompactCubes folds the delta rows the triggers appended for hours from
// since on into one row per key. Rows appended meanwhile by click writers
// are left alone (they are not visible to the delete), so sums never change.
func (m *Maintainer) CompactCubes(ctx context.Context, since time.Time) error {
	all := append(append([]cube{}, cubes...), dailyCubes...)
	if m.st.IsPostgres() {
		all = append(all, convDailyCubes()...)
	}
	for _, c := range all {
		if c.keys == nil {
			continue
		}
		from := since.UTC().Truncate(time.Hour)
		if c.timeCol == "day" {
			from = since.UTC().Truncate(24 * time.Hour)
		}
		if err := m.compactCube(ctx, c, from); err != nil {
			return fmt.Errorf("compact %s: %w", c.table, err)
		}
	}
	return nil
}

func (m *Maintainer) compactCube(ctx context.Context, c cube, since time.Time) error {
	key := c.timeCol + ", " + strings.Join(c.keys, ", ")
	cols := key + ", " + c.counterColumns()
	sums := cubeSums(c.counterColumns())
	db := m.st.DB.WithContext(ctx)
	if m.st.IsPostgres() {
		// Only keys holding more than one row are rewritten: rewriting every
		// row of the window each minute left the hourly cubes at 1-2 GB of
		// dead rows for ~70 MB of live ones after a 10M-click load.
		h, d := make([]string, 0, len(c.keys)+1), make([]string, 0, len(c.keys)+1)
		for _, k := range append([]string{c.timeCol}, c.keys...) {
			h, d = append(h, "h."+k), append(d, "d."+k)
		}
		return db.Exec("/* report.compactCube */ WITH dup AS (SELECT "+key+" FROM "+c.table+" WHERE "+c.timeCol+
			" >= ? GROUP BY "+key+" HAVING COUNT(*) > 1), moved AS (DELETE FROM "+c.table+" h USING dup d WHERE h."+
			c.timeCol+" >= ? AND ("+strings.Join(h, ", ")+") = ("+strings.Join(d, ", ")+") RETURNING h.*) "+
			"INSERT INTO "+c.table+" ("+cols+") SELECT "+key+", "+sums+" FROM moved GROUP BY "+key, since, since).Error
	}
	// SQLite has one writer connection, so the transaction sees every row.
	return db.Transaction(func(tx *gorm.DB) error {
		var top int64
		if err := tx.Raw("/* report.compactCube */ SELECT COALESCE(MAX(rowid), 0) FROM " + c.table).Row().Scan(&top); err != nil {
			return err
		}
		err := tx.Exec("/* report.compactCube */ INSERT INTO "+c.table+" ("+cols+") SELECT "+key+", "+sums+
			" FROM "+c.table+" WHERE "+c.timeCol+" >= ? AND rowid <= ? GROUP BY "+key, since, top).Error
		if err != nil {
			return err
		}
		return tx.Exec("/* report.compactCube */ DELETE FROM "+c.table+" WHERE "+c.timeCol+" >= ? AND rowid <= ?", since, top).Error
	})
}

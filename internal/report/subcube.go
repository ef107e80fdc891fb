package report

// Daily-only cubes roll one high-cardinality column up by UTC day, with no
// hourly sibling (migration 0035: report_cube_sub_id_1_daily). An hourly
// table of a column with 100k values would hold about one row per click; a
// daily one holds a few rows per value. A report grouped and filtered only
// by such a column (and by time buckets of a day or longer) reads the whole
// UTC days of its range from the cube and every other stretch (the partial
// days at the ends of a range in a zone off UTC) from raw clicks, so it is
// exact in any zone. Conversions carry the column (copied from the click),
// so their side needs no join either. Postgres only: SQLite, the embedded
// mode, keeps few enough clicks to scan.

// subIDCube is the daily cube of sub_id_1.
const subIDCube = "report_cube_sub_id_1_daily"

// chooseDailyOnlyCube switches a raw plan to a daily-only cube when one
// holds every dimension it groups or filters by and serves at least one
// day of the range without moving hours between buckets (there is no hourly
// cube to move them with).
func (p *plan) chooseDailyOnlyCube(pg bool) {
	if !pg || !p.raw {
		return
	}
	table := ""
	fits := func(d *dimension) bool {
		if d.kind == kindTime {
			return d.rollup // every bucket but datetime; dailyRuns refuses hours
		}
		if d.dailyCube == "" || (table != "" && d.dailyCube != table) {
			return false
		}
		table = d.dailyCube
		return true
	}
	for _, d := range p.dims {
		if !fits(d) {
			return
		}
	}
	for _, f := range p.dimFilters {
		if !fits(f.dim) {
			return
		}
	}
	if table == "" {
		return
	}
	runs, misfits := p.dailyRuns()
	if len(runs) == 0 || len(misfits) > 0 {
		return
	}
	p.raw, p.convJoined = false, false
	p.cube, p.daily, p.days, p.misfits = "", table, runs, nil
	p.splits, p.splitStarts = p.hourlyRanges(), nil
}

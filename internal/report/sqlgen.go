package report

import (
	"fmt"
	"strings"
)

// source is where one side of a report is read from.
type source int

const (
	srcRaw        source = iota // clicks k
	srcRollup                   // click_stats_hourly h
	srcConv                     // conversions c
	srcConvJoined               // conversions c LEFT JOIN clicks k
)

// sqlBuf accumulates SQL text and its bound arguments in order.
type sqlBuf struct {
	sb   strings.Builder
	args []any
}

func (b *sqlBuf) add(s string, args ...any) *sqlBuf {
	b.sb.WriteString(s)
	b.args = append(b.args, args...)
	return b
}

func (b *sqlBuf) String() string { return b.sb.String() }

// gen writes SQL for one source in one dialect. Only names from the known
// lists reach the SQL text; every value is a bound argument.
type gen struct {
	pg      bool
	src     source
	table   string // the rollup table, when not the plan's cube
	timeCol string
	span    span
	join    *sqlBuf // joined after the source's table (top.go: conversions per click)
}

func (g *gen) alias() string {
	switch g.src {
	case srcRaw:
		return "k"
	case srcRollup:
		return "h"
	}
	return "c"
}

// dimExpr is the SQL value of a dimension on this source.
func (g *gen) dimExpr(d *dimension) (string, []any) {
	switch {
	case d.expr != "":
		return d.expr, nil
	case d.kind == kindTime:
		return g.timeExpr(d.timeFmt)
	case d.campaignJoin:
		return "COALESCE(cg.group_id, 0)", nil
	case g.src == srcConvJoined && !d.rollup:
		if d.kind == kindBool {
			return "COALESCE(k." + d.column + ", FALSE)", nil
		}
		return "COALESCE(k." + d.column + ", '')", nil
	}
	return g.alias() + "." + d.column, nil
}

// selectExpr is what a dimension is grouped by: booleans as 0/1 so both
// dialects scan them alike.
func (g *gen) selectExpr(d *dimension) (string, []any) {
	e, args := g.dimExpr(d)
	if d.kind == kindBool {
		return "CASE WHEN " + e + " THEN 1 ELSE 0 END", args
	}
	return e, args
}

// timeExpr buckets the source's time column in the report's zone.
func (g *gen) timeExpr(bucket string) (string, []any) {
	if g.pg {
		trunc, args, format := g.pgBucket(bucket)
		if format == "" {
			return trunc, args
		}
		return "to_char(" + trunc + ", '" + format + "')", args
	}
	shift, args := g.sqliteShift()
	switch bucket {
	case "week":
		return "date(" + g.timeCol + ", " + shift + ", '-6 days', 'weekday 1')", args
	case "weekday":
		return "((CAST(strftime('%w', " + g.timeCol + ", " + shift + ") AS INTEGER) + 6) % 7 + 1)", args
	case "hour":
		return "CAST(strftime('%H', " + g.timeCol + ", " + shift + ") AS INTEGER)", args
	}
	return "strftime('" + sqliteTimeFormats[bucket] + "', " + g.timeCol + ", " + shift + ")", args
}

// pgBucket is a Postgres time bucket as a truncated local timestamp and the
// to_char format that prints it ("" when the bucket is a number already).
// Reports group by the timestamp and print it after grouping: to_char on
// every row of a 300k-row cube cost a third of the query.
func (g *gen) pgBucket(bucket string) (expr string, args []any, format string) {
	local := g.timeCol + " AT TIME ZONE ?"
	args = []any{g.span.Loc.String()}
	switch bucket {
	case "hour":
		return "CAST(date_part('hour', " + local + ") AS INTEGER)", args, ""
	case "weekday":
		return "CAST(date_part('isodow', " + local + ") AS INTEGER)", args, ""
	case "week":
		return "date_trunc('week', " + local + ")", args, "YYYY-MM-DD"
	}
	return "date_trunc('" + pgTruncUnits[bucket] + "', " + local + ")", args, pgTimeFormats[bucket]
}

// pgTruncUnits are the date_trunc units of the printed time buckets.
var pgTruncUnits = map[string]string{"year": "year", "month": "month", "day": "day", "day_hour": "hour",
	"datetime": "minute"}

// sqliteShift is a strftime modifier moving UTC to local time, switching
// offsets at the zone's transitions inside the range.
func (g *gen) sqliteShift() (string, []any) {
	segs := offsetSegments(g.span.Loc, g.span.From, g.span.To)
	mod := func(off int) string { return fmt.Sprintf("%+d seconds", off) }
	if len(segs) == 1 {
		return "?", []any{mod(segs[0].offset)}
	}
	var b sqlBuf
	b.add("CASE")
	for _, s := range segs[:len(segs)-1] {
		b.add(" WHEN "+g.timeCol+" < ? THEN ?", s.until, mod(s.offset))
	}
	b.add(" ELSE ? END", mod(segs[len(segs)-1].offset))
	return b.String(), b.args
}

// predicate writes one dimension filter.
func (g *gen) predicate(f dimFilter) (string, []any) {
	e, eargs := g.dimExpr(f.dim)
	args := func(vs ...any) []any { return append(append([]any{}, eargs...), vs...) }
	v := f.values
	switch f.op {
	case "EQUALS":
		return e + " = ?", args(v[0])
	case "NOT_EQUAL":
		return e + " <> ?", args(v[0])
	case "GREATER_THAN":
		return e + " > ?", args(v[0])
	case "LESS_THAN":
		return e + " < ?", args(v[0])
	case "EQUALS_OR_GREATER_THAN":
		return e + " >= ?", args(v[0])
	case "EQUALS_OR_LESS_THAN":
		return e + " <= ?", args(v[0])
	case "BETWEEN":
		return e + " BETWEEN ? AND ?", args(v[0], v[1])
	case "IN_LIST", "NOT_IN_LIST":
		not := ""
		if f.op == "NOT_IN_LIST" {
			not = "NOT "
		}
		return e + " " + not + "IN (?" + strings.Repeat(", ?", len(v)-1) + ")", args(v...)
	case "MATCH_REGEXP", "NOT_MATCH_REGEXP":
		re := e + " REGEXP ?"
		if g.pg {
			re = e + " ~ ?"
		}
		if f.op == "NOT_MATCH_REGEXP" {
			re = "NOT (" + re + ")"
		}
		return re, args(v[0])
	case "BEGINS_WITH":
		return "substr(" + e + ", 1, length(CAST(? AS TEXT))) = ?", args(v[0], v[0])
	case "ENDS_WITH":
		if g.pg {
			return "right(" + e + ", length(CAST(? AS TEXT))) = ?", args(v[0], v[0])
		}
		return "(length(?) = 0 OR substr(" + e + ", -length(?)) = ?)", append([]any{v[0]}, args(v[0], v[0])...)
	case "CONTAINS", "NOT_CONTAIN":
		fn := "instr"
		if g.pg {
			fn = "strpos"
		}
		cmp := " > 0"
		if f.op == "NOT_CONTAIN" {
			cmp = " = 0"
		}
		return fn + "(" + e + ", ?)" + cmp, args(v[0])
	case "IS_TRUE":
		return e + " = ?", args(true)
	case "IS_FALSE":
		return e + " = ?", args(false)
	case "IS_SET", "IS_NOT_SET":
		return g.setPredicate(f, e, eargs)
	}
	return "1 = 0", nil
}

func (g *gen) setPredicate(f dimFilter, e string, eargs []any) (string, []any) {
	set := f.op == "IS_SET"
	switch f.dim.kind {
	case kindInt, kindNumber:
		if set {
			return e + " <> 0", eargs
		}
		return e + " = 0", eargs
	case kindBool:
		return e + " = ?", append(append([]any{}, eargs...), set)
	case kindTime:
		if set {
			return "1 = 1", nil
		}
		return "1 = 0", nil
	}
	if set {
		return e + " <> ''", eargs
	}
	return e + " = ''", eargs
}

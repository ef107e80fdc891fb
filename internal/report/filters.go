package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Operators are Keitaro's filter operators.
var Operators = []string{"EQUALS", "NOT_EQUAL", "GREATER_THAN", "LESS_THAN", "EQUALS_OR_GREATER_THAN",
	"EQUALS_OR_LESS_THAN", "MATCH_REGEXP", "NOT_MATCH_REGEXP", "BEGINS_WITH", "ENDS_WITH", "CONTAINS",
	"NOT_CONTAIN", "IN_LIST", "NOT_IN_LIST", "BETWEEN", "IS_SET", "IS_NOT_SET", "IS_TRUE", "IS_FALSE"}

var knownOperators = func() map[string]bool {
	out := map[string]bool{}
	for _, o := range Operators {
		out[o] = true
	}
	return out
}()

// Limits on filter expressions.
const (
	maxRegexpLen = 256
	maxListLen   = 1000
)

// dimFilter is a WHERE condition on a dimension; values are typed and always
// bound as parameters.
type dimFilter struct {
	dim    *dimension
	op     string
	values []any
}

// metFilter is a HAVING condition on a metric, applied after merging.
type metFilter struct {
	name   string
	op     string
	values []float64
}

func (p *plan) addFilters(filters []Filter) error {
	for _, f := range filters {
		op := strings.ToUpper(strings.TrimSpace(f.Operator))
		if !knownOperators[op] {
			return badRequest("unknown operator %q", f.Operator)
		}
		if mt, ok := metrics[f.Name]; ok {
			mf, err := parseMetricFilter(f.Name, op, f.Expression)
			if err != nil {
				return err
			}
			p.metFilters = append(p.metFilters, mf)
			p.need(mt)
			continue
		}
		d, ok := lookupDim(f.Name)
		if !ok {
			return badRequest("unknown filter name %q", f.Name)
		}
		df, err := parseDimFilter(d, op, f.Expression)
		if err != nil {
			return err
		}
		p.dimFilters = append(p.dimFilters, df)
	}
	return nil
}

// expressionList flattens a filter expression into strings: a JSON list, or a
// string split on commas and new lines for list operators.
func expressionList(expr any, split bool) []string {
	switch v := expr.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, scalarString(x))
		}
		return out
	case []string:
		return v
	case string:
		if !split {
			return []string{v}
		}
		parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' })
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	return []string{scalarString(expr)}
}

func scalarString(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(x)
}

// valueCount is how many values an operator takes (-1: a list).
func valueCount(op string) int {
	switch op {
	case "IS_SET", "IS_NOT_SET", "IS_TRUE", "IS_FALSE":
		return 0
	case "BETWEEN":
		return 2
	case "IN_LIST", "NOT_IN_LIST":
		return -1
	}
	return 1
}

func operands(name, op string, expr any) ([]string, error) {
	n := valueCount(op)
	vals := expressionList(expr, n != 1)
	switch {
	case n == 0:
		return nil, nil
	case n == -1 && (len(vals) == 0 || len(vals) > maxListLen):
		return nil, badRequest("filter %s %s: want 1..%d values", name, op, maxListLen)
	case n > 0 && len(vals) != n:
		return nil, badRequest("filter %s %s: want %d value(s)", name, op, n)
	}
	return vals, nil
}

func parseDimFilter(d *dimension, op string, expr any) (dimFilter, error) {
	f := dimFilter{dim: d, op: op}
	isText := d.kind == kindText || d.kind == kindTime
	if d.kind == kindStamp {
		return f, badRequest("filter %s: filter times through range", d.name)
	}
	switch op {
	case "MATCH_REGEXP", "NOT_MATCH_REGEXP", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "NOT_CONTAIN":
		if !isText {
			return f, badRequest("filter %s: operator %s needs a text dimension", d.name, op)
		}
	case "IS_TRUE", "IS_FALSE":
		if d.kind != kindBool {
			return f, badRequest("filter %s: operator %s needs a yes/no dimension", d.name, op)
		}
	}
	vals, err := operands(d.name, op, expr)
	if err != nil {
		return f, err
	}
	if op == "MATCH_REGEXP" || op == "NOT_MATCH_REGEXP" {
		if len(vals[0]) > maxRegexpLen {
			return f, badRequest("filter %s: regular expression longer than %d characters", d.name, maxRegexpLen)
		}
		if _, err := regexp.Compile(vals[0]); err != nil {
			return f, badRequest("filter %s: invalid regular expression", d.name)
		}
	}
	for _, v := range vals {
		tv, err := typedValue(d, v)
		if err != nil {
			return f, err
		}
		f.values = append(f.values, tv)
	}
	return f, nil
}

func typedValue(d *dimension, v string) (any, error) {
	switch d.kind {
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, badRequest("filter %s: %q is not an id", d.name, v)
		}
		return n, nil
	case kindNumber:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, badRequest("filter %s: %q is not a number", d.name, v)
		}
		return x, nil
	case kindTime:
		if d.timeFmt != "hour" && d.timeFmt != "weekday" {
			return v, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, badRequest("filter %s: %q is not a number", d.name, v)
		}
		return n, nil
	case kindBool:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, badRequest("filter %s: %q is not true or false", d.name, v)
		}
		return b, nil
	}
	return v, nil
}

func parseMetricFilter(name, op string, expr any) (metFilter, error) {
	f := metFilter{name: name, op: op}
	switch op {
	case "MATCH_REGEXP", "NOT_MATCH_REGEXP", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "NOT_CONTAIN":
		return f, badRequest("filter %s: operator %s does not apply to a metric", name, op)
	}
	vals, err := operands(name, op, expr)
	if err != nil {
		return f, err
	}
	for _, v := range vals {
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return f, badRequest("filter %s: %q is not a number", name, v)
		}
		f.values = append(f.values, x)
	}
	return f, nil
}

// match applies a metric filter to a computed value.
func (f metFilter) match(v float64) bool {
	switch f.op {
	case "EQUALS":
		return v == f.values[0]
	case "NOT_EQUAL":
		return v != f.values[0]
	case "GREATER_THAN":
		return v > f.values[0]
	case "LESS_THAN":
		return v < f.values[0]
	case "EQUALS_OR_GREATER_THAN":
		return v >= f.values[0]
	case "EQUALS_OR_LESS_THAN":
		return v <= f.values[0]
	case "BETWEEN":
		return v >= f.values[0] && v <= f.values[1]
	case "IN_LIST", "NOT_IN_LIST":
		in := false
		for _, x := range f.values {
			in = in || v == x
		}
		return in == (f.op == "IN_LIST")
	case "IS_SET", "IS_TRUE":
		return v != 0
	case "IS_NOT_SET", "IS_FALSE":
		return v == 0
	}
	return false
}

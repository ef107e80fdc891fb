package report

import (
	"fmt"
	"strings"
)

// logColumn is one column of the click or conversion log.
type logColumn struct {
	dim  *dimension // name, kind and SQL (dim.expr)
	join string     // "campaign", "click" or "": the join the column needs
}

// logTable describes one log: its table, time column and columns.
type logTable struct {
	from, timeCol string
	columns       map[string]logColumn
	order         []string // default columns, in order
}

func addLogCol(t *logTable, name string, k kind, expr, join string) {
	t.columns[name] = logColumn{dim: &dimension{name: name, kind: k, expr: expr}, join: join}
	t.order = append(t.order, name)
}

// money reads NUMERIC as a float on Postgres (pgx would hand back text).
func money(pg bool, col string) string {
	if pg {
		return "CAST(" + col + " AS DOUBLE PRECISION)"
	}
	return col
}

// clickDetailColumns are the click's own columns, shared by both logs.
func clickDetailColumns(t *logTable, pg bool, join string) {
	text := []string{"external_id", "country", "region", "city", "isp", "connection_type", "device_type",
		"device_model", "os", "os_version", "browser", "browser_version", "language", "ip", "user_agent",
		"referrer", "keyword", "source", "creative_id", "ad_campaign_id", "utm_source", "utm_medium",
		"utm_campaign", "utm_term", "utm_content"}
	for i := 1; i <= 30; i++ {
		text = append(text, fmt.Sprintf("sub_id_%d", i))
	}
	for _, c := range text {
		if _, done := t.columns[c]; !done {
			addLogCol(t, c, kindText, "k."+c, join)
		}
	}
	for _, c := range []string{"is_bot", "is_unique_campaign", "is_unique_stream", "is_unique_global"} {
		if _, done := t.columns[c]; !done {
			addLogCol(t, c, kindBool, "k."+c, join)
		}
	}
	addLogCol(t, "cost", kindNumber, money(pg, "k.cost"), join)
}

func clickLogTable(pg bool) *logTable {
	t := &logTable{from: "clicks k", timeCol: "k.created_at", columns: map[string]logColumn{}}
	id := "k.id"
	if pg {
		id = "CAST(k.id AS TEXT)"
	}
	addLogCol(t, "sub_id", kindText, id, "")
	addLogCol(t, "datetime", kindStamp, "k.created_at", "")
	addEntityCols(t, "k", "")
	clickDetailColumns(t, pg, "")
	addLogCol(t, "lp_datetime", kindStamp, "k.lp_clicked_at", "")
	addLogCol(t, "destination", kindText, "k.destination", "")
	return t
}

func conversionLogTable(pg bool) *logTable {
	t := &logTable{from: "conversions c", timeCol: "c.created_at", columns: map[string]logColumn{}}
	addLogCol(t, "conversion_id", kindInt, "c.id", "")
	addLogCol(t, "sub_id", kindText, "c.click_id", "")
	addLogCol(t, "datetime", kindStamp, "c.created_at", "")
	addLogCol(t, "postback_datetime", kindStamp, "c.updated_at", "")
	addLogCol(t, "click_datetime", kindStamp, "c.click_created_at", "")
	for _, c := range []string{"status", "previous_status", "original_status", "tid", "currency"} {
		addLogCol(t, c, kindText, "c."+c, "")
	}
	addLogCol(t, "payout", kindNumber, money(pg, "c.payout"), "")
	addLogCol(t, "revenue", kindNumber, money(pg, "c.revenue"), "")
	addEntityCols(t, "c", "")
	for _, c := range []string{"country", "device_type", "os", "browser", "language", "connection_type", "external_id"} {
		addLogCol(t, c, kindText, "c."+c, "")
	}
	addLogCol(t, "is_bot", kindBool, "c.is_bot", "")
	addLogCol(t, "attributed", kindBool, "c.attributed", "")
	clickDetailColumns(t, pg, "click")
	return t
}

func addEntityCols(t *logTable, alias, join string) {
	for _, c := range []string{"campaign_id", "stream_id", "offer_id", "landing_id", "ts_id", "affiliate_network_id"} {
		addLogCol(t, c, kindInt, alias+"."+c, join)
	}
	addLogCol(t, "campaign", kindText, "COALESCE(cp.name, '')", "campaign")
}

// needs tells whether any of the named columns needs the join.
func (t *logTable) needs(join string, names []string) bool {
	for _, n := range names {
		if t.columns[n].join == join {
			return true
		}
	}
	return false
}

// joins returns the JOIN clauses the named columns need; window, when set,
// bounds the joined clicks' times so Postgres prunes partitions.
func (t *logTable) joins(pg bool, names []string, window *span) (string, []any) {
	var b strings.Builder
	var args []any
	if t.needs("click", names) {
		b.WriteString(clickJoin(pg))
		if window != nil {
			b.WriteString(" AND k.created_at >= ? AND k.created_at < ?")
			args = append(args, window.From, window.To)
		}
	}
	if t.needs("campaign", names) {
		alias := strings.Fields(t.from)[1]
		b.WriteString(" LEFT JOIN campaigns cp ON cp.id = " + alias + ".campaign_id")
	}
	return b.String(), args
}

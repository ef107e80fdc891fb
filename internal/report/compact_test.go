package report

import (
	"context"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/testenv"
)

// TestCompactionFoldsRepeatedKeys: compaction leaves one row per key and
// the same sums in every cube; on Postgres it rewrites only keys that had
// several rows (the others keep their row version, so a minute's pass over
// 48 hours makes no dead rows for them).
func TestCompactionFoldsRepeatedKeys(t *testing.T) {
	f := newFixture(t, 1200, 31)
	ctx := context.Background()
	all := append(append([]cube{}, cubes[:2]...), dailyCubes...)
	if testenv.Postgres() {
		all = append(all, convDailyCubes()...)
	}
	type state struct {
		sum        float64
		rows, keys int64
		singles    string // row versions of the keys with one row (Postgres)
	}
	read := func(c cube) state {
		key := c.timeCol + ", " + strings.Join(c.keys, ", ")
		first := strings.Split(c.counterColumns(), ", ")[0]
		var s state
		mustDo(t, f.st.DB.Raw("SELECT COALESCE(SUM("+first+"), 0), COUNT(*) FROM "+c.table).Row().Scan(&s.sum, &s.rows))
		mustDo(t, f.st.DB.Raw("SELECT COUNT(*) FROM (SELECT 1 FROM "+c.table+" GROUP BY "+key+") k").Row().Scan(&s.keys))
		if testenv.Postgres() {
			mustDo(t, f.st.DB.Raw("SELECT COALESCE(string_agg(v, ',' ORDER BY v), '') FROM (SELECT MIN(xmin::text) AS v FROM "+
				c.table+" GROUP BY "+key+" HAVING COUNT(*) = 1) s").Row().Scan(&s.singles))
		}
		return s
	}
	before := map[string]state{}
	repeated := false
	for _, c := range all {
		before[c.table] = read(c)
		repeated = repeated || before[c.table].rows > before[c.table].keys
	}
	if !repeated {
		t.Fatal("no cube holds repeated keys before compaction: the test proves nothing")
	}
	mustDo(t, NewMaintainer(f.st, 0, nil).CompactCubes(ctx, f.now.AddDate(0, 0, -30)))
	for _, c := range all {
		b, a := before[c.table], read(c)
		if a.rows != a.keys || a.keys != b.keys {
			t.Errorf("%s: %d rows for %d keys after compaction (%d keys before), want one row per key", c.table, a.rows, a.keys, b.keys)
		}
		if d := a.sum - b.sum; d > 1e-6 || d < -1e-6 {
			t.Errorf("%s: sum %v after compaction, %v before", c.table, a.sum, b.sum)
		}
		if testenv.Postgres() && b.singles != "" && !strings.Contains(","+a.singles+",", ","+strings.SplitN(b.singles, ",", 2)[0]+",") {
			t.Errorf("%s: a key with one row was rewritten", c.table)
		}
	}
}

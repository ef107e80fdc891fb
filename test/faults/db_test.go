//go:build faults

package faults

import (
	"context"
	"log/slog"
	"time"

	"github.com/kite-tracker/kite/internal/store"
)

// sqlDB is the test's own view of Kite's database: it checks what landed.
type sqlDB struct{ st *store.Store }

func openSQL(ctx context.Context, url string) (*sqlDB, error) {
	st, err := store.Open(ctx, url, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	return &sqlDB{st: st}, nil
}

func (d *sqlDB) Close() { _ = d.st.Close() }

// Exec runs one statement.
func (d *sqlDB) Exec(stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return d.st.DB.WithContext(ctx).Exec(stmt).Error
}

// countBy counts rows of table per value of column among values: a value
// missing from the answer was not stored, a count above 1 is a duplicate.
func (d *sqlDB) countBy(table, column string, values []string) (map[string]int, error) {
	out := make(map[string]int, len(values))
	for start := 0; start < len(values); start += 1000 {
		chunk := values[start:min(start+1000, len(values))]
		var rows []struct {
			V string
			N int
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := d.st.DB.WithContext(ctx).Raw("/* faults.countBy */ SELECT "+column+" AS v, COUNT(*) AS n FROM "+table+
			" WHERE "+column+" IN ? GROUP BY "+column, chunk).Scan(&rows).Error
		cancel()
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.V] = r.N
		}
	}
	return out, nil
}

// scalar runs a query that answers one number.
func (d *sqlDB) scalar(q string, args ...any) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int64
	err := d.st.DB.WithContext(ctx).Raw(q, args...).Scan(&n).Error
	return n, err
}

// tally is how many of a set of acknowledged things were found once, not at
// all, or more than once.
type tally struct{ acked, stored, lost, duplicated int }

func tallyOf(ids []string, counts map[string]int) tally {
	tl := tally{acked: len(ids)}
	for _, id := range ids {
		switch n := counts[id]; {
		case n == 0:
			tl.lost++
		case n == 1:
			tl.stored++
		default:
			tl.stored++
			tl.duplicated += n - 1
		}
	}
	return tl
}

// waitStored polls until every id is in table.column (or within passes),
// and returns the final tally. The writer lags the redirects by design.
func (d *sqlDB) waitStored(table, column string, ids []string, within time.Duration) (tally, error) {
	deadline := time.Now().Add(within)
	for {
		counts, err := d.countBy(table, column, ids)
		if err == nil {
			tl := tallyOf(ids, counts)
			if tl.lost == 0 || time.Now().After(deadline) {
				return tl, nil
			}
		} else if time.Now().After(deadline) {
			return tally{}, err
		}
		time.Sleep(time.Second)
	}
}

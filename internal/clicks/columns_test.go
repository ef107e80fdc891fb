package clicks

import (
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/redis/go-redis/v9"
)

// everyField is a click with every field set to a value of its own, so a
// column fed from the wrong field shows.
func everyField(t *testing.T) *model.Click {
	c := newClick(t, 1)
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			if name != "ID" && name != "ExtraParams" {
				f.SetString(name + "\x00\xff") // and needing clean()
			}
		case reflect.Int64:
			f.SetInt(int64(1000 + i))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Float64:
			f.SetFloat(float64(i) + 0.5)
		}
	}
	c.ExtraParams = `{"gclid":"x"}`
	lp := time.Date(2026, 11, 29, 10, 0, 0, 123456000, time.FixedZone("X", 3600))
	c.LPClickedAt = &lp
	normalizeCreatedAt(c)
	return c
}

// TestClickArraysMatchBindArgs: the Postgres path's typed column arrays
// hold, cell by cell, the values the portable path binds.
func TestClickArraysMatchBindArgs(t *testing.T) {
	full := everyField(t)
	bare := &model.Click{ID: full.ID, CreatedAt: full.CreatedAt}
	for _, c := range []*model.Click{full, bare} {
		want := clickValues(nil, c)
		cols, err := clickArrays([]*model.Click{bare, c})
		if err != nil {
			t.Fatal(err)
		}
		if len(cols) != len(clickColumns) || len(want) != len(clickColumns) {
			t.Fatalf("%d arrays, %d bind args, %d columns", len(cols), len(want), len(clickColumns))
		}
		for j, col := range cols {
			got := reflect.ValueOf(col).Index(1).Interface()
			if ts, ok := got.(pgtype.Timestamptz); ok {
				got = nil
				if ts.Valid {
					got = ts.Time
				}
			}
			if !reflect.DeepEqual(got, want[j]) {
				t.Errorf("column %s: array has %#v, bind args %#v", clickColumns[j], got, want[j])
			}
		}
	}
}

// TestDedupe: repeated and empty ids go, the rest is sorted by id with
// normalised creation times, and the caller's batch is left as it was
// (InsertBatch's callers may share a batch between goroutines).
func TestDedupe(t *testing.T) {
	a, b := newClick(t, 1), newClick(t, 2)
	a.ID, b.ID = "0190a000-0000-7000-8000-00000000000b", "0190a000-0000-7000-8000-00000000000a"
	local := time.Date(2026, 11, 29, 12, 0, 0, 123456789, time.FixedZone("X", 7200))
	a.CreatedAt = local
	normalizeCreatedAt(b)
	dup := *b
	dup.Country = "XX"
	batch := []model.Click{*a, *b, dup, {}}
	before := append([]model.Click(nil), batch...)

	got := dedupe(batch)

	if !reflect.DeepEqual(batch, before) {
		t.Fatal("dedupe changed the caller's batch")
	}
	if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
		t.Fatalf("got %d clicks, want b then a", len(got))
	}
	if got[0] != &batch[1] {
		t.Error("a normalised click was copied; it should be used in place")
	}
	if got[0].Country == "XX" {
		t.Error("the repeated id won over the first one")
	}
	want := local.UTC().Truncate(time.Microsecond)
	if got[1].CreatedAt != want {
		t.Errorf("created_at %v, want %v", got[1].CreatedAt, want)
	}
}

// TestDecodeEntriesSkipsBadOnes: undecodable entries are reported and
// leave nothing behind in the click decoded after them.
func TestDecodeEntriesSkipsBadOnes(t *testing.T) {
	good := func(id string, cc string) redis.XMessage {
		c := &model.Click{ID: id, CreatedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), Country: cc}
		e, err := clickEvent(c)
		if err != nil {
			t.Fatal(err)
		}
		return redis.XMessage{ID: id, Values: map[string]any{"k": e.Kind, "id": e.ID, "c": string(e.Click)}}
	}
	badTime := good("lp-bad-time", "DE")
	badTime.Values["k"], badTime.Values["at"] = kindLP, "not a time"
	msgs := []redis.XMessage{
		good("a", "US"),
		{ID: "bad-json", Values: map[string]any{"k": kindClick, "id": "x", "c": `{"id":"x","cc":"FR","t":12}`}},
		good("b", ""),
		badTime,
		good("c", ""),
		{ID: "no-kind", Values: map[string]any{"id": "y", "c": "{}"}},
	}
	clicks, lps, bad := decodeEntries(msgs)
	if len(clicks) != 3 || len(lps) != 0 {
		t.Fatalf("got %d clicks and %d LP events, want 3 and 0", len(clicks), len(lps))
	}
	for i, want := range []struct{ id, cc string }{{"a", "US"}, {"b", ""}, {"c", ""}} {
		if clicks[i].ID != want.id || clicks[i].Country != want.cc {
			t.Errorf("click %d: id %q country %q, want %q %q", i, clicks[i].ID, clicks[i].Country, want.id, want.cc)
		}
	}
	if want := []string{"bad-json", "lp-bad-time", "no-kind"}; !reflect.DeepEqual(bad, want) {
		t.Errorf("bad = %v, want %v", bad, want)
	}
}

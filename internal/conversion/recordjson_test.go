package conversion

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// TestRecordsJSON: the hand-written documents are valid JSON holding each
// column's value, whatever the text holds.
func TestRecordsJSON(t *testing.T) {
	at := time.Date(2026, 11, 29, 16, 0, 0, 123456789, time.FixedZone("x", 3600))
	convID := int64(77)
	conv := &model.Conversion{ID: 5, ClickID: "c\"1\\", TID: "t\x01\n\u2028é", Payout: 10.5, Revenue: 1e-7,
		Status: "sale", Params: `{"a":"b"}`, CreatedAt: at, Attributed: true}
	rows := []model.S2SOutbox{{URL: "http://x.example/?a=<b>&c", Body: "bad \xff utf8"}, {URL: "u2", DeliveredAt: &at}}
	rp := &model.ReceivedPostback{ClickID: "c", ConversionID: &convID, ReceivedAt: at}
	c, o, r, err := recordsJSON(conv, rows, rp)
	if err != nil {
		t.Fatal(err)
	}
	var gc, gr map[string]any
	var gos []map[string]any
	for _, d := range []struct {
		doc string
		to  any
	}{{c, &gc}, {o, &gos}, {r, &gr}} {
		if err := json.Unmarshal([]byte(d.doc), d.to); err != nil {
			t.Fatalf("%s: %v", d.doc, err)
		}
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", gc["id"], 5.0},
		{"click_id", gc["click_id"], "c\"1\\"},
		{"tid", gc["tid"], "t\x01\n\u2028é"},
		{"payout", gc["payout"], 10.5},
		{"revenue", gc["revenue"], 1e-7},
		{"attributed", gc["attributed"], true},
		{"params", gc["params"], `{"a":"b"}`},
		{"created_at", gc["created_at"], "2026-11-29T15:00:00.123456Z"},
		{"click_created_at", gc["click_created_at"], nil},
		{"rows", len(gos), 2},
		{"url", gos[0]["url"], "http://x.example/?a=<b>&c"},
		{"invalid utf8", gos[0]["body"], "bad \ufffd utf8"},
		{"time pointer", gos[1]["delivered_at"], "2026-11-29T15:00:00.123456Z"},
		{"nil time pointer", gos[0]["delivered_at"], nil},
		{"conversion_id", gr["conversion_id"], 77.0},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s: %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
	if _, _, r, _ := recordsJSON(nil, nil, &model.ReceivedPostback{}); r == "" {
		t.Error("empty log row")
	}
	if _, o, _, _ := recordsJSON(nil, nil, rp); o != "[]" {
		t.Errorf("no rows: %s", o)
	}
}

// TestRecordsJSONAllocations: a conversion's document is written from its
// fields in place; boxing each value cost ~30 allocations a row.
func TestRecordsJSONAllocations(t *testing.T) {
	conv := &model.Conversion{ID: 5, ClickID: "c1", TID: "t", Payout: 10.5, Status: "sale", CreatedAt: time.Now()}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if buf, err = appendRecord(buf[:0], conv); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("%.0f allocations to write a conversion, want at most 1", allocs)
	}
}

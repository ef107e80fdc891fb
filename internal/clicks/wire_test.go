package clicks

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// TestWireClickRoundTrip: the compact Redis/spool form keeps every field and
// is much smaller than the API form.
func TestWireClickRoundTrip(t *testing.T) {
	full := *newClick(t, 3)
	normalizeCreatedAt(&full)
	lp := full.CreatedAt.Add(time.Minute)
	full.LPClickedAt = &lp
	full.Region, full.City, full.Destination, full.UTMTerm = "Bavaria", "München", "https://offer.example/?a=1", "kw"
	for i, s := range full.SubIDs() {
		*s = string(rune('a' + i))
	}
	cases := []struct {
		name string
		c    model.Click
	}{
		{"every field", full},
		{"typical", *newClick(t, 8)},
		{"nearly empty", model.Click{ID: full.ID, CreatedAt: full.CreatedAt}},
	}
	for _, tc := range cases {
		b, err := marshalClick(&tc.c)
		if err != nil {
			t.Fatal(err)
		}
		var got model.Click
		if err := unmarshalClick(b, &got); err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(tc.c.CreatedAt) {
			t.Fatalf("%s: created_at %v, want %v", tc.name, got.CreatedAt, tc.c.CreatedAt)
		}
		got.CreatedAt = tc.c.CreatedAt
		if got.LPClickedAt != nil {
			lp := got.LPClickedAt.UTC()
			got.LPClickedAt = &lp
		}
		if !reflect.DeepEqual(got, tc.c) {
			t.Fatalf("%s: round trip\n got %+v\nwant %+v", tc.name, got, tc.c)
		}
		api, _ := json.Marshal(tc.c)
		if tc.name == "typical" && len(b)*2 > len(api) {
			t.Fatalf("wire form %d bytes, API form %d: not compact", len(b), len(api))
		}
		t.Logf("%s: wire %d bytes, API JSON %d bytes", tc.name, len(b), len(api))
	}
}

// TestWireMatchesEncodingJSON: the wire codec (goccy/go-json, for speed)
// writes byte for byte what encoding/json writes, also for hostile text, so
// stream entries and spool lines of either are read by both.
func TestWireMatchesEncodingJSON(t *testing.T) {
	tests := []struct{ name, s string }{
		{"invalid UTF-8", "a\xffb\xc3"},
		{"NUL and controls", "a\x00b\x01\r\n\t"},
		{"line separators", "x\u2028y\u2029"},
		{"HTML", `<script>alert("x")</script>&`},
		{"non-ASCII", "München 東京"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := model.Click{ID: "0192b6c1-0000-7000-8000-000000000001", UserAgent: tt.s, SubID1: tt.s,
				ExtraParams: model.JSONText(`{"k":"v"}`)}
			got, err := marshalClick(&c)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal((*wireClick)(&c))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("wire %s\nencoding/json %s", got, want)
			}
			var back model.Click
			if err := unmarshalClick(want, &back); err != nil || back.UserAgent != back.SubID1 {
				t.Fatalf("decode: %v, %q vs %q", err, back.UserAgent, back.SubID1)
			}
		})
	}
}

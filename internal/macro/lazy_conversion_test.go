package macro

import (
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func TestConversionMatchesMap(t *testing.T) {
	cases := []struct {
		name  string
		click *model.Click
		conv  *model.Conversion
	}{
		{"sale", testClick(), &model.Conversion{ID: 42, Payout: 10.5, Status: "sale", PreviousStatus: "lead",
			OriginalStatus: "approved", TID: "t-1", Currency: "EUR"}},
		{"empty conversion", testClick(), &model.Conversion{}},
		{"extra currency loses to the conversion's", &model.Click{ID: "x", ExtraParams: `{"currency":"EUR","status":"x","gclid":"G"}`},
			&model.Conversion{ID: 1, Status: "lead", Currency: "USD", Payout: 0.1}},
		{"broken extras", &model.Click{ID: "x", ExtraParams: `not json`}, &model.Conversion{Status: "rejected"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ForClick(tc.click, "Summer", "Propeller")
			AddConversion(m, tc.conv)
			v := &Conversion{Click: Click{C: tc.click, CampaignName: "Summer", TrafficSourceName: "Propeller"}, Conv: tc.conv}
			for k, want := range m {
				if got, ok := v.Lookup(k); !ok || got != want {
					t.Errorf("%s: lazy %q (known %v), map %q", k, got, ok, want)
				}
			}
			for _, k := range []string{"nope", "offer", "SUBID"} {
				if got, ok := v.Lookup(k); ok {
					t.Errorf("%s: lazy knows %q, map does not", k, got)
				}
			}
			tmpl := "https://x.example/pb?cid={subid}&s={status}&p={payout}&r={revenue}&c={currency}&t={tid}&id={conversion_id}&g={gclid}&Ps={Previous_Status}&n={nope}"
			if got, want := Expand(tmpl, v), Expand(tmpl, m); got != want {
				t.Errorf("Expand: lazy %q, map %q", got, want)
			}
		})
	}
}

const s2sTemplate = "https://ts.example/pb?cid={subid}&s={status}&p={payout}&tid={tid}"

func BenchmarkConversionMapExpand(b *testing.B) {
	c, conv := testClick(), &model.Conversion{ID: 42, Payout: 10.5, Status: "sale", TID: "t-1", Currency: "USD"}
	b.ReportAllocs()
	for range b.N {
		m := ForClick(c, "c", "ts")
		AddConversion(m, conv)
		_ = Expand(s2sTemplate, m)
	}
}

func BenchmarkConversionLazyExpand(b *testing.B) {
	c, conv := testClick(), &model.Conversion{ID: 42, Payout: 10.5, Status: "sale", TID: "t-1", Currency: "USD"}
	b.ReportAllocs()
	for range b.N {
		_ = Expand(s2sTemplate, &Conversion{Click: Click{C: c, CampaignName: "c", TrafficSourceName: "ts"}, Conv: conv})
	}
}

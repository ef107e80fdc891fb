package conversion

import (
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func TestPriceAndRevenue(t *testing.T) {
	p := func(f float64) *float64 { return &f }
	auto := &model.Offer{PayoutValue: 5, PayoutCurrency: "EUR", PayoutAuto: true}
	fixed := &model.Offer{PayoutValue: 7, PayoutCurrency: "", PayoutAuto: false}
	open := &model.Offer{PayoutValue: 0, PayoutAuto: false}
	prev := &model.Conversion{Payout: 3, Currency: "GBP"}
	snap := &snapshot{currency: "USD", rates: map[string]float64{"EUR": 1.1, "GBP": 1.25}}
	cases := []struct {
		name     string
		in       incoming
		offer    *model.Offer
		existing *model.Conversion
		payout   float64
		cur      string
		revenue  float64
		rateOK   bool
	}{
		{"postback payout in offer currency", incoming{payout: p(10)}, auto, nil, 10, "EUR", 11, true},
		{"postback payout and currency", incoming{payout: p(10), currency: "GBP"}, auto, nil, 10, "GBP", 12.5, true},
		{"no payout: the offer's", incoming{}, auto, nil, 5, "EUR", 5.5, true},
		{"no payout on update keeps it", incoming{}, auto, prev, 3, "GBP", 3.75, true},
		{"fixed payout wins", incoming{payout: p(99)}, fixed, nil, 7, "USD", 7, true},
		{"no fixed value: the postback's", incoming{payout: p(4)}, open, nil, 4, "USD", 4, true},
		{"unknown offer, no payout", incoming{}, nil, nil, 0, "", 0, true},
		{"unknown offer, payout", incoming{payout: p(2)}, nil, nil, 2, "USD", 2, true},
		{"no rate counts 1:1", incoming{payout: p(100), currency: "JPY"}, nil, nil, 100, "JPY", 100, false},
	}
	for _, c := range cases {
		payout, cur := price(&c.in, c.offer, c.existing, "USD")
		rev, ok := snap.revenue(payout, cur)
		if payout != c.payout || cur != c.cur || rev != c.revenue || ok != c.rateOK {
			t.Errorf("%s: %v %s -> %v (rate ok %v), want %v %s -> %v (%v)", c.name, payout, cur, rev, ok,
				c.payout, c.cur, c.revenue, c.rateOK)
		}
	}
}

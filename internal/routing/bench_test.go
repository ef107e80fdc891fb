package routing

import (
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// benchCampaign is the benchmark campaign: 5 streams of 4 filters
// each (country, device type, bot, uniqueness) with weighted offers. The
// visitor (US, mobile) passes only the fourth regular stream, so every
// filter before it is evaluated.
func benchCampaign(b *testing.B) *Campaign {
	cat := catalog(offer(1, "https://offer.example/1"), offer(2, "https://offer.example/2"))
	countries := []string{`["DE","AT"]`, `["FR"]`, `["GB","IE"]`, `["US","CA"]`, `["US","MX","BR"]`}
	var streams []model.Stream
	for i := range 5 {
		typ := StreamRegular
		if i == 4 {
			typ = StreamDefault
		}
		s := stream(int64(20+i), typ, i,
			country("accept", countries[i]),
			model.StreamFilter{Name: "device_type", Mode: "accept", Payload: `["mobile","tablet"]`},
			model.StreamFilter{Name: "bot", Mode: "reject"},
			model.StreamFilter{Name: "uniqueness", Mode: "accept", Payload: `{"scope":"stream","method":"ip_ua"}`})
		s.Offers = []model.StreamOffer{{OfferID: 1, Share: 70, State: model.StateActive}, {OfferID: 2, Share: 30, State: model.StateActive}}
		streams = append(streams, s)
	}
	c, errs := Compile(&model.Campaign{ID: 1, Alias: "bench", Type: RotateWeight, State: model.StateActive}, streams, cat)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	return c
}

// BenchmarkRoute is one routing decision: the pure part of a click.
func BenchmarkRoute(b *testing.B) {
	c := benchCampaign(b)
	in := input(1)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d := Route(c, in)
		if d.Offer == nil || d.Stream.Model.ID != 23 {
			b.Fatalf("routed to %+v", d.Reasons)
		}
	}
}

// BenchmarkRouteQuiet is the click path's decision: no reasons built.
func BenchmarkRouteQuiet(b *testing.B) {
	c := benchCampaign(b)
	in := input(1)
	in.Quiet = true
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d := Route(c, in)
		if d.Offer == nil || d.Stream.Model.ID != 23 || d.Reasons != nil {
			b.Fatalf("routed to %+v", d)
		}
	}
}

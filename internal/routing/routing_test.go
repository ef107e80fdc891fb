package routing

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

func offer(id int64, url string) *model.Offer {
	return &model.Offer{ID: id, Name: "offer", ActionType: "http", ActionPayload: url, State: model.StateActive}
}

func catalog(offers ...*model.Offer) *Catalog {
	cat := &Catalog{Offers: map[int64]*model.Offer{}, Landings: map[int64]*model.Landing{}}
	for _, o := range offers {
		cat.Offers[o.ID] = o
	}
	return cat
}

// stream builds a redirect stream to offer 1 with the given filters.
func stream(id int64, typ string, pos int, filters ...model.StreamFilter) model.Stream {
	return model.Stream{ID: id, Name: "s", Type: typ, Position: pos, Weight: 100, Schema: SchemaRedirect,
		ActionType: ActionHTTP, State: model.StateActive, Filters: filters,
		Offers: []model.StreamOffer{{OfferID: 1, Share: 100, State: model.StateActive}}}
}

func country(mode string, codes string) model.StreamFilter {
	return model.StreamFilter{Name: "country", Mode: mode, Payload: model.JSONText(codes)}
}

func input(seed uint64) *Input {
	r := rand.New(rand.NewPCG(seed, 1))
	return &Input{Visitor: baseVisitor(), Now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), Rand: r.Float64}
}

func TestRouteOrder(t *testing.T) {
	cat := catalog(offer(1, "https://offer.example/1"))
	tests := []struct {
		name    string
		ctype   string
		streams []model.Stream
		want    int64 // chosen stream id, 0 = do_nothing
	}{
		{"forced first", RotatePosition, []model.Stream{
			stream(1, StreamRegular, 1), stream(2, StreamForced, 9), stream(3, StreamDefault, 0)}, 2},
		{"forced rejected falls to regular", RotatePosition, []model.Stream{
			stream(1, StreamRegular, 1), stream(2, StreamForced, 0, country("accept", `["DE"]`)), stream(3, StreamDefault, 0)}, 1},
		{"forced in order", RotatePosition, []model.Stream{
			stream(5, StreamForced, 2), stream(4, StreamForced, 1)}, 4},
		{"position: first passing", RotatePosition, []model.Stream{
			stream(1, StreamRegular, 1, country("reject", `["US"]`)), stream(2, StreamRegular, 2), stream(3, StreamRegular, 3)}, 2},
		{"default when none pass", RotatePosition, []model.Stream{
			stream(1, StreamRegular, 1, country("accept", `["DE"]`)), stream(3, StreamDefault, 5)}, 3},
		{"default has filters too", RotatePosition, []model.Stream{
			stream(3, StreamDefault, 5, country("accept", `["DE"]`))}, 0},
		{"nothing at all", RotatePosition, nil, 0},
		{"weight: only passing drawn", RotateWeight, []model.Stream{
			stream(1, StreamRegular, 1, country("accept", `["DE"]`)), stream(2, StreamRegular, 2)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, errs := Compile(&model.Campaign{ID: 1, Type: tt.ctype}, tt.streams, cat)
			if len(errs) > 0 {
				t.Fatalf("compile: %v", errs)
			}
			d := Route(c, input(1))
			var got int64
			if d.Stream != nil {
				got = d.Stream.Model.ID
			}
			if got != tt.want {
				t.Fatalf("chosen stream %d, want %d (reasons %+v)", got, tt.want, d.Reasons)
			}
			if got == 0 && d.Action != ActionDoNothing {
				t.Fatalf("no stream must mean do_nothing, got %q", d.Action)
			}
			if got != 0 && d.Offer == nil {
				t.Fatalf("redirect stream without an offer")
			}
		})
	}
}

func TestFilterOr(t *testing.T) {
	cat := catalog(offer(1, "https://o/1"))
	s := stream(1, StreamRegular, 1, country("accept", `["DE"]`), model.StreamFilter{Name: "device_type", Mode: "accept", Payload: `["mobile"]`})
	for _, or := range []bool{false, true} {
		s.FilterOr = or
		c, _ := Compile(&model.Campaign{ID: 1}, []model.Stream{s}, cat)
		d := Route(c, input(1))
		if (d.Stream != nil) != or {
			t.Fatalf("filter_or=%v: chosen=%v, reasons %+v", or, d.Stream != nil, d.Reasons)
		}
	}
}

func TestDeletedOffersSkipStream(t *testing.T) {
	cat := catalog(offer(1, "https://o/1")) // offer 2 is deleted: not in the catalog
	gone := stream(1, StreamRegular, 1)
	gone.Offers = []model.StreamOffer{{OfferID: 2, Share: 100}}
	c, errs := Compile(&model.Campaign{ID: 1}, []model.Stream{gone, stream(2, StreamRegular, 2)}, cat)
	if len(errs) != 1 {
		t.Fatalf("want one warning for the dead stream, got %v", errs)
	}
	d := Route(c, input(1))
	if d.Stream == nil || d.Stream.Model.ID != 2 {
		t.Fatalf("want stream 2, got %+v", d.Reasons)
	}
	if d.Reasons[0].Outcome != OutcomeSkipped || d.Reasons[0].StreamID != 1 {
		t.Fatalf("want stream 1 skipped first, got %+v", d.Reasons)
	}
}

func TestConversionCapUsesAlternative(t *testing.T) {
	alt := int64(2)
	o1 := offer(1, "https://o/1")
	o1.ConversionCapEnabled, o1.DailyCap, o1.AlternativeOfferID = true, 10, &alt
	c, _ := Compile(&model.Campaign{ID: 1}, []model.Stream{stream(1, StreamRegular, 1)}, catalog(o1, offer(2, "https://o/2")))
	if len(c.Needs.Caps) != 1 || c.Needs.Caps[0].OfferID != 1 {
		t.Fatalf("needs: %+v", c.Needs)
	}
	for _, tc := range []struct {
		count int64
		want  int64
	}{{9, 1}, {10, 2}, {11, 2}} {
		in := input(1)
		in.Counters.Caps = map[int64]int64{1: tc.count}
		if d := Route(c, in); d.Offer.ID != tc.want {
			t.Errorf("count %d: offer %d, want %d", tc.count, d.Offer.ID, tc.want)
		}
	}
}

func TestBindingReturnsVisitorToStream(t *testing.T) {
	cat := catalog(offer(1, "https://o/1"), offer(2, "https://o/2"))
	s1, s2 := stream(1, StreamRegular, 1), stream(2, StreamRegular, 2)
	s2.Offers = []model.StreamOffer{{OfferID: 1, Share: 50}, {OfferID: 2, Share: 50}}
	bot := stream(9, StreamForced, 0, model.StreamFilter{Name: "bot", Mode: "accept"})
	c, _ := Compile(&model.Campaign{ID: 1, BindVisitors: "slo"}, []model.Stream{s1, s2, bot}, cat)
	for seed := uint64(0); seed < 20; seed++ {
		in := input(seed)
		in.Counters.Bound = Binding{StreamID: 2, OfferID: 2}
		if d := Route(c, in); d.Stream.Model.ID != 2 || d.Offer.ID != 2 {
			t.Fatalf("bound visitor went to stream %d offer %d", d.Stream.Model.ID, d.Offer.ID)
		}
	}
	in := input(1)
	in.Visitor.IsBot = true
	in.Counters.Bound = Binding{StreamID: 2}
	if d := Route(c, in); d.Stream.Model.ID != 9 {
		t.Fatalf("a forced stream must win over binding, got %d", d.Stream.Model.ID)
	}
}

// TestWeightedDistribution draws 10,000 times and checks every share lands
// within 4.5 standard deviations of its expectation (a false alarm about once
// in 150,000 runs).
func TestWeightedDistribution(t *testing.T) {
	shares := []int{10, 30, 60, 0, 100}
	items := make([]Weighted[int], len(shares))
	total := 0
	for i, s := range shares {
		items[i] = Weighted[int]{Item: i, Share: s}
		total += s
	}
	const n = 10000
	counts := make([]int, len(shares))
	r := rand.New(rand.NewPCG(42, 7))
	for range n {
		i, _ := Pick(items, r.Float64())
		counts[i]++
	}
	for i, s := range shares {
		p := float64(s) / float64(total)
		mean, sd := n*p, math.Sqrt(n*p*(1-p))
		if math.Abs(float64(counts[i])-mean) > 4.5*sd+0.5 {
			t.Errorf("share %d: %d picks, expected %.0f +- %.0f", s, counts[i], mean, 4.5*sd)
		}
	}
}

func TestWeightedStreamRotation(t *testing.T) {
	cat := catalog(offer(1, "https://o/1"))
	a, b := stream(1, StreamRegular, 1), stream(2, StreamRegular, 2)
	a.Weight, b.Weight = 25, 75
	c, _ := Compile(&model.Campaign{ID: 1, Type: RotateWeight}, []model.Stream{a, b}, cat)
	counts := map[int64]int{}
	in := input(3)
	for range 10000 {
		counts[Route(c, in).Stream.Model.ID]++
	}
	if counts[1] < 2300 || counts[1] > 2700 {
		t.Fatalf("stream weighted 25%% got %d of 10000", counts[1])
	}
}

func TestActionSchemaAndLandings(t *testing.T) {
	cat := catalog(offer(1, "https://o/1"))
	cat.Landings[7] = &model.Landing{ID: 7, ActionPayload: "https://lp.example/7", State: model.StateActive}
	act := model.Stream{ID: 1, Type: StreamForced, Schema: SchemaAction, ActionType: ActionShowText, ActionPayload: "hello",
		Filters: []model.StreamFilter{{Name: "bot", Mode: "accept"}}}
	lp := model.Stream{ID: 2, Type: StreamRegular, Schema: SchemaLandings, ActionType: ActionMeta,
		Landings: []model.StreamLanding{{LandingID: 7, Share: 1}}, Offers: []model.StreamOffer{{OfferID: 1, Share: 1}}}
	c, _ := Compile(&model.Campaign{ID: 1}, []model.Stream{act, lp}, cat)
	in := input(1)
	in.Visitor.IsBot = true
	if d := Route(c, in); d.Action != ActionShowText || d.Payload != "hello" {
		t.Fatalf("action stream: %+v", d)
	}
	d := Route(c, input(1))
	if d.Action != ActionMeta || d.Landing == nil || d.Payload != "https://lp.example/7" || d.Offer != nil {
		t.Fatalf("landing stream: %+v", d)
	}
	if o := PickOffer(d.Stream, 0, nil, 0.5); o == nil || o.ID != 1 {
		t.Fatalf("PickOffer on the landing's stream: %+v", o)
	}
}

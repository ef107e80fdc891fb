package routing

import (
	"reflect"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// reasonCases are campaigns whose reasons the simulator shows; the texts are
// pinned because admins and their scripts read them.
func reasonCases() []struct {
	name    string
	camp    *model.Campaign
	streams []model.Stream
	bound   Binding
	want    []Reason
} {
	device := model.StreamFilter{Name: "device_type", Mode: "accept", Payload: `["desktop"]`}
	badRegex := model.StreamFilter{Name: "user_agent", Mode: "reject", Payload: `["/(/"]`}
	orStream := stream(4, StreamRegular, 4, country("accept", `["DE"]`), device)
	orStream.FilterOr = true
	deleted := stream(5, StreamRegular, 0)
	deleted.Offers = []model.StreamOffer{{OfferID: 99, Share: 100, State: model.StateActive}}
	weighted := stream(7, StreamRegular, 2)
	weighted.Weight = 0.001 // loses the draw for any seed we use
	return []struct {
		name    string
		camp    *model.Campaign
		streams []model.Stream
		bound   Binding
		want    []Reason
	}{
		{"position: rejected, skipped, invalid, not reached", &model.Campaign{ID: 1, Type: RotatePosition}, []model.Stream{
			stream(1, StreamForced, 0, country("reject", `["US"]`)),
			deleted,
			stream(2, StreamRegular, 1, badRegex),
			orStream,
			stream(3, StreamRegular, 2),
			stream(6, StreamRegular, 9),
		}, Binding{}, []Reason{
			{StreamID: 1, Name: "s", Type: StreamForced, Outcome: OutcomeRejected, Detail: "filter country (reject)"},
			{StreamID: 5, Name: "s", Type: StreamRegular, Outcome: OutcomeSkipped, Detail: "all offers of the stream were deleted"},
			{StreamID: 2, Name: "s", Type: StreamRegular, Outcome: OutcomeRejected,
				Detail: "filter user_agent (reject) is invalid: bad regex \"/(/\": error parsing regexp: missing closing ): `(`"},
			{StreamID: 4, Name: "s", Type: StreamRegular, Outcome: OutcomeNotReached},
			{StreamID: 6, Name: "s", Type: StreamRegular, Outcome: OutcomeNotReached},
			{StreamID: 3, Name: "s", Type: StreamRegular, Outcome: OutcomeChosen},
		}},
		{"filter_or refusal lists every filter, default chosen", &model.Campaign{ID: 1, Type: RotatePosition}, []model.Stream{
			orStream, stream(8, StreamDefault, 0),
		}, Binding{}, []Reason{
			{StreamID: 4, Name: "s", Type: StreamRegular, Outcome: OutcomeRejected,
				Detail: "no filter passed: filter country (accept), filter device_type (accept)"},
			{StreamID: 8, Name: "s", Type: StreamDefault, Outcome: OutcomeChosen},
		}},
		{"weight: loser passed", &model.Campaign{ID: 1, Type: RotateWeight}, []model.Stream{
			stream(3, StreamRegular, 1), weighted,
		}, Binding{}, []Reason{
			{StreamID: 7, Name: "s", Type: StreamRegular, Outcome: OutcomePassed, Detail: "lost the weighted draw"},
			{StreamID: 3, Name: "s", Type: StreamRegular, Outcome: OutcomeChosen},
		}},
		{"returning visitor", &model.Campaign{ID: 1, BindVisitors: "s"}, []model.Stream{
			stream(3, StreamRegular, 1), stream(6, StreamRegular, 2),
		}, Binding{StreamID: 6}, []Reason{
			{StreamID: 6, Name: "s", Type: StreamRegular, Outcome: OutcomeChosen, Detail: "returning visitor (bind_visitors)"},
		}},
	}
}

func TestReasons(t *testing.T) {
	cat := catalog(offer(1, "https://offer.example/1"))
	for _, tt := range reasonCases() {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := Compile(tt.camp, tt.streams, cat)
			in := input(1)
			in.Counters.Bound = tt.bound
			if got := Route(c, in).Reasons; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("reasons\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

package routing

import (
	"reflect"
	"testing"
)

// TestQuietDecidesTheSame: skipping the reasons must not change where a
// visitor goes, for every reason case and several random draws.
func TestQuietDecidesTheSame(t *testing.T) {
	cat := catalog(offer(1, "https://offer.example/1"))
	for _, tt := range reasonCases() {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := Compile(tt.camp, tt.streams, cat)
			for seed := uint64(0); seed < 50; seed++ {
				loud, quiet := input(seed), input(seed)
				loud.Counters.Bound, quiet.Counters.Bound = tt.bound, tt.bound
				quiet.Quiet = true
				a, b := Route(c, loud), Route(c, quiet)
				if b.Reasons != nil {
					t.Fatalf("quiet decision has reasons %+v", b.Reasons)
				}
				a.Reasons = nil
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("seed %d: loud %+v, quiet %+v", seed, a, b)
				}
			}
		})
	}
}

package hot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/testenv"
)

// BenchmarkCounterWrites is the counter writes of one click as the tracking
// link queues them (four uniqueness marks, a stream limit and a binding),
// coalesced into shared pipelines. Read its allocations and the process's
// CPU time, not ns/op: each batch waits out the write linger.
func BenchmarkCounterWrites(b *testing.B) {
	r := testenv.Redis(b)
	c := hot.NewCounters(r, time.Second, nil)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	marks := []routing.UniqKey{
		{Scope: routing.ScopeCampaign, Method: routing.MethodIPUA, CampaignID: 1},
		{Scope: routing.ScopeStream, Method: routing.MethodIPUA, CampaignID: 1, StreamID: 2},
		{Scope: routing.ScopeGlobal, Method: routing.MethodIPUA},
		{Scope: routing.ScopeCampaign, Method: routing.MethodCookie, CampaignID: 1},
	}
	writes := make([]hot.CounterWrite, 256)
	for i := range writes {
		writes[i] = hot.CounterWrite{Visitor: hot.VisitorID{IP: fmt.Sprintf("198.51.100.%d", i), UA: "Mozilla/5.0 bench",
			Code: fmt.Sprint("vc", i)}, CampaignID: 1, TTL: 24 * time.Hour, Mark: marks, LimitStream: 2,
			Bind: &routing.Binding{StreamID: 2, OfferID: 3}, Now: now}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.Write(writes[i%len(writes)])
		if i%50 == 49 {
			c.Drain() // batches of about 50 clicks, as at a few thousand clicks a second
		}
	}
	c.Drain()
}

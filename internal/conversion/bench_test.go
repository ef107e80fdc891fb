package conversion

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kite-tracker/kite/internal/s2s"
)

// BenchmarkPostback runs the bench mix (new leads and sales, 30% exact
// repeats, 10% lead -> sale upgrades) through the HTTP handler in parallel,
// with an S2S worker delivering to a local receiver; with
// KITE_TEST_DATABASE_URL set it measures the Postgres path. It is for
// profiling (-cpuprofile), not a figure of merit: the bench is kite-bench.
// It reports CPU per postback (this process and, on Postgres, the server
// backends) and transactions per postback, which stay comparable on a busy box.
func BenchmarkPostback(b *testing.B) {
	f := newFixture(b, nil)
	defer f.st.DB.Exec("DELETE FROM s2s_outbox")
	var delivered atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { delivered.Add(1) }))
	defer rcv.Close()
	f.ts.PostbackURL = rcv.URL + "/pb?cid={subid}&s={status}&p={payout}"
	f.st.DB.Save(&f.ts)
	f.svc.Invalidate()
	w := s2s.NewWorker(s2s.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, f.st, nil)
	f.svc.opt.OnOutbox = w.Notify
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx) }()
	clicks := make([]string, 500)
	for i := range clicks {
		clicks[i] = f.click(true).ID
	}
	var mu sync.Mutex
	var sent, leads []string
	var n atomic.Int64
	next := func() string {
		i := int(n.Add(1))
		mu.Lock()
		defer mu.Unlock()
		switch {
		case i%10 < 3 && len(sent) > 0:
			return sent[i%len(sent)]
		case i%10 == 3 && len(leads) > 0:
			l := leads[len(leads)-1]
			leads = leads[:len(leads)-1]
			return l + "&status=sale"
		}
		base := fmt.Sprintf("/%s/postback?subid=%s&tid=t%d", testKey, clicks[i%len(clicks)], i)
		st := "sale"
		if i%2 == 0 {
			st = "lead"
			leads = append(leads, base)
		}
		sent = append(sent, base+"&status="+st)
		return base + "&status=" + st
	}
	b.SetParallelism(8)
	cpu := startCPU(f.st)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			target := next()
			if code, body := f.do(http.MethodGet, target, "", "", ""); code != http.StatusOK {
				b.Errorf("%s: %d %s", target, code, body)
			}
		}
	})
	b.StopTimer()
	cpu.report(b)
	b.ReportMetric(float64(delivered.Load())/float64(b.N), "s2s/op")
}

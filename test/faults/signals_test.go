//go:build faults

package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMUnderLoad: a graceful stop under load. Requests in flight get
// their answer (no broken connections), the node exits 0, and after a
// restart every acknowledged click and accepted postback is in SQL once.
func TestSIGTERMUnderLoad(t *testing.T) {
	rg := newRig(t, 1, nil)
	n := rg.nodes[0]
	clicks := startClicks(rg.nodes, rg.camp.alias, rate("FAULTS_CLICK_RATE", 200)*2)
	pbs := startPostbacks(rg.nodes, clicks, rate("FAULTS_POSTBACK_RATE", 20))
	time.Sleep(5 * time.Second)
	began := time.Now()
	code, err := n.signal(syscall.SIGTERM, 40*time.Second)
	stopTook := time.Since(began)
	time.Sleep(time.Second) // the load now meets a closed port: refused, never broken
	clicks.stop()
	pbs.stop()
	if err != nil {
		t.Fatalf("SIGTERM: %v; log tail:\n%s", err, n.logTail(30))
	}
	beforeRestart, _ := rg.db.countBy("clicks", "id", clicks.acked())
	n.restart() // its writer moves what the drain left in the Redis stream
	c, err := rg.db.waitStored("clicks", "id", clicks.acked(), 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rg.db.waitStored("conversions", "tid", pbs.acceptedTIDs(), 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("clicks: %s", clicks.summary())
	t.Logf("postbacks: %s", pbs.summary())
	broken := clicks.errs["broken"] + clicks.errs["timeout"] + pbs.errs["broken"] + pbs.errs["timeout"]
	ok := code == 0 && broken == 0 && c.lost == 0 && c.duplicated == 0 && p.lost == 0 && p.duplicated == 0
	verdict(t, ok, "exit=%d stop_took=%s broken_in_flight=%d | clicks sent=%d answered=%d stored=%d "+
		"(in SQL before restart %d) lost=%d duplicated=%d | postbacks accepted=%d stored=%d lost=%d duplicated=%d",
		code, stopTook.Round(time.Millisecond), broken, clicks.sent.Load(), clicks.answered.Load(), c.stored,
		len(beforeRestart), c.lost, c.duplicated, p.acked, p.stored, p.lost, p.duplicated)
}

// TestSIGKILLUnderLoad measures how many acknowledged clicks a hard crash
// loses with KITE_CLICKS_DURABILITY=fast (bounded by one flush interval) and
// strict (expected 0), and what strict costs in flat-out throughput.
func TestSIGKILLUnderLoad(t *testing.T) {
	for _, mode := range []string{"fast", "strict"} {
		t.Run(mode, func(t *testing.T) {
			rg := newRig(t, 1, map[string]string{"KITE_CLICKS_DURABILITY": mode})
			n := rg.nodes[0]
			rps, p50, p99 := flatOut(n, rg.camp.alias, 5*time.Second, 32)
			clicks := startClicks(rg.nodes, rg.camp.alias, rate("FAULTS_KILL_RATE", 1000))
			time.Sleep(4 * time.Second)
			if _, err := n.signal(syscall.SIGKILL, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			clicks.stop()
			n.restart() // replays the spool; its writer claims the dead node's pending entries
			c, err := rg.db.waitStored("clicks", "id", clicks.acked(), 90*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("clicks: %s", clicks.summary())
			ok := c.duplicated == 0 && (mode == "fast" || c.lost == 0)
			verdict(t, ok, "durability=%s clicks sent=%d acknowledged=%d stored=%d lost=%d duplicated=%d | "+
				"flat-out %.0f clicks/s p50=%s p99=%s (32 connections, same 2-core box as the client)",
				mode, clicks.sent.Load(), c.acked, c.stored, c.lost, c.duplicated, rps,
				p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
		})
	}
}

// flatOut loads the tracking link as fast as workers connections allow and
// returns throughput and latency percentiles.
func flatOut(n *kiteNode, alias string, d time.Duration, workers int) (float64, time.Duration, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	client := noRedirectClient(10*time.Second, workers)
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	var lat []time.Duration
	var seq atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				start := time.Now()
				resp, err := client.Get(n.url(fmt.Sprintf("/%s?sub_id_1=flat%d", alias, seq.Add(1))))
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusFound {
					mine = append(mine, time.Since(start))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	if len(lat) == 0 {
		return 0, 0, 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(len(lat)) / elapsed.Seconds(), lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
}

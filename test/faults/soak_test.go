//go:build faults

package faults

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestSoak runs only when FAULTS_SOAK is set (scripts/soak.sh sets 10m):
// one node at FAULTS_SOAK_CLICK_RATE clicks/s (5,000) and
// FAULTS_SOAK_POSTBACK_RATE postbacks/s (100). It prints RSS and goroutines
// at start, middle and end and the p99 of every minute; it passes when no
// request failed, memory and goroutines stayed flat (end within 2x of the
// middle), and every acknowledged click and accepted postback is in SQL once.
func TestSoak(t *testing.T) {
	total := duration("FAULTS_SOAK", 0)
	if total == 0 {
		t.Skip("set FAULTS_SOAK=10m (scripts/soak.sh) to run the soak")
	}
	var extra map[string]string
	if addr := os.Getenv("FAULTS_DEBUG_LISTEN"); addr != "" { // pprof of the node, to see where a soak's CPU goes
		extra = map[string]string{"KITE_DEBUG_LISTEN": addr}
	}
	rg := newRig(t, 1, extra)
	n := rg.nodes[0]
	clicks := startClicks(rg.nodes, rg.camp.alias, rate("FAULTS_SOAK_CLICK_RATE", 5000))
	pbs := startPostbacks(rg.nodes, clicks, rate("FAULTS_SOAK_POSTBACK_RATE", 100))
	type sample struct {
		at         string
		rssKB      int
		goroutines float64
	}
	take := func(at string) sample {
		g, _ := n.metric("go_goroutines")
		s := sample{at, n.rss(), g}
		fmt.Printf("soak %-6s rss=%d kB goroutines=%.0f clicks answered=%d postbacks answered=%d\n",
			at, s.rssKB, s.goroutines, clicks.answered.Load(), pbs.answered.Load())
		return s
	}
	time.Sleep(min(10*time.Second, total/10)) // start = after warm-up
	start := take("start")
	time.Sleep(total/2 - min(10*time.Second, total/10))
	middle := take("middle")
	time.Sleep(total / 2)
	end := take("end")
	clicks.stop()
	pbs.stop()
	loadTook := time.Since(clicks.began)
	worst := time.Duration(0)
	for m := int64(0); m <= int64(total/time.Minute); m++ {
		p := clicks.p99(m)
		worst = max(worst, p)
		fmt.Printf("soak minute %2d: clicks p99 %s, postbacks p99 %s\n", m+1, p.Round(10*time.Microsecond),
			pbs.p99(m).Round(10*time.Microsecond))
	}
	t.Logf("clicks: %s", clicks.summary())
	t.Logf("postbacks: %s", pbs.summary())
	c, err := rg.db.waitStored("clicks", "id", clicks.acked(), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rg.db.waitStored("conversions", "tid", pbs.acceptedTIDs(), 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	failures := unanswered(clicks.loadStats) + unanswered(pbs.loadStats) + int64(nonRedirects(clicks.loadStats))
	flat := end.rssKB <= 2*middle.rssKB && end.goroutines <= 2*middle.goroutines+20
	// Slots the client could not send on time mean the box did not hold the
	// rate: then the soak did not measure what it claims, and says so.
	held := clicks.missed.Load()*100 <= clicks.sent.Load()
	achieved := float64(clicks.answered.Load()) / loadTook.Seconds()
	ok := failures == 0 && flat && held && c.lost == 0 && c.duplicated == 0 && p.lost == 0 && p.duplicated == 0
	verdict(t, ok, "%s at %d clicks/s (held %v, achieved %.0f/s) + %d postbacks/s: clicks sent=%d answered=%d stored=%d lost=%d duplicated=%d "+
		"missed_slots=%d | postbacks accepted=%d stored=%d lost=%d | failures=%d | rss kB %d/%d/%d goroutines %.0f/%.0f/%.0f | "+
		"worst minute p99 %s",
		total, clicks.rate, held, achieved, rate("FAULTS_SOAK_POSTBACK_RATE", 100), clicks.sent.Load(), clicks.answered.Load(), c.stored,
		c.lost, c.duplicated, clicks.missed.Load(), p.acked, p.stored, p.lost, failures,
		start.rssKB, middle.rssKB, end.rssKB, start.goroutines, middle.goroutines, end.goroutines, worst.Round(10*time.Microsecond))
}

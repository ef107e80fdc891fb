//go:build faults

package faults

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// outageResult is what one outage run saw.
type outageResult struct {
	clicks            *clickLoad
	pbs               *postbackLoad
	clickTally        tally
	pbTally           tally
	ready503          int64 // /readyz answered 503 during the outage
	readyOtherwise    int64 // /readyz answered anything else during the outage
	readyAfter        int   // /readyz after recovery
	retry503, no503   int
	spooled, replayed float64 // recorder metrics: proof the outage path ran
	// postback spool metrics, and postbacks answered 200 "queued"
	pbSpooled, pbReplayed float64
	pbQueued              int
}

// runOutage runs the click and postback load, stops a service for the
// outage, starts it again, lets the load run on, then checks what landed.
func runOutage(t *testing.T, rg *rig, stop, start func()) outageResult {
	t.Helper()
	outage := duration("FAULTS_OUTAGE", 20*time.Second)
	clicks := startClicks(rg.nodes, rg.camp.alias, rate("FAULTS_CLICK_RATE", 200))
	pbs := startPostbacks(rg.nodes, clicks, rate("FAULTS_POSTBACK_RATE", 20))
	time.Sleep(5 * time.Second)

	var res outageResult
	var polling sync.WaitGroup
	var down atomic.Bool
	down.Store(true)
	stop() // returns once the service is gone
	polling.Add(1)
	go func() { // /readyz must report the outage while it lasts
		defer polling.Done()
		for down.Load() {
			if rg.nodes[0].readyz() == http.StatusServiceUnavailable {
				atomic.AddInt64(&res.ready503, 1)
			} else {
				atomic.AddInt64(&res.readyOtherwise, 1)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	time.Sleep(outage)
	down.Store(false)
	polling.Wait()
	start()
	time.Sleep(10 * time.Second)
	clicks.stop()
	pbs.stop()
	res.spooled, _ = rg.nodes[0].metric("kite_clicks_spooled_total")
	res.replayed, _ = rg.nodes[0].metric("kite_clicks_replayed_total")
	res.pbSpooled, _ = rg.nodes[0].metric("kite_postbacks_spooled_total")

	res.clicks, res.pbs = clicks, pbs
	var err error
	if res.clickTally, err = rg.db.waitStored("clicks", "id", clicks.acked(), 120*time.Second); err != nil {
		t.Fatalf("count clicks: %v", err)
	}
	if res.pbTally, err = rg.db.waitStored("conversions", "tid", pbs.acceptedTIDs(), 60*time.Second); err != nil {
		t.Fatalf("count conversions: %v", err)
	}
	res.readyAfter = rg.nodes[0].readyz()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		// counted just after each commit: the last may trail its conversion by a moment
		res.pbReplayed, _ = rg.nodes[0].metric("kite_postbacks_replayed_total")
		if res.pbReplayed >= res.pbSpooled || time.Now().After(deadline) {
			break
		}
	}
	res.pbQueued = pbs.queuedCount()
	res.retry503, res.no503 = pbs.counts503()
	t.Logf("clicks: %s", clicks.summary())
	t.Logf("postbacks: %s", pbs.summary())
	return res
}

// unanswered is requests that got no HTTP answer at all.
func unanswered(s *loadStats) int64 { return s.sent.Load() - s.answered.Load() }

// nonRedirects counts click answers other than 302.
func nonRedirects(s *loadStats) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for code, k := range s.codes {
		if code != http.StatusFound {
			n += k
		}
	}
	return n
}

// TestRedisOutage: Redis stopped for 20 s (FAULTS_OUTAGE) then started.
// Every request is answered; every click answered with a redirect is in SQL
// exactly once (spool replay); postbacks are accepted or refused with 503 +
// Retry-After, and none accepted is lost.
func TestRedisOutage(t *testing.T) {
	rg := newRig(t, 1, nil)
	r := runOutage(t, rg, rg.redis.Stop, rg.redis.Start)
	c, p := r.clickTally, r.pbTally
	ok := unanswered(r.clicks.loadStats) == 0 && nonRedirects(r.clicks.loadStats) == 0 &&
		c.lost == 0 && c.duplicated == 0 && p.lost == 0 && p.duplicated == 0 && r.no503 == 0 &&
		unanswered(r.pbs.loadStats) == 0
	verdict(t, ok, "clicks sent=%d answered=%d non302=%d stored=%d lost=%d duplicated=%d | "+
		"postbacks sent=%d answered=%d accepted=%d stored=%d lost=%d duplicated=%d 503+retry=%d 503-no-retry=%d | "+
		"spooled=%.0f replayed=%.0f readyz during: 503=%d other=%d",
		r.clicks.sent.Load(), r.clicks.answered.Load(), nonRedirects(r.clicks.loadStats), c.stored, c.lost, c.duplicated,
		r.pbs.sent.Load(), r.pbs.answered.Load(), p.acked, p.stored, p.lost, p.duplicated, r.retry503, r.no503,
		r.spooled, r.replayed, r.ready503, r.readyOtherwise)
}

// TestPostgresOutage: Postgres stopped for 20 s. Redirects keep flowing from
// the snapshot; clicks land after recovery; every postback is accepted (the
// ones during the outage answered "queued" and saved to the local postback
// spool) and lands after recovery, none refused, none lost; /readyz answers
// 503 during the outage and 200 after.
func TestPostgresOutage(t *testing.T) {
	rg := newRig(t, 1, nil)
	if !rg.pg.private {
		t.Skip("no private PostgreSQL cluster could be made here; the shared one must not be stopped")
	}
	// Postbacks with a wrong key during the outage: answered 403 from the
	// configuration in memory, and their log lines written after it.
	var refusedIDs []string
	refused403 := 0
	stop := func() {
		rg.pg.Stop()
		for i := range 5 {
			id := fmt.Sprintf("refused-in-outage-%d", i)
			resp, err := http.Get(rg.nodes[0].url("/wrong-key/postback?status=lead&subid=" + id))
			if err == nil {
				if resp.StatusCode == http.StatusForbidden {
					refused403++
				}
				resp.Body.Close()
			}
			refusedIDs = append(refusedIDs, id)
		}
	}
	r := runOutage(t, rg, stop, rg.pg.Start)
	refusedLogged, err := rg.db.waitStored("received_postbacks", "click_id", refusedIDs, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, p := r.clickTally, r.pbTally
	ok := refused403 == len(refusedIDs) && refusedLogged.lost == 0 &&
		unanswered(r.clicks.loadStats) == 0 && nonRedirects(r.clicks.loadStats) == 0 &&
		c.lost == 0 && c.duplicated == 0 && p.lost == 0 && p.duplicated == 0 && r.no503 == 0 && r.retry503 == 0 &&
		r.pbQueued > 0 && r.pbSpooled == float64(r.pbQueued) && r.pbReplayed == r.pbSpooled &&
		r.ready503 > 0 && r.readyOtherwise == 0 && r.readyAfter == http.StatusOK && unanswered(r.pbs.loadStats) == 0
	verdict(t, ok, "clicks sent=%d answered=%d non302=%d stored=%d lost=%d duplicated=%d | "+
		"postbacks sent=%d answered=%d accepted=%d (queued=%d) stored=%d lost=%d duplicated=%d 503+retry=%d 503-no-retry=%d | "+
		"postback spool: spooled=%.0f replayed=%.0f | readyz during: 503=%d other=%d, after=%d | "+
		"wrong key during: sent=%d 403=%d logged after=%d",
		r.clicks.sent.Load(), r.clicks.answered.Load(), nonRedirects(r.clicks.loadStats), c.stored, c.lost, c.duplicated,
		r.pbs.sent.Load(), r.pbs.answered.Load(), p.acked, r.pbQueued, p.stored, p.lost, p.duplicated, r.retry503, r.no503,
		r.pbSpooled, r.pbReplayed, r.ready503, r.readyOtherwise, r.readyAfter,
		len(refusedIDs), refused403, refusedLogged.stored)
}

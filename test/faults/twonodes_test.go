//go:build faults

package faults

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTwoNodes: two Kite nodes on one Postgres and one Redis under load. A
// configuration change made through node 1 is served by node 2 within 2 s
// (pub/sub, not the 30 s safety-net refresh); the click writer and the S2S
// outbox run on both and no click, conversion or S2S postback is processed
// twice. Visitors also go through a landing and click to the offer a second
// later on the other node: every LP click lands once in the clicks, the
// rollup and the sub_id_1 cube, and the two writers never deadlock.
func TestTwoNodes(t *testing.T) {
	rg := newRig(t, 2, nil)
	n1, n2 := rg.nodes[0], rg.nodes[1]
	lpCamp := setupLandingCampaign(t, n1, "faultslp", rg.camp.offerID)
	for _, n := range rg.nodes {
		waitServed(t, n, "faultslp", 40*time.Second)
	}
	clickRate := rate("FAULTS_CLICK_RATE", 200)
	clicks := startClicks(rg.nodes, rg.camp.alias, clickRate)
	lps := startLPs(rg.nodes, "faultslp", max(10, clickRate/4))
	pbs := startPostbacks(rg.nodes, clicks, rate("FAULTS_POSTBACK_RATE", 20))
	time.Sleep(5 * time.Second)

	var worst time.Duration
	for i := 1; i <= 3; i++ {
		worst = max(worst, changeSeen(t, rg, n1, n2, i))
		time.Sleep(2 * time.Second)
	}
	time.Sleep(10 * time.Second)
	clicks.stop()
	landed := lps.stop()
	pbs.stop()

	c, err := rg.db.waitStored("clicks", "id", clicks.acked(), 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rg.db.waitStored("conversions", "tid", pbs.acceptedTIDs(), 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	lp := waitLPs(t, rg.db, lpCamp, len(landed), 60*time.Second)
	s := rg.rcv.waitDelivered(pbs.acceptedTIDs(), 60*time.Second)
	time.Sleep(3 * time.Second)
	s = tallyOf(pbs.acceptedTIDs(), rg.rcv.counts())
	w1, _ := n1.metric("kite_clicks_written_total")
	w2, _ := n2.metric("kite_clicks_written_total")
	t.Logf("clicks: %s", clicks.summary())
	t.Logf("postbacks: %s", pbs.summary())
	t.Logf("landing visits: %s; landing-to-offer clicks: %s", lps.visits.summary(), lps.lpHits.summary())
	locks := deadlocks(rg.nodes)
	explainS2S(t, rg.db, pbs.acceptedTIDs(), rg.rcv.counts())
	ok := worst <= 2*time.Second && unanswered(clicks.loadStats) == 0 && c.lost == 0 && c.duplicated == 0 &&
		p.lost == 0 && p.duplicated == 0 && s.lost == 0 && s.duplicated == 0 &&
		len(landed) > 0 && lp.rows == int64(len(landed)) && lp.rollup == lp.rows && lp.cube == lp.rows && locks == 0
	verdict(t, ok, "config change seen by the other node in %s (worst of 3) | clicks sent=%d answered=%d stored=%d "+
		"lost=%d duplicated=%d (written by node1 %.0f, node2 %.0f) | postbacks accepted=%d stored=%d lost=%d "+
		"duplicated=%d | s2s delivered=%d lost=%d duplicated=%d | landing-to-offer clicks answered=%d stored=%d "+
		"(rollup %d, sub_id_1 cube %d) | writer deadlocks in logs=%d",
		worst.Round(time.Millisecond), clicks.sent.Load(), clicks.answered.Load(), c.stored, c.lost, c.duplicated,
		w1, w2, p.acked, p.stored, p.lost, p.duplicated, s.stored, s.lost, s.duplicated,
		len(landed), lp.rows, lp.rollup, lp.cube, locks)
}

// changeSeen changes the offer's URL through from's admin API and returns
// how long until to redirects to the new URL.
func changeSeen(t *testing.T, rg *rig, from, to *kiteNode, version int) time.Duration {
	t.Helper()
	mark := fmt.Sprintf("v=%d", version)
	body := fmt.Sprintf(`{"action_payload":%q}`, offerURL+"&"+mark)
	began := time.Now()
	if err := adminCall(from, "PUT", fmt.Sprintf("/offers/%d", rg.camp.offerID), body, nil); err != nil {
		t.Fatalf("change offer: %v", err)
	}
	c := noRedirectClient(5*time.Second, 2)
	defer c.CloseIdleConnections()
	for time.Since(began) < 60*time.Second {
		resp, err := c.Get(to.url("/" + rg.camp.alias + "?sub_id_1=probe"))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusFound && strings.Contains(resp.Header.Get("Location"), mark) {
				return time.Since(began)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%s never served the change made through %s", to.name, from.name)
	return time.Minute
}

// lpCounts is where the landing-to-offer clicks of a campaign show in SQL.
type lpCounts struct{ rows, rollup, cube int64 }

// waitLPs waits until want clicks of the campaign carry their LP click (or
// within passes) and reads the rollup and sub_id_1 cube counts beside.
func waitLPs(t *testing.T, db *sqlDB, campaignID int64, want int, within time.Duration) lpCounts {
	t.Helper()
	var got lpCounts
	for deadline := time.Now().Add(within); ; time.Sleep(time.Second) {
		var err error
		got.rows, err = db.scalar(`SELECT COUNT(*) FROM clicks WHERE campaign_id = ? AND lp_clicked_at IS NOT NULL`, campaignID)
		if err != nil {
			t.Fatal(err)
		}
		if got.rows >= int64(want) || time.Now().After(deadline) {
			break
		}
	}
	var err error
	if got.rollup, err = db.scalar(`SELECT COALESCE(SUM(lp_clicks), 0) FROM click_stats_hourly WHERE campaign_id = ?`, campaignID); err != nil {
		t.Fatal(err)
	}
	if got.cube, err = db.scalar(`SELECT COALESCE(SUM(lp_clicks), 0) FROM report_cube_sub_id_1_daily WHERE sub_id_1 LIKE 'l%'`); err != nil {
		t.Fatal(err)
	}
	return got
}

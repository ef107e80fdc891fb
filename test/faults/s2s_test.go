//go:build faults

package faults

import (
	"testing"
	"time"
)

// TestS2SReceiverDown: the traffic source's postback endpoint refuses
// connections for FAULTS_S2S_DOWN (the 5m; default 60s so a local
// run stays short) while conversions keep arriving; once it is back, every
// due S2S postback arrives, each exactly once. The outbox backs off
// exponentially from 30 s, so the wait after recovery is bounded by about
// twice the outage plus a minute.
func TestS2SReceiverDown(t *testing.T) {
	down := duration("FAULTS_S2S_DOWN", 60*time.Second)
	rg := newRig(t, 1, nil)
	clicks := startClicks(rg.nodes, rg.camp.alias, rate("FAULTS_CLICK_RATE", 200)/2)
	time.Sleep(2 * time.Second)
	rg.rcv.off()
	pbs := startPostbacks(rg.nodes, clicks, rate("FAULTS_POSTBACK_RATE", 20)/2)
	time.Sleep(down)
	pbs.stop()
	clicks.stop()
	during := len(rg.rcv.counts())
	failed, _ := rg.db.scalar("/* faults.S2S */ SELECT COUNT(*) FROM s2s_attempts WHERE status_code < 200 OR status_code >= 300")
	backAt := time.Now()
	rg.rcv.on()
	tids := pbs.acceptedTIDs()
	got := rg.rcv.waitDelivered(tids, 2*down+90*time.Second)
	took := time.Since(backAt)
	time.Sleep(5 * time.Second) // a late second delivery would show here
	got = tallyOf(tids, rg.rcv.counts())
	t.Logf("postbacks: %s", pbs.summary())
	explainS2S(t, rg.db, tids, rg.rcv.counts())
	ok := got.lost == 0 && got.duplicated == 0 && during == 0 && len(tids) > 0 && failed > 0
	verdict(t, ok, "down=%s postbacks sent=%d accepted=%d | s2s delivered=%d lost=%d duplicated=%d "+
		"(arrived while down %d, failed attempts logged %d, all delivered %s after the receiver came back)",
		down, pbs.sent.Load(), got.acked, got.stored, got.lost, got.duplicated, during, failed, took.Round(time.Second))
}

package conversion

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// fakeHandoff is the S2S sender's side of the hand-off, in memory.
type fakeHandoff struct {
	mu       sync.Mutex
	refuse   bool
	booked   int
	lease    time.Time
	received []model.S2SOutbox
}

func (h *fakeHandoff) Reserve(n int) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.refuse {
		return time.Time{}, false
	}
	h.booked += n
	return h.lease, true
}

func (h *fakeHandoff) Release(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.booked -= n
}

func (h *fakeHandoff) Deliver(lease time.Time, rows []model.S2SOutbox) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.booked -= len(rows)
	h.received = append(h.received, rows...)
}

// TestGroupedStatementMixesOutcomes holds the only statement lane while
// four postbacks queue, so they run as one statement: two new conversions,
// a repeat (its log line only) and an upgrade (the existing row answered,
// then changed by its own statement). Each must end as it would alone; the
// new conversions' and the upgrade's S2S rows reach the sender with the ids Postgres gave.
func TestGroupedStatementMixesOutcomes(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.ts.PostbackURL = "http://127.0.0.1:9/pb?conv={conversion_id}&s={status}"
	})
	if !f.st.IsPostgres() {
		t.Skip("the grouped statement is the Postgres fast path")
	}
	h := &fakeHandoff{lease: time.Now().UTC().Add(time.Minute).Truncate(time.Microsecond)}
	f.svc.opt.Handoff = h
	repeat, upgrade, newA, newB := f.click(true), f.click(true), f.click(true), f.click(true)
	send := func(c *model.Click, status string) Result {
		t.Helper()
		code, body := f.do(http.MethodGet, fmt.Sprintf("/%s/postback?subid=%s&tid=1&status=%s&payout=4", testKey, c.ID, status), "", "", "")
		var res Result
		if code != http.StatusOK || json.Unmarshal([]byte(body), &res) != nil {
			t.Errorf("%s %s: %d %s", c.ID, status, code, body)
		}
		return res
	}
	send(repeat, "sale")
	send(upgrade, "lead")
	h.mu.Lock()
	h.received = nil
	h.mu.Unlock()

	gate, entered := make(chan struct{}), make(chan struct{})
	run := f.svc.group.run
	var once sync.Once
	f.svc.group.maxInFlight = 1
	f.svc.group.run = func(b []*firstItem) {
		once.Do(func() { close(entered); <-gate })
		run(b)
	}
	stmts0, _ := f.svc.group.counts()
	blocker := f.click(true)
	results := make([]Result, 5)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); results[0] = send(blocker, "lead") }()
	<-entered // the blocker holds the lane
	for i, p := range []struct {
		c      *model.Click
		status string
	}{{newA, "lead"}, {newB, "sale"}, {repeat, "sale"}, {upgrade, "sale"}} {
		wg.Add(1)
		go func() { defer wg.Done(); results[i+1] = send(p.c, p.status) }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for f.svc.group.queued() < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(gate)
	wg.Wait()
	if stmts, _ := f.svc.group.counts(); stmts-stmts0 != 2 {
		t.Errorf("%d statements for the blocker and 4 queued postbacks, want 2", stmts-stmts0)
	}
	want := []struct {
		outcome, status string
	}{{model.PostbackAccepted, "lead"}, {model.PostbackAccepted, "lead"}, {model.PostbackAccepted, "sale"},
		{model.PostbackDuplicate, "sale"}, {model.PostbackUpdated, "sale"}}
	for i, w := range want {
		if results[i].Outcome != w.outcome || results[i].Status != w.status || results[i].ConversionID == 0 {
			t.Errorf("postback %d: %+v, want outcome %s status %s", i, results[i], w.outcome, w.status)
		}
	}
	for _, c := range []*model.Click{repeat, upgrade, newA, newB, blocker} {
		if n := len(f.conversions(c.ID)); n != 1 {
			t.Errorf("click %s: %d conversions, want 1", c.ID, n)
		}
	}
	if got := f.conversions(upgrade.ID)[0].Status; got != "sale" {
		t.Errorf("upgraded conversion is %s, want sale", got)
	}
	if n := f.count("received_postbacks", "click_id = ?", repeat.ID); n != 2 {
		t.Errorf("repeat: %d log lines, want 2", n)
	}
	// Handed over: the new conversions' rows and the upgrade's (written by
	// its own change statement), with their database ids and leased to the
	// sender.
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.booked != 0 {
		t.Errorf("%d places still booked", h.booked)
	}
	handed := map[int64]model.S2SOutbox{}
	for _, r := range h.received {
		handed[r.ID] = r
	}
	for _, c := range []*model.Click{newA, newB, blocker, upgrade} {
		conv := f.conversions(c.ID)[0]
		var rows []model.S2SOutbox
		f.st.DB.Where("conversion_id = ? AND url LIKE ?", conv.ID, "%s="+conv.Status+"%").Find(&rows)
		if len(rows) != 1 {
			t.Fatalf("click %s: %d S2S rows for its %s, want 1", c.ID, len(rows), conv.Status)
		}
		got, ok := handed[rows[0].ID]
		if !ok || got.URL != rows[0].URL || !rows[0].NextAttemptAt.Equal(h.lease) {
			t.Errorf("click %s: row %+v handed as %+v (ok=%v), lease %v", c.ID, rows[0], got, ok, h.lease)
		}
	}
	if len(h.received) != 4 {
		t.Errorf("%d rows handed over, want 4", len(h.received))
	}
}

// TestHandoffRefusedLeavesRowsDue: without a place at the sender, the rows
// go in due now and the claim loop is woken.
func TestHandoffRefusedLeavesRowsDue(t *testing.T) {
	f := newFixture(t, nil)
	h := &fakeHandoff{refuse: true}
	f.svc.opt.Handoff = h
	woken := 0
	f.svc.opt.OnOutbox = func() { woken++ }
	c := f.click(true)
	if code, body := f.do(http.MethodGet, fmt.Sprintf("/%s/postback?subid=%s&status=lead", testKey, c.ID), "", "", ""); code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	var rows []model.S2SOutbox
	f.st.DB.Where("conversion_id = ?", f.conversions(c.ID)[0].ID).Find(&rows)
	if len(rows) != 1 || rows[0].NextAttemptAt.After(time.Now().UTC()) || len(h.received) != 0 || woken != 1 {
		t.Errorf("rows %+v, handed %d, woken %d: want one row due now, none handed, one wake-up", rows, len(h.received), woken)
	}
}

// TestRefusedGroupRetriesOneByOne: when Postgres refuses a group statement
// because of one postback's data, its batch-mates are written one by one
// and answered as usual; only the one it cannot take fails.
func TestRefusedGroupRetriesOneByOne(t *testing.T) {
	f := newFixture(t, nil)
	if !f.st.IsPostgres() {
		t.Skip("the grouped statement is the Postgres fast path")
	}
	poisoned := &firstItem{clickID: "poisoned", convID: -1, conv: `{"id": -1}`, out: "[]", log: "{}", logOnly: "{}"}
	run := f.svc.group.run
	f.svc.group.run = func(b []*firstItem) { run(append(b, poisoned)) } // its conversion has no click_id: NOT NULL
	c := f.click(true)
	code, body := f.do(http.MethodGet, fmt.Sprintf("/%s/postback?subid=%s&status=lead", testKey, c.ID), "", "", "")
	if code != http.StatusOK || len(f.conversions(c.ID)) != 1 {
		t.Fatalf("the good postback: %d %s, %d conversions; want 200 and 1", code, body, len(f.conversions(c.ID)))
	}
	if poisoned.err == nil {
		t.Error("the poisoned item: no error")
	}
}

package s2s

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

// TestHandoffDeliversLeasedRowsOnce: rows inserted leased and handed over
// are sent at once, once each, through the receiver's failures, without a
// claim; a row handed to a worker that stops before sending it is sent by
// the next worker once its lease ends.
func TestHandoffDeliversLeasedRowsOnce(t *testing.T) {
	st := testenv.Store(t)
	rcv := &flakyReceiver{reqs: map[string]int{}, ok: map[string]int{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	opt := testOptions()
	opt.Poll = time.Hour // no claim by poll: what is sent was handed over (or woken)
	w := NewWorker(opt, st, nil)
	if _, ok := w.Reserve(1); ok {
		t.Fatal("Reserve before Run: want refused")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	waitFor(t, "the worker running", w.running.Load)

	const n = 30
	lease, ok := w.Reserve(n)
	if !ok || !lease.After(time.Now()) {
		t.Fatalf("Reserve(%d) = %v, %v", n, lease, ok)
	}
	rows := make([]model.S2SOutbox, n)
	for i := range rows {
		rows[i] = model.S2SOutbox{Method: "GET", URL: fmt.Sprintf("%s/pb?id=h%d", srv.URL, i),
			Status: model.OutboxPending, NextAttemptAt: lease, CreatedAt: time.Now().UTC()}
	}
	if err := st.DB.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if got, err := claim(context.Background(), st, n, time.Now().UTC(), time.Minute); err != nil || len(got) != 0 {
		t.Fatalf("claim took %d leased rows (err %v), want none", len(got), err)
	}
	w.Deliver(lease, rows)
	// Half of the first sends fail (flakyReceiver): they back off and the
	// poll is an hour away, so wake the worker as a retry would be found.
	waitFor(t, "every handed row delivered", func() bool {
		w.Notify()
		return countStatus(t, st, model.OutboxDelivered) == n
	})
	cancel()
	<-done
	rcv.mu.Lock()
	for i := range n {
		if got := rcv.ok[fmt.Sprintf("h%d", i)]; got != 1 {
			t.Errorf("row h%d answered 2xx %d times, want 1", i, got)
		}
	}
	rcv.mu.Unlock()
	if w.reserved.Load() != 0 {
		t.Errorf("%d places still booked", w.reserved.Load())
	}

	// Handed to a worker that is gone: the row waits out its lease, then any
	// worker claims it.
	stopped := NewWorker(opt, st, nil)
	short := time.Now().UTC().Add(300 * time.Millisecond).Truncate(time.Microsecond)
	orphan := model.S2SOutbox{Method: "GET", URL: srv.URL + "/pb?id=orphan", Status: model.OutboxPending,
		NextAttemptAt: short, CreatedAt: time.Now().UTC()}
	if err := st.DB.Create(&orphan).Error; err != nil {
		t.Fatal(err)
	}
	stopped.Deliver(short, []model.S2SOutbox{orphan}) // queued in memory, never sent
	opt.Poll = 20 * time.Millisecond
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() { _ = NewWorker(opt, st, nil).Run(ctx2) }()
	waitFor(t, "the orphaned row delivered after its lease", func() bool {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.ok["orphan"] == 1
	})
}

// TestReserveBounded: places are bounded, and given back on Release.
func TestReserveBounded(t *testing.T) {
	w := NewWorker(testOptions(), nil, nil)
	w.running.Store(true)
	if _, ok := w.Reserve(cap(w.handed)); !ok {
		t.Fatal("Reserve(cap) refused")
	}
	if _, ok := w.Reserve(1); ok {
		t.Fatal("Reserve past the cap accepted")
	}
	w.Release(10)
	if _, ok := w.Reserve(10); !ok {
		t.Fatal("Reserve after Release refused")
	}
	if _, ok := w.Reserve(0); ok {
		t.Fatal("Reserve(0) accepted")
	}
}

// TestHandedRowWithShortLeaseIsNotSent: a handed row whose lease has less
// left than a send may take is left to be claimed when the lease ends, so it
// can never be sent by two senders.
func TestHandedRowWithShortLeaseIsNotSent(t *testing.T) {
	w := NewWorker(testOptions(), nil, nil)
	var started []int64
	start := func(r claimed) { started = append(started, r.ID) }
	for _, r := range []claimed{
		{ID: 1, lease: time.Now().Add(w.lease())},
		{ID: 2, lease: time.Now().Add(w.opt.Timeout)}, // waited too long in the queue
	} {
		w.reserved.Add(1)
		w.startHanded(r, start)
	}
	if len(started) != 1 || started[0] != 1 || w.reserved.Load() != 0 {
		t.Errorf("started %v with %d places booked, want only row 1 and none", started, w.reserved.Load())
	}
}

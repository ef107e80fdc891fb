package s2s

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// flakyReceiver is a traffic source that is down (connections dropped) until
// upAt, then fails every second request with a 500, and counts per id.
type flakyReceiver struct {
	mu       sync.Mutex
	upAt     time.Time
	reqs     map[string]int
	ok       map[string]int
	n        int
	alwaysKO map[string]bool
}

func (f *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if r.Method == http.MethodPost {
		_ = r.ParseForm()
		id = r.PostForm.Get("id")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs[id]++
	if time.Now().Before(f.upAt) {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	f.n++
	if f.n%2 == 0 || f.alwaysKO[id] {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	f.ok[id]++
	fmt.Fprint(w, "OK")
}

func insertOutbox(t *testing.T, st *store.Store, method, url, body string, created time.Time) int64 {
	t.Helper()
	row := model.S2SOutbox{Method: method, URL: url, Body: body, Status: model.OutboxPending,
		NextAttemptAt: time.Now().UTC(), CreatedAt: created}
	if err := st.DB.Create(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.ID
}

func testOptions() Options {
	return Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Poll: 10 * time.Millisecond,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 80 * time.Millisecond, Timeout: 2 * time.Second, Batch: 7, Workers: 4}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countStatus(t *testing.T, st *store.Store, status string) int64 {
	var n int64
	if err := st.DB.Model(&model.S2SOutbox{}).Where("status = ?", status).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWorkerDeliversThroughOutageOnceEach(t *testing.T) {
	st := testenv.Store(t)
	rcv := &flakyReceiver{upAt: time.Now().Add(400 * time.Millisecond), reqs: map[string]int{}, ok: map[string]int{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	const n = 40
	now := time.Now().UTC()
	for i := range n {
		if i%4 == 0 {
			insertOutbox(t, st, "POST", srv.URL+"/pb", fmt.Sprintf("id=%d&status=sale", i), now)
		} else {
			insertOutbox(t, st, "GET", fmt.Sprintf("%s/pb?id=%d", srv.URL, i), "", now)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Two workers on one database stand for two nodes claiming side by side.
	var runs sync.WaitGroup
	for range 2 {
		runs.Add(1)
		go func() { defer runs.Done(); _ = NewWorker(testOptions(), st, nil).Run(ctx) }()
	}
	defer func() { cancel(); runs.Wait() }()
	waitFor(t, "every postback delivered", func() bool { return countStatus(t, st, model.OutboxDelivered) == n })
	time.Sleep(200 * time.Millisecond) // let any wrong re-send show up
	cancel()
	runs.Wait()

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for i := range n {
		if got := rcv.ok[fmt.Sprint(i)]; got != 1 {
			t.Errorf("id %d answered 2xx %d times, want exactly 1", i, got)
		}
	}
	var rows []model.S2SOutbox
	st.DB.Find(&rows)
	retried := 0
	for _, r := range rows {
		var attempts []model.S2SAttempt
		st.DB.Where("outbox_id = ?", r.ID).Order("id").Find(&attempts)
		if len(attempts) != r.Attempts || r.Attempts < 1 {
			t.Errorf("row %d: attempts=%d but %d logged", r.ID, r.Attempts, len(attempts))
			continue
		}
		last := attempts[len(attempts)-1]
		if last.StatusCode != 200 || last.ResponseExcerpt != "OK" || r.DeliveredAt == nil {
			t.Errorf("row %d: last attempt %+v, delivered_at %v", r.ID, last, r.DeliveredAt)
		}
		for _, a := range attempts[:len(attempts)-1] {
			if a.Error == "" || a.AttemptedAt.IsZero() {
				t.Errorf("row %d: failed attempt without error/time: %+v", r.ID, a)
			}
		}
		if len(attempts) > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no row needed a retry: the receiver's outage did not happen")
	}
}

func TestDeadRowIsResendable(t *testing.T) {
	st := testenv.Store(t)
	rcv := &flakyReceiver{reqs: map[string]int{}, ok: map[string]int{}, alwaysKO: map[string]bool{"old": true}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	// Created past the retry window: its first failure makes it dead.
	id := insertOutbox(t, st, "GET", srv.URL+"/pb?id=old", "", time.Now().UTC().Add(-MinMaxAge-time.Hour))
	blocked := insertOutbox(t, st, "GET", "http://10.0.0.1/pb?id=x", "", time.Now().UTC())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = NewWorker(testOptions(), st, nil).Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "both rows dead", func() bool { return countStatus(t, st, model.OutboxDead) == 2 })

	var b model.S2SOutbox
	st.DB.First(&b, blocked)
	if b.Attempts != 1 || b.LastError == "" {
		t.Errorf("blocked row: %+v, want one refused attempt", b)
	}
	if err := Resend(context.Background(), st, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Resend(unknown) = %v", err)
	}
	rcv.mu.Lock()
	rcv.alwaysKO = nil
	rcv.mu.Unlock()
	if err := Resend(context.Background(), st, id); err != nil {
		t.Fatal(err)
	}
	// The resent row gets a fresh window: it keeps retrying the flaky receiver until a 2xx.
	waitFor(t, "resent row delivered", func() bool {
		var r model.S2SOutbox
		st.DB.First(&r, id)
		return r.Status == model.OutboxDelivered
	})
	page, total, err := List(context.Background(), st, SentFilter{Status: model.OutboxDelivered})
	if err != nil || total != 1 || len(page) != 1 || page[0].ID != id || len(page[0].Attempts) < 2 {
		t.Fatalf("List delivered = %+v total=%d err=%v", page, total, err)
	}
	if err := Resend(context.Background(), st, blocked); err != nil {
		t.Fatal(err)
	}
	if err := Resend(context.Background(), st, blocked); !errors.Is(err, ErrNotResendable) {
		t.Errorf("Resend(pending) = %v, want ErrNotResendable", err)
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	w := NewWorker(Options{BackoffBase: time.Second, BackoffMax: time.Minute}, nil, nil)
	cases := []struct {
		attempt  int
		min, max time.Duration
	}{{1, 500 * time.Millisecond, time.Second}, {2, time.Second, 2 * time.Second}, {4, 4 * time.Second, 8 * time.Second},
		{10, 30 * time.Second, time.Minute}, {60, 30 * time.Second, time.Minute}}
	for _, c := range cases {
		for range 50 {
			if d := w.backoff(c.attempt); d < c.min || d > c.max {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", c.attempt, d, c.min, c.max)
			}
		}
	}
	if w.opt.MaxAge != MinMaxAge {
		t.Errorf("MaxAge default %v, want %v", w.opt.MaxAge, MinMaxAge)
	}
}

// TestRunDrainsInFlightSends stops the worker while a send is in flight: Run
// returns only once that send has finished and been recorded.
func TestRunDrainsInFlightSends(t *testing.T) {
	st := testenv.Store(t)
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "late but fine")
	}))
	defer srv.Close()
	id := insertOutbox(t, st, "GET", srv.URL+"/pb", "", time.Now().UTC())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- NewWorker(testOptions(), st, nil).Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var row model.S2SOutbox
	st.DB.First(&row, id)
	if row.Status != model.OutboxDelivered || row.Attempts != 1 {
		t.Errorf("after shutdown: %+v, want the in-flight send delivered and recorded", row)
	}
}

package s2s

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// switchReceiver answers 503 while down (and always to ids in failing),
// else 200, counting requests and 2xx per id.
type switchReceiver struct {
	mu      sync.Mutex
	down    bool
	failing map[string]bool
	reqs    map[string]int
	ok      map[string]int
}

func (s *switchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs[id]++
	if s.down || s.failing[id] {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	s.ok[id]++
	fmt.Fprint(w, "OK")
}

func (s *switchReceiver) set(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

func newSwitchReceiver(t *testing.T, down bool) (*switchReceiver, string) {
	rcv := &switchReceiver{down: down, reqs: map[string]int{}, ok: map[string]int{}}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	return rcv, srv.URL
}

// rowsWhere counts outbox rows matching a condition.
func rowsWhere(t *testing.T, st *store.Store, cond string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := st.DB.Model(&model.S2SOutbox{}).Where(cond, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecoveredHostCatchesUp: host A is down, its rows back off for seconds;
// once A answers, the first 2xx pulls them forward and they all arrive well
// before their backoff ends, each exactly once. Host B, still failing, keeps
// its backoff and is not retried early.
func TestRecoveredHostCatchesUp(t *testing.T) {
	st := testenv.Store(t)
	a, aURL := newSwitchReceiver(t, true)
	b, bURL := newSwitchReceiver(t, true)
	bu, _ := url.Parse(bURL)
	// B is a different hostname on loopback (the fake resolver points it at 127.0.0.1).
	bBase := "http://other-source.test:" + bu.Port()
	opt := testOptions()
	opt.Resolver = fakeResolver{"other-source.test": {"127.0.0.1"}}
	opt.Poll = 20 * time.Millisecond
	opt.BackoffBase, opt.BackoffMax = 20*time.Second, time.Minute // first retry 10-20 s later
	const n = 30
	now := time.Now().UTC()
	for i := range n {
		insertOutbox(t, st, "GET", fmt.Sprintf("%s/pb?id=a%d", aURL, i), "", now)
		insertOutbox(t, st, "GET", fmt.Sprintf("%s/pb?id=b%d", bBase, i), "", now)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var runs sync.WaitGroup
	for range 2 { // two nodes
		runs.Add(1)
		go func() { defer runs.Done(); _ = NewWorker(opt, st, nil).Run(ctx) }()
	}
	defer func() { cancel(); runs.Wait() }()
	waitFor(t, "every row failed once and waits on backoff", func() bool {
		return rowsWhere(t, st, "status = 'pending' AND attempts = 1 AND retry_wait = 1") == 2*n
	})
	time.Sleep(10 * opt.Poll) // still down: no success, so nothing is pulled forward
	if got := rowsWhere(t, st, "attempts > 1"); got != 0 {
		t.Fatalf("%d rows retried early while their host was down", got)
	}
	if got := rowsWhere(t, st, "host = ?", "127.0.0.1"); got != n {
		t.Errorf("rows with host 127.0.0.1 = %d, want %d", got, n)
	}

	a.set(false)
	up := time.Now()
	insertOutbox(t, st, "GET", aURL+"/pb?id=fresh", "", time.Now().UTC()) // due now: the first 2xx
	waitFor(t, "host A's backlog delivered", func() bool {
		return rowsWhere(t, st, "status = 'delivered'") == n+1
	})
	took := time.Since(up)
	t.Logf("%d rows in backoff delivered %v after the receiver came back", n, took)
	if took > 5*time.Second {
		t.Errorf("catch-up took %v, want well under the 10 s backoff", took)
	}
	time.Sleep(10 * opt.Poll) // let any double send or early retry of B show up

	a.mu.Lock()
	for i := range n {
		if got := a.ok[fmt.Sprintf("a%d", i)]; got != 1 {
			t.Errorf("a%d answered 2xx %d times, want 1", i, got)
		}
	}
	a.mu.Unlock()
	b.mu.Lock()
	for i := range n {
		if got := b.reqs[fmt.Sprintf("b%d", i)]; got != 1 {
			t.Errorf("b%d requested %d times, want 1 (still backed off)", i, got)
		}
	}
	b.mu.Unlock()
	if got := rowsWhere(t, st, "host = ? AND status = 'pending' AND retry_wait = 1 AND next_attempt_at > ?",
		"other-source.test", time.Now().UTC().Add(5*time.Second)); got != n {
		t.Errorf("host B rows still backed off = %d, want %d", got, n)
	}
	var rows []model.S2SOutbox
	st.DB.Where("status = 'delivered'").Find(&rows)
	for _, r := range rows {
		var logged int64
		st.DB.Model(&model.S2SAttempt{}).Where("outbox_id = ?", r.ID).Count(&logged)
		if int(logged) != r.Attempts || (r.URL != aURL+"/pb?id=fresh" && r.Attempts != 2) {
			t.Errorf("row %d (%s): attempts=%d, logged=%d, want 2 logged (one failure, one 2xx)", r.ID, r.URL, r.Attempts, logged)
		}
	}
}

// TestStillFailingHostGetsNoBurst: a host that answers one 2xx but keeps
// failing the rest earns CatchUp early retries for that success, no more.
func TestStillFailingHostGetsNoBurst(t *testing.T) {
	st := testenv.Store(t)
	rcv, base := newSwitchReceiver(t, true)
	opt := testOptions()
	opt.Poll = 20 * time.Millisecond
	opt.BackoffBase, opt.BackoffMax = 20*time.Second, time.Minute
	opt.CatchUp = 3
	const n = 20
	for i := range n {
		insertOutbox(t, st, "GET", fmt.Sprintf("%s/pb?id=c%d", base, i), "", time.Now().UTC())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = NewWorker(opt, st, nil).Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "every row failed once", func() bool {
		return rowsWhere(t, st, "attempts = 1 AND retry_wait = 1") == n
	})
	rcv.mu.Lock()
	rcv.down, rcv.failing = false, map[string]bool{}
	for i := range n {
		rcv.failing[fmt.Sprintf("c%d", i)] = true
	}
	rcv.mu.Unlock()
	insertOutbox(t, st, "GET", base+"/pb?id=lucky", "", time.Now().UTC())
	waitFor(t, "the lucky row delivered", func() bool { return rowsWhere(t, st, "status = 'delivered'") == 1 })
	time.Sleep(20 * opt.Poll)
	if got := rowsWhere(t, st, "attempts = 2"); got != int64(opt.CatchUp) {
		t.Errorf("rows retried early = %d, want %d (CatchUp per success)", got, opt.CatchUp)
	}
	if got := rowsWhere(t, st, "status = 'pending' AND retry_wait = 1 AND next_attempt_at > ?", time.Now().UTC()); got != n {
		t.Errorf("rows backed off = %d, want all %d", got, n)
	}
}

// TestPullForwardLeavesLeasesAndOtherHosts checks the UPDATE itself: only the
// host's rows waiting on backoff move, within the limit; leased, due,
// delivered and other hosts' rows do not.
func TestPullForwardLeavesLeasesAndOtherHosts(t *testing.T) {
	st := testenv.Store(t)
	now := time.Now().UTC().Truncate(time.Second)
	later := now.Add(time.Hour)
	type row struct {
		name, host, status string
		wait               int
		next               time.Time
		moves              bool
	}
	rows := []row{
		{"waiting 1", "a.test", "pending", 1, later, true},
		{"waiting 2", "a.test", "pending", 1, later.Add(time.Minute), true},
		{"waiting beyond limit", "a.test", "pending", 1, later.Add(2 * time.Minute), false},
		{"leased", "a.test", "pending", 0, later, false},
		{"already due", "a.test", "pending", 1, now.Add(-time.Second), false},
		{"dead", "a.test", "dead", 1, later, false},
		{"other host", "b.test", "pending", 1, later, false},
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = insertOutbox(t, st, "GET", "http://"+r.host+"/pb", "", now)
		err := st.DB.Exec(`UPDATE s2s_outbox SET host = ?, status = ?, retry_wait = ?, next_attempt_at = ? WHERE id = ?`,
			r.host, r.status, r.wait, r.next, ids[i]).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	n, err := pullForward(context.Background(), st, "a.test", now, 2)
	if err != nil || n != 2 {
		t.Fatalf("pullForward = %d, %v; want 2 rows", n, err)
	}
	for i, r := range rows {
		var got model.S2SOutbox
		st.DB.First(&got, ids[i])
		moved := got.NextAttemptAt.Equal(now)
		if moved != r.moves {
			t.Errorf("%s: next_attempt_at %v, moved=%v want %v", r.name, got.NextAttemptAt, moved, r.moves)
		}
	}
}

func TestHostOf(t *testing.T) {
	cases := map[string]string{
		"http://Example.COM/pb?x=1":        "example.com",
		"https://user:pw@Host.test:8443/a": "host.test",
		"http://[::1]:80/x":                "::1",
		"http://127.0.0.1:9/":              "127.0.0.1",
		"::bad":                            "",
	}
	for in, want := range cases {
		if got := hostOf(in); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", in, got, want)
		}
	}
}

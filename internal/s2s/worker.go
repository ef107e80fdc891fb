package s2s

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

// claimLinger is how long a woken worker waits before claiming.
const claimLinger = 2 * time.Millisecond

// MinMaxAge is the shortest retry window: a traffic source may be down for a
// weekend and must still get its postbacks.
const MinMaxAge = 72 * time.Hour

// Options configure the outbox worker.
type Options struct {
	AllowPrivate   []netip.Prefix // ranges reachable despite the SSRF guard
	ConnectTimeout time.Duration  // default 3s
	Timeout        time.Duration  // whole request; default 10s
	PerHost        int            // concurrent connections per host; default 4
	MaxAge         time.Duration  // retry window; at least MinMaxAge (72h)
	Poll           time.Duration  // how often to look for due rows; default 250ms
	Batch          int            // rows claimed per query; default 50
	Workers        int            // concurrent sends; default 16
	BackoffBase    time.Duration  // first retry delay; default 30s
	BackoffMax     time.Duration  // longest retry delay; default 2h
	Resolver       Resolver       // default net.DefaultResolver (tests fake it)
	// CatchUp is how many of a host's rows waiting on backoff each 2xx from
	// that host makes due now (see catchup.go); default 2, negative turns
	// catch-up off.
	CatchUp int
}

func (o *Options) defaults() {
	if o.MaxAge < MinMaxAge {
		o.MaxAge = MinMaxAge
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 30 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 2 * time.Hour
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.CatchUp == 0 {
		o.CatchUp = 2
	}
}

// Worker delivers due outbox rows. Several workers (on several nodes) may run
// against one database: a claimed row carries a lease (next_attempt_at moved
// past the longest possible send), so nobody else picks it up meanwhile, and
// a node that dies mid-send only delays the row until the lease ends.
type Worker struct {
	opt    Options
	st     *store.Store
	db     *gorm.DB // st.DB for recordBatch's transaction (txDB)
	log    *slog.Logger
	client *http.Client
	kick   chan struct{}
	// emptyPull is when a catch-up last found none of a host's rows
	// waiting; the recorder's goroutine alone uses it (catchup.go).
	emptyPull map[string]time.Time
	handoffState
}

// NewWorker builds a worker; call Run to start it.
func NewWorker(opt Options, st *store.Store, log *slog.Logger) *Worker {
	opt.defaults()
	if log == nil {
		log = slog.Default()
	}
	client := NewClient(ClientOptions{AllowPrivate: opt.AllowPrivate, ConnectTimeout: opt.ConnectTimeout,
		Timeout: opt.Timeout, PerHost: opt.PerHost, Resolver: opt.Resolver})
	w := &Worker{opt: opt, st: st, log: log.With("component", "s2s"), client: client, kick: make(chan struct{}, 1),
		emptyPull: map[string]time.Time{}}
	w.handed = make(chan claimed, opt.Workers*handoffPerWorker)
	if st != nil { // nil in tests of the pure parts
		w.db = st.DB
	}
	return w
}

// Notify wakes the worker now instead of at the next poll (call it after
// committing outbox rows; it never blocks).
func (w *Worker) Notify() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// lease is how long a claimed row stays invisible to other claimers: longer
// than any send (the client's overall timeout) plus time to record it.
func (w *Worker) lease() time.Duration { return w.opt.Timeout + 30*time.Second }

// Run claims and sends due rows, and sends the rows handed over
// (handoff.go), until ctx ends, then waits for the sends in flight to
// finish and be recorded (they are not cut short) and returns nil.
func (w *Worker) Run(ctx context.Context) error {
	slots := make(chan struct{}, w.opt.Workers)
	sendCtx := context.WithoutCancel(ctx)
	done := make(chan outcome, w.opt.Workers)
	recorded := make(chan struct{})
	go func() { defer close(recorded); w.recorder(sendCtx, done) }()
	var wg sync.WaitGroup
	start := func(r claimed) {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			w.deliver(sendCtx, r, done)
		}()
	}
	w.running.Store(true)
	defer func() {
		w.running.Store(false)
		w.sendHanded(start) // handed over before the stop: sent now, not after their lease
		wg.Wait()
		close(done)
		<-recorded
	}()
	tick := time.NewTicker(w.opt.Poll)
	defer tick.Stop()
	claimNow := true // false after taking handed rows: nothing new is due then
	for {
		full := false
		if free := cap(slots) - len(slots); claimNow && free > 0 && ctx.Err() == nil {
			n := min(free, w.opt.Batch)
			rows, err := claim(ctx, w.st, n, time.Now().UTC(), w.lease())
			if err != nil && ctx.Err() == nil {
				w.log.Error("claim s2s postbacks", "err", err)
			}
			for _, r := range rows {
				start(r)
			}
			full = len(rows) == n
		}
		if full {
			if ctx.Err() != nil {
				return nil
			}
			w.sendHanded(start)
			continue
		}
		claimNow = true
		select {
		case <-ctx.Done():
			return nil
		case r := <-w.handed:
			w.startHanded(r, start)
			w.sendHanded(start)
			claimNow = false
		case <-tick.C:
		case <-w.kick:
			// Commits come in bursts: let the next few land too, so
			// that one claim takes them all.
			time.Sleep(claimLinger)
		}
	}
}

// sendHanded starts the rows waiting in the hand-off queue.
func (w *Worker) sendHanded(start func(claimed)) {
	for {
		select {
		case r := <-w.handed:
			w.startHanded(r, start)
		default:
			return
		}
	}
}

// backoff is the delay before retry number attempts (1-based): exponential
// from BackoffBase, capped at BackoffMax, with "equal jitter" (half fixed,
// half random) so a source coming back up is not hit by every row at once.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.opt.BackoffBase
	for i := 1; i < attempts && d < w.opt.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, w.opt.BackoffMax)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

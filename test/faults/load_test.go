//go:build faults

package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// noRedirectClient keeps the 302 as the answer (the Location is what we read).
func noRedirectClient(timeout time.Duration, conns int) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		MaxIdleConnsPerHost: conns,
		MaxIdleConns:        conns * 2,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// pacer hands out request slots at a fixed rate to a pool of workers; it
// stops when ctx ends. A slot no worker could take in time is counted as
// missed, so a stalled server shows up instead of silently lowering the rate.
func pacer(ctx context.Context, rate int, slots chan<- struct{}, missed *atomic.Int64) {
	defer close(slots)
	interval := time.Second / time.Duration(rate)
	begin := time.Now()
	for i := 0; ; {
		for next := begin.Add(time.Duration(i) * interval); !next.After(time.Now()); next = begin.Add(time.Duration(i) * interval) {
			select {
			case slots <- struct{}{}:
			default:
				missed.Add(1)
			}
			i++
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// paceWorkers calls fn(i) for requests i = 1, 2, ... at rate per second on
// workers goroutines (counted in wg) until ctx ends.
func paceWorkers(ctx context.Context, rate, workers int, missed *atomic.Int64, wg *sync.WaitGroup, fn func(i int64)) {
	slots := make(chan struct{}, workers)
	go pacer(ctx, rate, slots, missed)
	var n atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range slots {
				fn(n.Add(1))
			}
		}()
	}
}

// transportError sorts a failed request: refused means no process was
// listening (nothing was in flight), anything else broke a request.
func transportError(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return "timeout"
	}
	return "broken"
}

// loadStats is shared by the click and postback loads.
type loadStats struct {
	sent, answered, missed atomic.Int64
	mu                     sync.Mutex
	codes                  map[int]int
	errs                   map[string]int
	lastErr                string
	lat                    map[int64][]time.Duration // by minute since start (soak's p99 per minute)
	began                  time.Time
}

func newLoadStats() *loadStats {
	return &loadStats{codes: map[int]int{}, errs: map[string]int{}, lat: map[int64][]time.Duration{}, began: time.Now()}
}

func (s *loadStats) answer(code int, took time.Duration) {
	s.answered.Add(1)
	s.mu.Lock()
	s.codes[code]++
	m := int64(time.Since(s.began) / time.Minute)
	s.lat[m] = append(s.lat[m], took)
	s.mu.Unlock()
}

func (s *loadStats) fail(err error) {
	s.mu.Lock()
	s.errs[transportError(err)]++
	s.lastErr = err.Error()
	s.mu.Unlock()
}

// p99 is the 99th percentile latency of minute m (or of all minutes, m < 0).
func (s *loadStats) p99(m int64) time.Duration {
	s.mu.Lock()
	var d []time.Duration
	for k, v := range s.lat {
		if m < 0 || k == m {
			d = append(d, v...)
		}
	}
	s.mu.Unlock()
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, len(d)*99/100)]
}

func (s *loadStats) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("sent=%d answered=%d codes=%v transport_errors=%v missed_slots=%d",
		s.sent.Load(), s.answered.Load(), s.codes, s.errs, s.missed.Load())
}

// clickLoad hits a tracking link at a fixed rate, round-robin over nodes, and
// keeps every click id a redirect acknowledged.
type clickLoad struct {
	*loadStats
	nodes  []*kiteNode
	alias  string
	rate   int
	client *http.Client
	idsMu  sync.Mutex
	ids    []string
	idAt   []time.Time
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startClicks(nodes []*kiteNode, alias string, rate int) *clickLoad {
	workers := max(16, rate/10) // enough that server latency, not the pool, limits the rate
	l := &clickLoad{loadStats: newLoadStats(), nodes: nodes, alias: alias, rate: rate,
		client: noRedirectClient(10*time.Second, workers)}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	paceWorkers(ctx, rate, workers, &l.missed, &l.done, func(i int64) { l.hit(l.nodes[int(i)%len(l.nodes)], i) })
	return l
}

func (l *clickLoad) hit(node *kiteNode, i int64) {
	code, location := fetch(l.client, l.loadStats, node.url(fmt.Sprintf("/%s?sub_id_1=f%d&external_id=e%d", l.alias, i, i)))
	if code != http.StatusFound {
		return
	}
	loc, err := url.Parse(location)
	if id := loc.Query().Get("subid"); err == nil && id != "" {
		l.idsMu.Lock()
		l.ids = append(l.ids, id)
		l.idAt = append(l.idAt, time.Now())
		l.idsMu.Unlock()
	}
}

// stop ends the load and waits for requests in flight.
func (l *clickLoad) stop() {
	l.cancel()
	l.done.Wait()
	l.client.CloseIdleConnections()
}

// acked is every click id a redirect answered so far.
func (l *clickLoad) acked() []string {
	l.idsMu.Lock()
	defer l.idsMu.Unlock()
	return append([]string(nil), l.ids...)
}

// olderID picks a random acknowledged click at least age old (it is in Redis
// by then), or "" when there is none yet.
func (l *clickLoad) olderID(r *rand.Rand, age time.Duration) string {
	l.idsMu.Lock()
	defer l.idsMu.Unlock()
	cut := sort.Search(len(l.idAt), func(i int) bool { return time.Since(l.idAt[i]) < age })
	if cut == 0 {
		return ""
	}
	lo := max(0, cut-5000) // recent clicks, as real conversions are
	return l.ids[lo+r.IntN(cut-lo)]
}

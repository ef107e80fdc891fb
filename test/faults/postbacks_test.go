//go:build faults

package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// postbackLoad converts acknowledged clicks at a fixed rate (status sale, a
// unique tid each) and keeps every tid Kite accepted with a 200.
type postbackLoad struct {
	*loadStats
	nodes      []*kiteNode
	clicks     *clickLoad
	run        string
	client     *http.Client
	mu         sync.Mutex
	accepted   []string // tids answered 200
	queued     int      // of those, answered "queued" (saved to the spool, applied later)
	retryLater int      // 503 with a Retry-After header
	noRetry    int      // 503 without one
	cancel     context.CancelFunc
	done       sync.WaitGroup
}

func startPostbacks(nodes []*kiteNode, clicks *clickLoad, rate int) *postbackLoad {
	workers := max(8, rate/2) // postbacks are slower than clicks
	l := &postbackLoad{loadStats: newLoadStats(), nodes: nodes, clicks: clicks,
		run: fmt.Sprintf("r%d", time.Now().UnixNano()%1e9), client: noRedirectClient(10*time.Second, workers)}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	slots := make(chan struct{}, workers)
	go pacer(ctx, rate, slots, &l.missed)
	var n atomic.Int64
	for w := range workers {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for range slots {
				subid := clicks.olderID(r, time.Second)
				if subid == "" {
					continue
				}
				i := n.Add(1)
				l.hit(l.nodes[int(i)%len(l.nodes)], subid, fmt.Sprintf("%s-%d", l.run, i))
			}
		}()
	}
	return l
}

func (l *postbackLoad) hit(node *kiteNode, subid, tid string) {
	l.sent.Add(1)
	q := url.Values{"subid": {subid}, "tid": {tid}, "status": {"sale"}, "payout": {"12.5"}}
	start := time.Now()
	resp, err := l.client.Get(node.url("/" + postbackKey + "/postback?" + q.Encode()))
	if err != nil {
		l.fail(err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	l.answer(resp.StatusCode, time.Since(start))
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case resp.StatusCode == http.StatusOK:
		l.accepted = append(l.accepted, tid)
		if bytes.Contains(body, []byte(`"outcome":"queued"`)) {
			l.queued++
		}
	case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		l.retryLater++
	case resp.StatusCode == http.StatusServiceUnavailable:
		l.noRetry++
	}
}

func (l *postbackLoad) stop() {
	l.cancel()
	l.done.Wait()
	l.client.CloseIdleConnections()
}

// acceptedTIDs is every tid answered 200.
func (l *postbackLoad) acceptedTIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.accepted...)
}

// queuedCount is how many postbacks were answered 200 "queued".
func (l *postbackLoad) queuedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queued
}

// counts503 is (503 with Retry-After, 503 without).
func (l *postbackLoad) counts503() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.retryLater, l.noRetry
}

// TestPostbacksUnderClickOverload (only with FAULTS_OVERLOAD=20s): clicks
// at FAULTS_OVERLOAD_CLICK_RATE (5,000/s, past what this box holds) and
// postbacks at 100/s. Halfway it takes a goroutine profile of the node and
// prints where postback requests are waiting, then postback latency
// (p50/p99/max, how many over 1 s). It passes when every postback was
// answered and every accepted one stored once: the question is why
// postbacks starve, so the profile is the point.
func TestPostbacksUnderClickOverload(t *testing.T) {
	total := duration("FAULTS_OVERLOAD", 0)
	if total == 0 {
		t.Skip("set FAULTS_OVERLOAD=20s to run the overload diagnosis")
	}
	debug := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	rg := newRig(t, 1, map[string]string{"KITE_DEBUG_LISTEN": debug})
	clicks := startClicks(rg.nodes, rg.camp.alias, rate("FAULTS_OVERLOAD_CLICK_RATE", 5000))
	pbs := startPostbacks(rg.nodes, clicks, rate("FAULTS_OVERLOAD_POSTBACK_RATE", 100))
	time.Sleep(total / 2)
	waits := postbackWaits(t, "http://"+debug+"/debug/pprof/goroutine?debug=1")
	time.Sleep(total / 2)
	clicks.stop()
	pbs.stop()
	for _, w := range waits {
		t.Logf("postback goroutines waiting: %s", w)
	}
	lat := pbs.latencies()
	p, err := rg.db.waitStored("conversions", "tid", pbs.acceptedTIDs(), 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ok := unanswered(pbs.loadStats) == 0 && p.lost == 0 && p.duplicated == 0
	verdict(t, ok, "%s at %d clicks/s (answered %d, %.0f/s) + %d postbacks/s: postbacks sent=%d answered=%d accepted=%d "+
		"(queued=%d) stored=%d lost=%d | postback latency p50 %s p99 %s max %s, over 1s: %d | clicks p99 %s",
		total, clicks.rate, clicks.answered.Load(), float64(clicks.answered.Load())/total.Seconds(),
		rate("FAULTS_OVERLOAD_POSTBACK_RATE", 100), pbs.sent.Load(), pbs.answered.Load(), p.acked, pbs.queuedCount(),
		p.stored, p.lost, lat.at(50), lat.at(99), lat.at(100), lat.over(time.Second), clicks.p99(-1).Round(time.Millisecond))
}

// latencies are sorted request durations.
type latencies []time.Duration

func (s *loadStats) latencies() latencies {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d latencies
	for _, v := range s.lat {
		d = append(d, v...)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}

func (l latencies) at(pct int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[min(len(l)-1, len(l)*pct/100)].Round(time.Millisecond)
}

func (l latencies) over(d time.Duration) int {
	return len(l) - sort.Search(len(l), func(i int) bool { return l[i] > d })
}

// postbackWaits reads a goroutine profile (debug=1: stacks grouped with a
// count) and sums the goroutines serving a postback by where they wait: the
// first frames below the runtime, most frequent first.
func postbackWaits(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Logf("goroutine profile: %v", err)
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	byWait := map[string]int{}
	for _, group := range strings.Split(string(body), "\n\n") {
		if !strings.Contains(group, "HandlePostback") {
			continue
		}
		var n int
		fmt.Sscan(strings.TrimSpace(group), &n)
		var frames []string
		for _, line := range strings.Split(group, "\n") {
			f := strings.Fields(line)
			if len(f) < 3 || f[0] != "#" {
				continue
			}
			name, _, _ := strings.Cut(f[2], "+0x")
			if len(frames) == 0 && (strings.HasPrefix(name, "runtime.") || strings.HasPrefix(name, "internal/")) {
				continue
			}
			frame := name[strings.LastIndex(name, "/")+1:]
			if len(frames) == 0 && len(f) > 3 { // where exactly: which wait in that function
				frame += " (" + f[3][strings.LastIndex(f[3], "/")+1:] + ")"
			}
			frames = append(frames, frame)
			if len(frames) == 4 {
				break
			}
		}
		byWait[strings.Join(frames, " < ")] += n
	}
	var out []string
	for w, n := range byWait {
		out = append(out, fmt.Sprintf("%4d  %s", n, w))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

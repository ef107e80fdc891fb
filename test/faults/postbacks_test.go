//go:build faults

package faults

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
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
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	l.answer(resp.StatusCode, time.Since(start))
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case resp.StatusCode == http.StatusOK:
		l.accepted = append(l.accepted, tid)
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

// counts503 is (503 with Retry-After, 503 without).
func (l *postbackLoad) counts503() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.retryLater, l.noRetry
}

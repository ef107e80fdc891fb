//go:build faults

package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// lpLoad sends visitors through a landing campaign at a fixed rate,
// round-robin over nodes, and a second later clicks each landing's offer
// link (/?_lp=1&_token=...) on the next node: by then the click is usually
// stored by an earlier writer batch, so the LP event updates a stored click
// of any sub_id_1, which is what two writers must not deadlock on.
type lpLoad struct {
	nodes             []*kiteNode
	alias             string
	client            *http.Client
	visits            *loadStats
	lpHits            *loadStats
	mu                sync.Mutex
	landed            []string // click ids whose landing-to-offer click got its 302
	cancel            context.CancelFunc
	visitors, readers sync.WaitGroup
	due               chan landingVisit
}

type landingVisit struct {
	id   string
	at   time.Time
	node int
}

// lpDelay is how long a visitor reads the landing before clicking through.
const lpDelay = time.Second

// lpZones is how many sub_id_1 values the landing visitors come with: enough
// that one writer batch holds some, not all.
const lpZones = 1000

func startLPs(nodes []*kiteNode, alias string, rate int) *lpLoad {
	workers := max(8, rate/10)
	l := &lpLoad{nodes: nodes, alias: alias, client: noRedirectClient(10*time.Second, 2*workers),
		visits: newLoadStats(), lpHits: newLoadStats(), due: make(chan landingVisit, rate*4+16)}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	paceWorkers(ctx, rate, workers, &l.visits.missed, &l.visitors, func(i int64) { l.visit(int(i)%len(l.nodes), i) })
	for range workers {
		l.readers.Add(1)
		go func() {
			defer l.readers.Done()
			for v := range l.due {
				time.Sleep(time.Until(v.at.Add(lpDelay)))
				l.clickThrough(v)
			}
		}()
	}
	return l
}

func (l *lpLoad) visit(node int, i int64) {
	// Zones repeat (lpZones of them), as in real traffic: two writers then share cube rows.
	code, loc := fetch(l.client, l.visits, l.nodes[node].url(fmt.Sprintf("/%s?sub_id_1=l%d", l.alias, i%lpZones)))
	u, err := url.Parse(loc)
	if code != http.StatusFound || err != nil || u.Query().Get("subid") == "" {
		return
	}
	l.due <- landingVisit{id: u.Query().Get("subid"), at: time.Now(), node: (node + 1) % len(l.nodes)}
}

func (l *lpLoad) clickThrough(v landingVisit) {
	if code, _ := fetch(l.client, l.lpHits, l.nodes[v.node].url("/?_lp=1&_token="+url.QueryEscape(v.id))); code == http.StatusFound {
		l.mu.Lock()
		l.landed = append(l.landed, v.id)
		l.mu.Unlock()
	}
}

// fetch GETs u without following redirects, counts the answer in s, and
// returns its status (0 when no answer came) and Location.
func fetch(c *http.Client, s *loadStats, u string) (int, string) {
	s.sent.Add(1)
	start := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		s.fail(err)
		return 0, ""
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.answer(resp.StatusCode, time.Since(start))
	return resp.StatusCode, resp.Header.Get("Location")
}

// stop ends the visits, waits for the click-throughs still due, and returns
// the click ids whose landing-to-offer click was answered.
func (l *lpLoad) stop() []string {
	l.cancel()
	l.visitors.Wait()
	close(l.due)
	l.readers.Wait()
	l.client.CloseIdleConnections()
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.landed...)
}

// deadlocks counts "deadlock detected" in the nodes' logs: a writer retries
// such a batch, so nothing is lost, but the lock order is meant to make them
// impossible.
func deadlocks(nodes []*kiteNode) int {
	n := 0
	for _, node := range nodes {
		b, _ := os.ReadFile(node.logPath)
		n += strings.Count(string(b), "deadlock detected")
	}
	return n
}

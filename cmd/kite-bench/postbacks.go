package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

func init() {
	register("postbacks", "fire postbacks (duplicates, status upgrades); latency and S2S delivery time", runPostbacks)
}

// pbLoad is one postback load run.
type pbLoad struct {
	url, key, clicksFile, receiver string
	subids, rate, concurrency      int
	duration, drain, timeout       time.Duration
	dup, upgrade                   float64
}

// pbKey names one postback; the S2S receiver matches deliveries by it, so the
// traffic source's postback URL must carry {subid}, {tid} and {status}.
type pbKey struct{ subid, tid, status string }

// pbHistory is what was sent, to draw duplicates and upgrades from, and when
// each postback was first sent (the start of its S2S delay).
type pbHistory struct {
	mu    sync.Mutex
	sent  []pbKey
	leads []pbKey
	first map[pbKey]time.Time
	next  atomic.Int64
	run   string // tid prefix: a rerun must not repeat an earlier run's postbacks
}

func runPostbacks(args []string) error {
	fs := flag.NewFlagSet("postbacks", flag.ContinueOnError)
	l := pbLoad{}
	fs.StringVar(&l.url, "url", "http://127.0.0.1:8080", "Kite base URL")
	fs.StringVar(&l.key, "key", "", "the tracker's postback key")
	fs.StringVar(&l.clicksFile, "clicks", "", "file of click ids (one a line) to convert")
	fs.IntVar(&l.subids, "subids", 1000, "without -clicks: this many random click ids (unattributed conversions)")
	fs.IntVar(&l.rate, "rate", 0, "postbacks per second; 0 = flat out")
	fs.IntVar(&l.concurrency, "concurrency", 32, "workers (connections)")
	fs.DurationVar(&l.duration, "duration", 20*time.Second, "how long to send")
	fs.Float64Var(&l.dup, "dup", 0.3, "share of exact repeats of an earlier postback")
	fs.Float64Var(&l.upgrade, "upgrade", 0.1, "share of lead -> sale upgrades of an earlier postback")
	fs.StringVar(&l.receiver, "receiver", "", "serve an S2S receiver on this address (e.g. 127.0.0.1:18091) and measure postback -> S2S delivery")
	fs.DurationVar(&l.drain, "drain", 10*time.Second, "with -receiver: how long to wait for the last S2S postbacks")
	fs.DurationVar(&l.timeout, "timeout", 5*time.Second, "per-request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if l.key == "" || l.duration <= 0 || l.rate < 0 || l.concurrency < 1 {
		return errors.New("postbacks: -key is required, -duration > 0, -rate >= 0, -concurrency >= 1")
	}
	ids, err := l.clickIDs()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	h := &pbHistory{first: map[pbKey]time.Time{}, run: strconv.FormatInt(time.Now().Unix(), 36)}
	var rcv *s2sReceiver
	if l.receiver != "" {
		if rcv, err = startReceiver(l.receiver); err != nil {
			return err
		}
		defer rcv.close()
		fmt.Printf("postbacks: S2S receiver on http://%s/s2s?subid={subid}&tid={tid}&status={status}\n", l.receiver)
	}
	fmt.Printf("postbacks: %s, %d click ids, dup %.0f%%, upgrade %.0f%%, %s\n", l.url, len(ids), l.dup*100, l.upgrade*100, l.duration)
	began := time.Now()
	stats := l.run(ctx, ids, h)
	elapsed := time.Since(began)
	printClickReport(stats, elapsed)
	if rcv != nil {
		rcv.report(ctx, h, l.drain)
	}
	return nil
}

func (l pbLoad) clickIDs() ([]string, error) {
	if l.clicksFile == "" {
		ids := make([]string, l.subids)
		for i := range ids {
			ids[i] = uuid.Must(uuid.NewV7()).String()
		}
		return ids, nil
	}
	f, err := os.Open(l.clicksFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			ids = append(ids, s)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("postbacks: no click ids in " + l.clicksFile)
	}
	return ids, sc.Err()
}

// run sends postbacks with the clicks bench's workers and report shape.
func (l pbLoad) run(ctx context.Context, ids []string, h *pbHistory) []*workerStats {
	ctx, cancel := context.WithTimeout(ctx, l.duration)
	defer cancel()
	client := newClient(l.concurrency, l.timeout)
	defer client.CloseIdleConnections()
	var due chan time.Time
	if l.rate > 0 {
		due = make(chan time.Time, l.concurrency*4)
		go schedule(ctx, l.rate, due)
	}
	all := make([]*workerStats, l.concurrency)
	var wg sync.WaitGroup
	for i := range all {
		s := &workerStats{codes: map[int]int{}}
		all[i] = s
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
			for {
				start := time.Now()
				if due != nil {
					t, ok := <-due
					if !ok {
						return
					}
					start = t
				} else if ctx.Err() != nil {
					return
				}
				k, lead := h.pick(r, ids, l.dup, l.upgrade)
				h.sending(k)
				s.hit(client, l.postbackURL(k, r), 0, start)
				if lead {
					h.answeredLead(k)
				}
			}
		}(uint64(i))
	}
	wg.Wait()
	return all
}

func (l pbLoad) postbackURL(k pbKey, r *rand.Rand) string {
	q := url.Values{"subid": {k.subid}, "tid": {k.tid}, "status": {k.status}}
	if k.status == "sale" {
		q.Set("payout", fmt.Sprintf("%d.%02d", 1+r.IntN(50), r.IntN(100)))
	}
	return strings.TrimRight(l.url, "/") + "/" + url.PathEscape(l.key) + "/postback?" + q.Encode()
}

// pick draws the next postback: a repeat, an upgrade of an answered lead, or
// a new one (half leads, half sales); lead tells a new lead.
func (h *pbHistory) pick(r *rand.Rand, ids []string, dup, upgrade float64) (k pbKey, lead bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	x := r.Float64()
	if x < dup && len(h.sent) > 0 {
		return h.sent[r.IntN(len(h.sent))], false
	}
	if x < dup+upgrade && len(h.leads) > 0 {
		i := r.IntN(len(h.leads))
		k = h.leads[i]
		h.leads[i] = h.leads[len(h.leads)-1]
		h.leads = h.leads[:len(h.leads)-1]
		k.status = "sale"
		return k, false
	}
	n := h.next.Add(1)
	k = pbKey{subid: ids[int(n)%len(ids)], tid: h.run + "-" + strconv.FormatInt(n, 10), status: "sale"}
	if r.IntN(2) == 0 {
		k.status = "lead"
	}
	return k, k.status == "lead"
}

// answeredLead makes a lead available for an upgrade once Kite has it (an
// upgrade overtaking its lead would turn the lead into an ignored one).
func (h *pbHistory) answeredLead(k pbKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leads = append(h.leads, k)
}

// sending notes a postback about to go out.
func (h *pbHistory) sending(k pbKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.first[k]; !ok {
		h.first[k] = time.Now()
		if len(h.sent) < 1<<20 {
			h.sent = append(h.sent, k)
		}
	}
}

// s2sReceiver is a healthy traffic source that times each S2S postback.
type s2sReceiver struct {
	srv     *http.Server
	mu      sync.Mutex
	arrived map[pbKey]time.Time
	repeats int
}

func startReceiver(addr string) (*s2sReceiver, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &s2sReceiver{arrived: map[pbKey]time.Time{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *s2sReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	now := time.Now()
	_, _ = io.Copy(io.Discard, req.Body)
	_ = req.ParseForm()
	k := pbKey{req.Form.Get("subid"), req.Form.Get("tid"), req.Form.Get("status")}
	r.mu.Lock()
	if _, ok := r.arrived[k]; ok {
		r.repeats++
	} else {
		r.arrived[k] = now
	}
	r.mu.Unlock()
	_, _ = io.WriteString(w, "OK")
}

func (r *s2sReceiver) close() { _ = r.srv.Close() }

// report waits for stragglers and prints postback -> S2S delivery latency.
func (r *s2sReceiver) report(ctx context.Context, h *pbHistory, drain time.Duration) {
	h.mu.Lock()
	want := len(h.first)
	h.mu.Unlock()
	deadline := time.Now().Add(drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.mu.Lock()
		n := len(r.arrived)
		r.mu.Unlock()
		if n >= want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	var lat []time.Duration
	for k, at := range r.arrived {
		if sent, ok := h.first[k]; ok {
			lat = append(lat, at.Sub(sent))
		}
	}
	pct := percentiles(lat)
	fmt.Printf("s2s: %d of %d distinct postbacks delivered, %d repeats; delivery p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
		len(lat), want, r.repeats, pct(0.50), pct(0.95), pct(0.99))
	fmt.Printf("RESULT s2s_delivered=%d s2s_expected=%d s2s_repeats=%d s2s_p50_ms=%.1f s2s_p95_ms=%.1f s2s_p99_ms=%.1f\n",
		len(lat), want, r.repeats, pct(0.50), pct(0.95), pct(0.99))
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register("clicks", "load a tracking link at a fixed rate or flat out; throughput, latency, redirects", runClicks)
}

// clickLoad is one load run against a tracking link.
type clickLoad struct {
	url         string // "{n}" in it becomes the request number, so each click can differ
	rate        int    // requests per second; 0 = flat out
	duration    time.Duration
	concurrency int
	timeout     time.Duration
}

// workerStats is what one worker saw; merged at the end so workers share nothing.
type workerStats struct {
	latencies []time.Duration // from the moment the request was sent
	corrected []time.Duration // from its intended start (fixed rate): includes waiting for a free worker
	codes     map[int]int
	errors    int
	lastErr   string
}

func runClicks(args []string) error {
	fs := flag.NewFlagSet("clicks", flag.ContinueOnError)
	l := clickLoad{}
	fs.StringVar(&l.url, "url", "", `tracking link, e.g. http://127.0.0.1:8080/ALIAS?sub_id_1={n} ("{n}" = request number)`)
	fs.IntVar(&l.rate, "rate", 5000, "requests per second; 0 = flat out")
	fs.DurationVar(&l.duration, "duration", 20*time.Second, "how long to send")
	fs.IntVar(&l.concurrency, "concurrency", 0, "workers (connections); default 64 flat out, rate/50 (min 32) at a fixed rate")
	fs.DurationVar(&l.timeout, "timeout", 5*time.Second, "per-request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if l.url == "" || l.duration <= 0 || l.rate < 0 {
		return errors.New("clicks: -url is required, -duration > 0, -rate >= 0")
	}
	if l.concurrency <= 0 {
		l.concurrency = 64
		if l.rate > 0 {
			l.concurrency = max(32, l.rate/50)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	mode := "flat out"
	if l.rate > 0 {
		mode = fmt.Sprintf("fixed %d/s", l.rate)
	}
	fmt.Printf("clicks: %s, %s for %s, %d workers\n", l.url, mode, l.duration, l.concurrency)
	began := time.Now()
	stats := l.run(ctx)
	printClickReport(stats, time.Since(began))
	return nil
}

// newClient is tuned for load: keep-alive with an idle connection per
// worker, no redirects followed (the 3xx itself is the answer we measure).
func newClient(workers int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        workers * 2,
		MaxIdleConnsPerHost: workers * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// run sends the load. At a fixed rate each request also has an intended
// start time; latency counted from then ("corrected") shows a stalled server
// instead of silently lowering the rate (coordinated omission).
func (l clickLoad) run(ctx context.Context) []*workerStats {
	ctx, cancel := context.WithTimeout(ctx, l.duration)
	defer cancel()
	client := newClient(l.concurrency, l.timeout)
	defer client.CloseIdleConnections()
	var n atomic.Int64
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
		go func() {
			defer wg.Done()
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
				s.hit(client, l.url, n.Add(1), start)
			}
		}()
	}
	wg.Wait()
	return all
}

// schedule emits the intended start time of each request at rate per
// second, in small bursts (sleeping per request is too coarse at 5,000/s).
func schedule(ctx context.Context, rate int, due chan<- time.Time) {
	defer close(due)
	interval := time.Second / time.Duration(rate)
	begin := time.Now()
	for i := 0; ; {
		now := time.Now()
		for next := begin.Add(time.Duration(i) * interval); !next.After(now); next = begin.Add(time.Duration(i) * interval) {
			select {
			case due <- next:
				i++
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Millisecond):
		}
	}
}

func (s *workerStats) hit(client *http.Client, url string, n int64, intended time.Time) {
	sent := time.Now()
	if strings.Contains(url, "{n}") {
		url = strings.ReplaceAll(url, "{n}", strconv.FormatInt(n, 10))
	}
	resp, err := client.Get(url)
	if err != nil {
		s.errors++
		s.lastErr = err.Error()
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	done := time.Now()
	s.latencies = append(s.latencies, done.Sub(sent))
	s.corrected = append(s.corrected, done.Sub(intended))
	s.codes[resp.StatusCode]++
}

// printClickReport prints the human summary and one RESULT line of key=value pairs
// for scripts (scripts/bench-clicks.sh parses it).
func printClickReport(all []*workerStats, elapsed time.Duration) {
	var lat, corr []time.Duration
	codes := map[int]int{}
	errs, lastErr := 0, ""
	for _, s := range all {
		lat = append(lat, s.latencies...)
		corr = append(corr, s.corrected...)
		for c, k := range s.codes {
			codes[c] += k
		}
		errs += s.errors
		if s.lastErr != "" {
			lastErr = s.lastErr
		}
	}
	pct, cpct := percentiles(lat), percentiles(corr)
	redirects := 0
	var codeList []string
	keys := make([]int, 0, len(codes))
	for c := range codes {
		keys = append(keys, c)
	}
	sort.Ints(keys)
	for _, c := range keys {
		codeList = append(codeList, fmt.Sprintf("%d=%d", c, codes[c]))
		if c >= 300 && c < 400 {
			redirects += codes[c]
		}
	}
	rps := float64(len(lat)) / elapsed.Seconds()
	fmt.Printf("answered   %d in %.1fs (%.0f/s), errors %d\n", len(lat), elapsed.Seconds(), rps, errs)
	if lastErr != "" {
		fmt.Printf("last error %s\n", lastErr)
	}
	fmt.Printf("latency    p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms\n", pct(0.50), pct(0.90), pct(0.99), pct(1))
	fmt.Printf("corrected  p50 %.2fms  p99 %.2fms  (from intended start: includes client-side waiting)\n", cpct(0.50), cpct(0.99))
	fmt.Printf("status     %s\n", strings.Join(codeList, " "))
	fmt.Printf("redirects  %d (3xx answers)\n", redirects)
	fmt.Printf("RESULT requests=%d errors=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "+
		"p99_corrected_ms=%.3f redirects=%d\n",
		len(lat), errs, rps, pct(0.50), pct(0.90), pct(0.99), pct(1), cpct(0.99), redirects)
}

// percentiles sorts d and returns its percentile function, in milliseconds.
func percentiles(d []time.Duration) func(p float64) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return func(p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
}

//go:build faults

package faults

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// s2sReceiver is a traffic source's postback endpoint on loopback. It counts
// deliveries by tid (unique per conversion) and can be switched off (its port
// then refuses connections) and on again at the same address.
type s2sReceiver struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	got  map[string]int
	srv  *http.Server
}

func startReceiver(t *testing.T) *s2sReceiver {
	t.Helper()
	r := &s2sReceiver{t: t, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), got: map[string]int{}}
	r.on()
	t.Cleanup(r.off)
	return r
}

// URL is the postback URL path the traffic source is given.
func (r *s2sReceiver) URL() string { return "http://" + r.addr + "/s2s" }

func (r *s2sReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.Copy(io.Discard, req.Body)
	tid := req.URL.Query().Get("tid")
	r.mu.Lock()
	r.got[tid]++
	r.mu.Unlock()
	_, _ = io.WriteString(w, "OK")
}

// on starts listening (retrying briefly: the port was just released).
func (r *s2sReceiver) on() {
	r.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("receiver listen: %v", err)
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go func(s *http.Server) {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.t.Logf("receiver: %v", err)
		}
	}(r.srv)
}

// off closes the listener and every open connection.
func (r *s2sReceiver) off() {
	if r.srv != nil {
		_ = r.srv.Close()
		r.srv = nil
	}
}

// counts is deliveries per tid so far.
func (r *s2sReceiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.got))
	for k, v := range r.got {
		out[k] = v
	}
	return out
}

// waitDelivered waits until every tid arrived (or within passes) and
// tallies them: lost = never arrived, duplicated = extra arrivals.
func (r *s2sReceiver) waitDelivered(tids []string, within time.Duration) tally {
	deadline := time.Now().Add(within)
	for {
		tl := tallyOf(tids, r.counts())
		if tl.lost == 0 || time.Now().After(deadline) {
			return tl
		}
		time.Sleep(time.Second)
	}
}

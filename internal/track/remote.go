package track

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kite-tracker/kite/internal/s2s"
)

// remoteFetcher serves the `remote` action: GET a configured URL whose body
// (or redirect Location) is the destination. It refuses private addresses
// unless allowed (checked on the resolved address at connect time, so DNS
// tricks do not help) and caches each answer for a minute.
type remoteFetcher struct {
	client *http.Client
	ttl    time.Duration

	mu    sync.Mutex
	cache map[string]remoteEntry
}

type remoteEntry struct {
	dest    string
	expires time.Time
}

const (
	remoteCacheSize = 1024
	remoteMaxBody   = 4 << 10
)

var errPrivateAddress = errors.New("remote: address is private and not allowed")

func newRemoteFetcher(allow []netip.Prefix, timeout time.Duration) *remoteFetcher {
	dialer := &net.Dialer{Timeout: timeout, ControlContext: guard(allow)}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
	}
	return &remoteFetcher{
		client: &http.Client{Transport: tr, Timeout: timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		ttl:   time.Minute,
		cache: map[string]remoteEntry{},
	}
}

// guard refuses connections to private, loopback, link-local and other
// non-public addresses unless an allowed prefix contains them.
func guard(allow []netip.Prefix) func(ctx context.Context, network, address string, _ syscall.RawConn) error {
	return func(_ context.Context, _, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("remote: unexpected address %q", address)
		}
		ip := ap.Addr().Unmap()
		for _, p := range allow {
			if p.Contains(ip) {
				return nil
			}
		}
		if !publicAddr(ip) {
			return errPrivateAddress
		}
		return nil
	}
}

// publicAddr applies the same address rules as outgoing S2S postbacks
// (loopback, private, link-local, CGNAT, metadata, NAT64, benchmarking and
// reserved ranges are refused), so both guards cannot drift apart.
func publicAddr(ip netip.Addr) bool { return !s2s.IsBlocked(ip) }

// fetch returns the destination the remote URL names, cached per URL.
func (f *remoteFetcher) fetch(ctx context.Context, rawURL string, now time.Time) (string, error) {
	f.mu.Lock()
	e, ok := f.cache[rawURL]
	f.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.dest, nil
	}
	dest, err := f.get(ctx, rawURL)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	if len(f.cache) >= remoteCacheSize {
		clear(f.cache) // crude but bounded; remote actions are rare
	}
	f.cache[rawURL] = remoteEntry{dest: dest, expires: now.Add(f.ttl)}
	f.mu.Unlock()
	return dest, nil
}

func (f *remoteFetcher) get(ctx context.Context, rawURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", "Kite remote action")
	resp, err := f.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			return loc, nil
		}
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("remote: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, remoteMaxBody))
	if err != nil {
		return "", err
	}
	dest, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return strings.TrimSpace(dest), nil
}

package s2s

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// fakeResolver answers names from a table, so no test needs real DNS.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	out := make([]netip.Addr, len(ips))
	for i, s := range ips {
		out[i] = netip.MustParseAddr(s)
	}
	return out, nil
}

var testNames = fakeResolver{
	"public.example":   {"93.184.216.34"},
	"internal.example": {"10.1.2.3"},
	"meta.example":     {"169.254.169.254"},
	"mixed.example":    {"93.184.216.34", "192.168.1.1"},
	"v6local.example":  {"::1"},
	"cgnat.example":    {"100.64.0.7"},
	"ula.example":      {"fd12::1"},
	"loop.example":     {"127.0.0.2"},
}

func TestCheckURL(t *testing.T) {
	allowLoop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	cases := []struct {
		url   string
		allow []netip.Prefix
		ok    bool
	}{
		{"https://public.example/pb?x=1", nil, true},
		{"http://93.184.216.34/pb", nil, true},
		{"http://[2606:4700::1111]/pb", nil, true},
		{"http://127.0.0.1/pb", nil, false},
		{"http://127.0.0.1:8080/pb", allowLoop, true},
		{"http://loop.example/pb", allowLoop, true},
		{"http://loop.example/pb", nil, false},
		{"http://10.0.0.1/", nil, false},
		{"http://10.0.0.1/", allowLoop, false},
		{"http://172.16.5.4/", nil, false},
		{"http://172.31.255.255/", nil, false},
		{"http://172.32.0.1/", nil, true},
		{"http://192.168.0.10/", nil, false},
		{"http://100.64.0.1/", nil, false},
		{"http://100.127.255.254/", nil, false},
		{"http://169.254.169.254/latest/meta-data", nil, false},
		{"http://169.254.1.1/", nil, false},
		{"http://0.0.0.0/", nil, false},
		{"http://224.0.0.1/", nil, false},
		{"http://255.255.255.255/", nil, false},
		{"http://[::1]/", nil, false},
		{"http://[::]/", nil, false},
		{"http://[fc00::1]/", nil, false},
		{"http://[fd00:ec2::254]/", nil, false},
		{"http://[fe80::1]/", nil, false},
		{"http://[ff02::1]/", nil, false},
		{"http://[::ffff:10.0.0.1]/", nil, false},
		{"http://[64:ff9b::a00:1]/", nil, false},
		{"http://[64:ff9b:1::a00:1]/", nil, false},
		{"http://[::7f00:1]/", nil, false},
		{"http://[::127.0.0.1]/", nil, false},
		{"http://[::a9fe:a9fe]/", nil, false},
		{"http://[2001:4860:4860::8888]/", nil, true},
		{"http://internal.example/", nil, false},
		{"http://meta.example/", nil, false},
		{"http://mixed.example/", nil, false},
		{"http://v6local.example/", nil, false},
		{"http://cgnat.example/", nil, false},
		{"http://ula.example/", nil, false},
		{"http://unknown.example/", nil, false},
		{"ftp://public.example/file", nil, false},
		{"file:///etc/passwd", nil, false},
		{"gopher://public.example/", nil, false},
		{"http://user:pw@public.example/", nil, false},
		{"://bad", nil, false},
	}
	for _, c := range cases {
		g := Guard{AllowPrivate: c.allow, Resolver: testNames}
		_, err := g.CheckURL(context.Background(), c.url)
		if (err == nil) != c.ok {
			t.Errorf("CheckURL(%q, allow=%v) err=%v, want ok=%v", c.url, c.allow, err, c.ok)
		}
	}
}

func TestClientRefusesBlockedAndPinsResolvedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	port := netip.MustParseAddrPort(srv.Listener.Addr().String()).Port()
	names := fakeResolver{"receiver.example": {"127.0.0.1"}, "evil.example": {"10.9.9.9"}}
	blocked := NewClient(ClientOptions{Resolver: names, Timeout: 2 * time.Second})
	allowed := NewClient(ClientOptions{Resolver: names, Timeout: 2 * time.Second,
		AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	cases := []struct {
		name   string
		client *http.Client
		url    string
		ok     bool
	}{
		{"loopback literal refused", blocked, srv.URL, false},
		{"name to loopback refused", blocked, "http://receiver.example:" + itoa(port) + "/", false},
		{"loopback allowed by list", allowed, srv.URL, true},
		{"name dialled at its checked address", allowed, "http://receiver.example:" + itoa(port) + "/", true},
		{"private name refused even with loopback allowed", allowed, "http://evil.example:" + itoa(port) + "/", false},
	}
	for _, c := range cases {
		before := hits.Load()
		resp, err := c.client.Get(c.url)
		if err == nil {
			resp.Body.Close()
		}
		if (err == nil) != c.ok {
			t.Errorf("%s: err=%v, want ok=%v", c.name, err, c.ok)
		}
		if !c.ok && hits.Load() != before {
			t.Errorf("%s: the refused request reached the server", c.name)
		}
		if !c.ok && err != nil && !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: err=%v, want ErrBlocked", c.name, err)
		}
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/pb", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/target", http.StatusFound) })
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) { followed.Store(true) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(ClientOptions{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	resp, err := c.Get(srv.URL + "/pb")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || followed.Load() {
		t.Fatalf("status %d, followed=%v; want 302 returned as is", resp.StatusCode, followed.Load())
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }

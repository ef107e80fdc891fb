package s2s

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

// libcResolver answers like getaddrinfo on glibc: a host made of numbers is
// read the inet_aton way (decimal, octal with a leading 0, hex with 0x, one
// to four parts: "2130706433", "0x7f.1", "0177.0.0.1" are all 127.0.0.1),
// other names come from the table. Go's own resolver does not do this, but a
// cgo build, a proxy or a future resolver might; the guard must not care.
type libcResolver map[string][]string

func (r libcResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if ip, ok := inetAton(strings.TrimSuffix(host, ".")); ok {
		return []netip.Addr{ip}, nil
	}
	return fakeResolver(r).LookupNetIP(ctx, network, strings.ToLower(strings.TrimSuffix(host, ".")))
}

// inetAton parses the classic numeric IPv4 forms: a.b.c.d, a.b.c (c fills
// 16 bits), a.b (b fills 24 bits) and a (32 bits), each part decimal, octal
// or hex.
func inetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32) // base 0: 0x.. hex, 0.. octal
		if err != nil || strings.HasPrefix(p, "0o") || strings.HasPrefix(p, "0b") || strings.Contains(p, "_") {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	last := len(nums) - 1
	var v uint64
	for i := 0; i < last; i++ {
		if nums[i] > 255 {
			return netip.Addr{}, false
		}
		v |= nums[i] << (24 - 8*uint(i))
	}
	if nums[last] >= 1<<(32-8*uint(last)) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func TestInetAtonFixture(t *testing.T) {
	for in, want := range map[string]string{"2130706433": "127.0.0.1", "0x7f.1": "127.0.0.1", "0177.0.0.1": "127.0.0.1",
		"127.1": "127.0.0.1", "0x7f000001": "127.0.0.1", "2852039166": "169.254.169.254", "192.168.257": "192.168.1.1",
		"10.1": "10.0.0.1", "0": "0.0.0.0", "93.184.216.34": "93.184.216.34"} {
		got, ok := inetAton(in)
		if !ok || got.String() != want {
			t.Errorf("inetAton(%q) = %v %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"public.example", "1.2.3.4.5", "256.1.1.1", "0x", "1..1", "99999999999"} {
		if got, ok := inetAton(in); ok {
			t.Errorf("inetAton(%q) = %v, want not numeric", in, got)
		}
	}
}

// ssrfNames are DNS tricks: public-looking names that answer a loopback,
// private, metadata or NAT64 address, alone or beside a public one.
var ssrfNames = libcResolver{
	"public.example":       {"93.184.216.34"},
	"localtest.example":    {"127.0.0.1"},
	"lvh.example":          {"127.0.0.53"},
	"rebind.example":       {"93.184.216.34", "127.0.0.1"},
	"rebind6.example":      {"2606:4700::1111", "::1"},
	"mapped.example":       {"::ffff:127.0.0.1"},
	"mapped-meta.example":  {"::ffff:169.254.169.254"},
	"nat64.example":        {"64:ff9b::7f00:1"},
	"meta.nip.example":     {"169.254.169.254"},
	"gcp-meta.example":     {"169.254.169.254"},
	"aws-v6-meta.example":  {"fd00:ec2::254"},
	"private10.example":    {"10.0.0.1"},
	"private172.example":   {"172.16.0.1"},
	"private192.example":   {"192.168.0.1"},
	"cgnat.example":        {"100.100.100.200"}, // Alibaba's metadata address
	"zero.example":         {"0.0.0.0"},
	"broadcast.example":    {"255.255.255.255"},
	"linklocal6.example":   {"fe80::1"},
	"ula6.example":         {"fd12:3456::1"},
	"benchmark.example":    {"198.18.0.1"},
	"thisnet.example":      {"0.1.2.3"},
	"reserved240.example":  {"240.0.0.1"},
	"ietf.example":         {"192.0.0.170"},
	"multicast6.example":   {"ff05::1"},
	"multicast4.example":   {"239.1.2.3"},
	"loopback-alt.example": {"127.255.255.254"},
}

// TestGuardRefusesEncodedAndTrickedHosts: every spelling of a loopback,
// private or metadata address, and every name answering one, is refused.
func TestGuardRefusesEncodedAndTrickedHosts(t *testing.T) {
	refused := []string{
		// numeric forms of 127.0.0.1, 0.0.0.0, 169.254.169.254 and 10.0.0.1
		"http://2130706433/", "http://0x7f.1/", "http://0x7f.0.0.1/", "http://0x7f000001/", "http://017700000001/",
		"http://0177.0.0.1/", "http://0177.1/", "http://127.1/", "http://127.0.1/", "http://0/", "http://0.0.0.0/",
		"http://2852039166/latest/meta-data/", "http://0xa9fea9fe/", "http://0251.0376.0251.0376/", "http://169.254.43518/",
		"http://10.1/", "http://0xA.0.0.1/", "http://012.0.0.1/", "http://192.168.257/", "http://3232235777/",
		"http://127.0.0.1./", "http://2130706433./", "http://127.0.0.1:80/", "http://127.0.0.1:443/",
		// IPv6 spellings of loopback, mapped IPv4 and metadata
		"http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[0000::0001]/", "http://[::ffff:127.0.0.1]/",
		"http://[::ffff:7f00:1]/", "http://[0:0:0:0:0:ffff:127.0.0.1]/", "http://[::FFFF:7F00:0001]/",
		"http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/", "http://[::ffff:10.0.0.1]/",
		"http://[64:ff9b::127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[fe80::1%25lo]/", "http://[fe80::1%25eth0]/",
		"http://[::]/", "http://[fd00:ec2::254]/",
		// names that answer a blocked address (rebinding: one public + one private answer)
		"http://localtest.example/", "http://LOCALTEST.EXAMPLE/", "http://localtest.example./", "http://lvh.example:8080/",
		"http://rebind.example/", "http://rebind6.example/", "http://mapped.example/", "http://mapped-meta.example/",
		"http://nat64.example/", "http://meta.nip.example/computeMetadata/v1/", "http://gcp-meta.example/",
		"http://aws-v6-meta.example/", "http://private10.example/", "http://private172.example/",
		"http://private192.example/", "http://cgnat.example/", "http://zero.example/", "http://broadcast.example/",
		"http://linklocal6.example/", "http://ula6.example/", "http://benchmark.example/", "http://thisnet.example/",
		"http://reserved240.example/", "http://ietf.example/", "http://multicast6.example/", "http://multicast4.example/",
		"http://loopback-alt.example/", "http://unknown.example/",
		// credentials in front of a public-looking name, schemes other than http(s)
		"http://public.example@127.0.0.1/", "http://user@public.example/", "https://public.example:pw@10.0.0.1/",
		"ftp://public.example/", "file:///etc/passwd", "gopher://public.example:70/", "dict://127.0.0.1:6379/",
		"HTTP://127.0.0.1/", "//127.0.0.1/", "127.0.0.1", "http:///", "http://:80/",
	}
	g := Guard{Resolver: ssrfNames}
	for _, raw := range refused {
		if u, err := g.CheckURL(context.Background(), raw); err == nil {
			t.Errorf("CheckURL(%q) allowed host %q", raw, u.Host)
		}
	}
	for _, raw := range []string{"http://public.example/pb", "https://public.example:8443/pb?x=1", "http://93.184.216.34/",
		"http://1572395042/" /* 93.184.216.34 */, "HTTPS://PUBLIC.EXAMPLE/"} {
		if _, err := g.CheckURL(context.Background(), raw); err != nil {
			t.Errorf("CheckURL(%q): %v, want allowed", raw, err)
		}
	}
}

// TestGuardOnTheRealResolver: names the system resolves from /etc/hosts
// (no DNS query leaves the box) are refused like their addresses.
func TestGuardOnTheRealResolver(t *testing.T) {
	var g Guard
	for _, raw := range []string{"http://localhost/", "http://LOCALHOST:8080/", "http://LocalHost/x"} {
		_, err := g.CheckURL(context.Background(), raw)
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("CheckURL(%q) = %v, want ErrBlocked", raw, err)
		}
	}
}

// TestClientNeverReachesLoopbackByAnySpelling sends real requests through
// the guarded client at a loopback server: none may arrive. The client's
// transport maps some spellings (IDNA full stops, a trailing dot) before it
// dials, so this checks the dial path, not only CheckURL.
func TestClientNeverReachesLoopbackByAnySpelling(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := strconv.Itoa(int(netip.MustParseAddrPort(srv.Listener.Addr().String()).Port()))
	c := NewClient(ClientOptions{Resolver: ssrfNames, Timeout: 2 * time.Second, ConnectTimeout: time.Second})
	for _, host := range []string{"127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0", "0.0.0.0",
		"127.0.0.1.", "127.0.0.1\u3002", "127\uff0e0\uff0e0\uff0e1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
		"localtest.example", "rebind.example", "mapped.example", "LOCALTEST.example."} {
		before := hits.Load()
		resp, err := c.Get("http://" + host + ":" + port + "/pb")
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET via %q reached the server: %d", host, resp.StatusCode)
			continue
		}
		if hits.Load() != before {
			t.Errorf("GET via %q: the server was reached (err %v)", host, err)
		}
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("GET via %q: err=%v, want ErrBlocked (refused before any connection)", host, err)
		}
	}
}

// TestRedirectFromPublicLookingReceiver: a receiver the guard lets through
// answers every kind of redirect to loopback, metadata and private places.
// The client returns the 3xx as it is (nothing followed), and the worker
// does not count it as delivered.
func TestRedirectFromPublicLookingReceiver(t *testing.T) {
	var inside atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { inside.Add(1) }))
	defer target.Close()
	targetPort := strconv.Itoa(int(netip.MustParseAddrPort(target.Listener.Addr().String()).Port()))
	locations := []string{target.URL + "/", "http://localhost:" + targetPort + "/", "http://[::ffff:127.0.0.1]:" + targetPort + "/",
		"http://2130706433:" + targetPort + "/", "http://169.254.169.254/latest/meta-data/", "//127.0.0.1:" + targetPort + "/",
		"/local-path", "file:///etc/passwd"}
	codes := []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect,
		http.StatusPermanentRedirect}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		i, _ := strconv.Atoi(r.URL.Query().Get("to"))
		if r.URL.Path == "/local-path" {
			inside.Add(1)
		}
		w.Header().Set("Location", locations[i])
		w.WriteHeader(code)
	}))
	defer receiver.Close()
	recvPort := strconv.Itoa(int(netip.MustParseAddrPort(receiver.Listener.Addr().String()).Port()))
	// The receiver is only reachable because its own address is allowed, as
	// a public receiver would be; the redirect targets are not special-cased.
	recvAddr := netip.MustParseAddrPort(receiver.Listener.Addr().String()).Addr()
	names := libcResolver{"receiver.example": {recvAddr.String()}}
	allow := []netip.Prefix{netip.PrefixFrom(recvAddr, 32)}
	c := NewClient(ClientOptions{Resolver: names, AllowPrivate: allow, Timeout: 2 * time.Second})

	var rows []int64
	st := testenv.Store(t)
	now := time.Now().UTC()
	for _, code := range codes {
		for i := range locations {
			u := fmt.Sprintf("http://receiver.example:%s/pb?code=%d&to=%d", recvPort, code, i)
			resp, err := c.Get(u)
			if err != nil {
				t.Fatalf("GET %s: %v", u, err)
			}
			resp.Body.Close()
			if resp.StatusCode != code {
				t.Errorf("GET %s: %d, want the %d itself", u, resp.StatusCode, code)
			}
			method := "GET"
			if i%2 == 1 {
				method = "POST"
			}
			rows = append(rows, insertOutbox(t, st, method, u, "status=sale", now))
		}
	}
	opt := testOptions()
	opt.AllowPrivate, opt.Resolver = allow, names
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = NewWorker(opt, st, nil).Run(ctx) }()
	attempted := func() bool {
		var n int64
		err := st.DB.Model(&model.S2SOutbox{}).Where("id IN ? AND attempts > 0", rows).Count(&n).Error
		return err == nil && n == int64(len(rows))
	}
	waitFor(t, "every redirecting postback attempted", attempted)
	cancel()
	<-done
	if n := countStatus(t, st, model.OutboxDelivered); n != 0 {
		t.Errorf("%d postbacks answered by a redirect were marked delivered", n)
	}
	if n := inside.Load(); n != 0 {
		t.Errorf("a redirect was followed %d time(s)", n)
	}
}

package s2s

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// ClientOptions configure the guarded HTTP client.
type ClientOptions struct {
	AllowPrivate   []netip.Prefix
	ConnectTimeout time.Duration // dial + TLS handshake; default 3s
	Timeout        time.Duration // whole request including the body; default 10s
	PerHost        int           // max connections per host; default 4
	Resolver       Resolver      // default net.DefaultResolver
}

func (o *ClientOptions) defaults() {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 3 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.PerHost <= 0 {
		o.PerHost = 4
	}
}

// NewClient returns an http.Client for requests to buyer-supplied URLs: it
// resolves each host itself, refuses blocked addresses (Guard), dials the
// very address it checked (no second DNS lookup for a rebinding answer), uses
// no proxy, and never follows a redirect (the 3xx is returned as it is).
func NewClient(opt ClientOptions) *http.Client {
	opt.defaults()
	g := &Guard{AllowPrivate: opt.AllowPrivate, Resolver: opt.Resolver}
	d := &net.Dialer{Timeout: opt.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           pinnedDial(g, d),
		TLSHandshakeTimeout:   opt.ConnectTimeout,
		ResponseHeaderTimeout: opt.Timeout,
		MaxConnsPerHost:       opt.PerHost,
		MaxIdleConnsPerHost:   opt.PerHost,
		MaxIdleConns:          256,
		IdleConnTimeout:       60 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   opt.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// pinnedDial resolves and checks the host, then dials the checked addresses
// in turn; it is the only place the client turns a name into an address.
func pinnedDial(g *Guard, d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("%w: bad port %q", ErrBlocked, port)
		}
		ips, err := g.Resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		var errs []error
		for _, ip := range ips {
			conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
}

package track

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/snapshot"
	"github.com/kite-tracker/kite/internal/testenv"
)

// countingRecorder drops clicks: the benchmark measures the handler only.
type countingRecorder struct{ n atomic.Int64 }

func (r *countingRecorder) Record(*model.Click) { r.n.Add(1) }
func (r *countingRecorder) RecordLPClick(context.Context, string, time.Time, int64) error {
	return nil
}
func (r *countingRecorder) Lookup(context.Context, string) (*model.Click, error) {
	return nil, fmt.Errorf("not kept")
}

// benchData is the benchmark campaign: 5 streams of 4 filters each
// (country, device type, bot, uniqueness) and weighted offers.
func benchData() snapshot.Data {
	d := basic("http", "")
	d.Streams = nil
	countries := []string{`["DE","AT"]`, `["FR"]`, `["GB","IE"]`, `["US","CA"]`, `["US","MX","BR"]`}
	for i := range 5 {
		typ := "regular"
		if i == 4 {
			typ = "default"
		}
		d.Streams = append(d.Streams, model.Stream{ID: int64(20 + i), CampaignID: 1, Type: typ, Position: i, Schema: "redirect",
			ActionType: "http", CollectClicks: true, State: "active",
			Filters: []model.StreamFilter{
				{Name: "country", Mode: "accept", Payload: model.JSONText(countries[i])},
				{Name: "device_type", Mode: "accept", Payload: `["mobile","tablet"]`},
				{Name: "bot", Mode: "reject"},
				{Name: "uniqueness", Mode: "accept", Payload: `"stream"`},
			},
			Offers: []model.StreamOffer{{OfferID: 1, Share: 70}, {OfferID: 2, Share: 30}}})
	}
	d.Offers = append(d.Offers, model.Offer{ID: 2, Name: "B", ActionType: "http", State: "active",
		ActionPayload: "https://b.example/?c={subid}&z={sub_id_1}"})
	return d
}

// benchWriter is a reusable ResponseWriter: like a server's, it costs the
// handler nothing of its own, so the benchmark measures Kite, not httptest.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func (w *benchWriter) reset() {
	clear(w.h)
	w.code, w.n = 0, 0
}

// benchRequest is the click as net/http hands it to a handler: parsed URL
// and headers, a remote address that changes per click (every visitor new).
func benchRequest(i int) *http.Request {
	return &http.Request{Method: http.MethodGet, Host: "trk.example", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		URL:        &url.URL{Path: "/summer", RawQuery: "zoneid=123&visitor_id=abc&utm_source=push"},
		Header:     http.Header{"User-Agent": {iPhoneUA}},
		RemoteAddr: "8.8." + strconv.Itoa((i>>8)&255) + "." + strconv.Itoa(i&255) + ":40000"}
}

func benchClicks(b *testing.B, g *rig) {
	g.h.rec = &countingRecorder{}
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w.reset()
		g.e.ServeHTTP(w, benchRequest(i))
		if w.code != http.StatusFound {
			b.Fatalf("status %d", w.code)
		}
	}
	b.StopTimer()
	g.h.Drain()
}

// BenchmarkClick is the whole tracking handler (visitor parsing, routing,
// Redis counters, macros, 302) with a recorder that drops clicks.
func BenchmarkClick(b *testing.B) { benchClicks(b, newRig(b, benchData(), testenv.Redis(b))) }

// BenchmarkClickNoRedis is the same without Redis counters, to show what
// the two round trips cost.
func BenchmarkClickNoRedis(b *testing.B) { benchClicks(b, newRig(b, benchData(), nil)) }

// BenchmarkClickHTTPTest is BenchmarkClickNoRedis with the request built by
// httptest.NewRequest (which parses a raw request each time) and answered
// into an httptest.ResponseRecorder: the earlier form of this benchmark.
func BenchmarkClickHTTPTest(b *testing.B) {
	g := newRig(b, benchData(), nil)
	g.h.rec = &countingRecorder{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodGet, "/summer?zoneid=123&visitor_id=abc&utm_source=push", nil)
		req.RemoteAddr = fmt.Sprintf("8.8.%d.%d:40000", (i>>8)&255, i&255)
		req.Header.Set("User-Agent", iPhoneUA)
		w := httptest.NewRecorder()
		g.e.ServeHTTP(w, req)
		if w.Code != http.StatusFound {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.StopTimer()
	g.h.Drain()
}

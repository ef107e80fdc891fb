package track

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/snapshot"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/visitor"
)

// fakeRecorder keeps clicks in memory, as internal/clicks would in Redis.
type fakeRecorder struct {
	mu     sync.Mutex
	clicks map[string]*model.Click
	order  []string
	lp     map[string]int64 // click id -> offer id of the landing click
}

func newFakeRecorder() *fakeRecorder {
	return &fakeRecorder{clicks: map[string]*model.Click{}, lp: map[string]int64{}}
}

func (f *fakeRecorder) Record(c *model.Click) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *c
	f.clicks[c.ID] = &cp
	f.order = append(f.order, c.ID)
}

func (f *fakeRecorder) RecordLPClick(_ context.Context, id string, at time.Time, offerID int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clicks[id]
	if !ok {
		return store.ErrNotFound
	}
	c.LPClickedAt, c.OfferID = &at, offerID
	f.lp[id] = offerID
	return nil
}

func (f *fakeRecorder) Lookup(_ context.Context, id string) (*model.Click, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clicks[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	cp := *c
	return &cp, nil
}

func (f *fakeRecorder) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.order)
}

func (f *fakeRecorder) last(t testing.TB) *model.Click {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.order) == 0 {
		t.Fatal("no click recorded")
	}
	return f.clicks[f.order[len(f.order)-1]]
}

var (
	parserOnce sync.Once
	parser     *visitor.Parser
)

func testParser(t testing.TB) *visitor.Parser {
	t.Helper()
	parserOnce.Do(func() {
		p, err := visitor.NewParser(visitor.Options{})
		if err != nil {
			t.Fatalf("visitor parser: %v", err)
		}
		parser = p
	})
	return parser
}

// rig is a tracking handler over an in-memory snapshot.
type rig struct {
	h   *Handler
	e   *echo.Echo
	rec *fakeRecorder
	r   *hot.Redis
}

type rigOption func(*Options)

func newRig(t testing.TB, d snapshot.Data, r *hot.Redis, opts ...rigOption) *rig {
	t.Helper()
	holder := snapshot.New(nil, nil, nil, time.Hour)
	holder.Set(snapshot.Build(d, time.Now()))
	opt := Options{Currency: "USD", Rand: func() float64 { return 0.5 }}
	for _, o := range opts {
		o(&opt)
	}
	rec := newFakeRecorder()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := New(opt, holder, testParser(t), rec, r, log)
	e := echo.New()
	h.Register(e)
	return &rig{h: h, e: e, rec: rec, r: r}
}

const (
	iPhoneUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
	desktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)

// do sends one request from ip with ua; cookies are optional "name=value".
func (g *rig) do(method, target, ip, ua string, cookies ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = ip + ":40000"
	req.Header.Set("User-Agent", ua)
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	w := httptest.NewRecorder()
	g.e.ServeHTTP(w, req)
	g.h.Drain() // counter writes run after the answer; the next request must see them
	return w
}

func (g *rig) get(target string) *httptest.ResponseRecorder {
	return g.do(http.MethodGet, target, "8.8.8.8", iPhoneUA)
}

// basic is one campaign "summer" with a default stream to offer 1.
func basic(action, payload string) snapshot.Data {
	return snapshot.Data{
		Campaigns: []model.Campaign{{ID: 1, Alias: "summer", Name: "Summer", Type: "position", State: "active",
			CookiesTTL: 24, CostType: "CPC", CostValue: 0.02, TrafficSourceID: ptr(int64(5))}},
		Streams: []model.Stream{{ID: 10, CampaignID: 1, Type: "default", Name: "all", Schema: "redirect",
			ActionType: action, ActionPayload: payload, CollectClicks: true, State: "active",
			Offers: []model.StreamOffer{{OfferID: 1, Share: 100, State: "active"}}}},
		Offers: []model.Offer{{ID: 1, Name: "Offer", ActionType: "http", State: "active", AffiliateNetworkID: ptr(int64(3)),
			ActionPayload: "https://offer.example/go?click={subid}&s1={sub_id_1}&c={country}"}},
		Sources: []model.TrafficSource{{ID: 5, Name: "PropellerAds", State: "active",
			Parameters: model.MustJSON(model.SourceParameters{"sub_id_1": {Name: "zoneid"}, "external_id": {Name: "visitor_id"}})}},
	}
}

func ptr[T any](v T) *T { return &v }

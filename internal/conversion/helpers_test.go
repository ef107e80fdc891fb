package conversion

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
	"github.com/labstack/echo/v4"
)

const testKey = "tracker-postback-key"

// fakeClicks is the click path's Recorder as the conversion path sees it.
type fakeClicks struct {
	mu sync.Mutex
	m  map[string]*model.Click
}

func (f *fakeClicks) Lookup(_ context.Context, id string) (*model.Click, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[id]; ok {
		cp := *c
		return &cp, nil
	}
	return nil, store.ErrNotFound
}

func (f *fakeClicks) add(c *model.Click) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[c.ID] = c
}

// fixture is a tracker with one network, offer, traffic source and campaign.
type fixture struct {
	t       testing.TB
	st      *store.Store
	svc     *Service
	e       *echo.Echo
	clicks  *fakeClicks
	network model.AffiliateNetwork
	offer   model.Offer
	ts      model.TrafficSource
	camp    model.Campaign
}

func create(t testing.TB, st *store.Store, v any) {
	t.Helper()
	if err := st.DB.Create(v).Error; err != nil {
		t.Fatalf("create %T: %v", v, err)
	}
}

func newFixture(t testing.TB, tweak func(f *fixture)) *fixture {
	t.Helper()
	st := testenv.Store(t)
	f := &fixture{t: t, st: st, clicks: &fakeClicks{m: map[string]*model.Click{}}}
	now := time.Now().UTC()
	f.network = model.AffiliateNetwork{Name: "net", State: "active", DuplicatePolicy: model.DuplicateIgnore,
		AllowedIPs: "[]", CreatedAt: now, UpdatedAt: now}
	f.offer = model.Offer{Name: "offer", PayoutValue: 5, PayoutCurrency: "USD", PayoutAuto: true, State: "active",
		Country: "[]", ConversionTimezone: "UTC", CreatedAt: now, UpdatedAt: now}
	f.ts = model.TrafficSource{Name: "src", PostbackURL: "http://127.0.0.1:9/pb?cid={external_id}&p={payout}&s={status}&c={campaign_name}",
		PostbackMethod: "GET", PostbackStatuses: `["lead","sale","rejected","rebill"]`, Parameters: "{}", State: "active",
		CreatedAt: now, UpdatedAt: now}
	f.camp = model.Campaign{Alias: testenv.Name("c"), Name: "camp one", Type: "position", State: "active",
		Parameters: "{}", CreatedAt: now, UpdatedAt: now}
	if tweak != nil {
		tweak(f)
	}
	create(t, st, &model.Setting{Key: model.SettingPostbackKey, Value: testKey})
	create(t, st, &model.CurrencyRate{Currency: "EUR", Rate: 1.1, UpdatedAt: now})
	create(t, st, &f.network)
	f.offer.AffiliateNetworkID = &f.network.ID
	create(t, st, &f.offer)
	create(t, st, &f.ts)
	f.camp.TrafficSourceID = &f.ts.ID
	create(t, st, &f.camp)
	f.svc = NewService(Options{CacheTTL: time.Hour}, st, testenv.Redis(t), f.clicks, nil)
	f.e = echo.New()
	f.svc.Register(f.e)
	return f
}

// click makes a click of the fixture's campaign; known clicks are findable.
func (f *fixture) click(known bool) *model.Click {
	id := uuid.Must(uuid.NewV7())
	c := &model.Click{ID: id.String(), CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
		CampaignID: f.camp.ID, OfferID: f.offer.ID, TrafficSourceID: f.ts.ID, AffiliateNetworkID: f.network.ID,
		Country: "DE", DeviceType: "mobile", OS: "Android", Browser: "Chrome", ExternalID: "ext-" + id.String()[:8],
		ExtraParams: "{}"}
	if known {
		f.clicks.add(c)
	}
	return c
}

// do sends a request through the echo router like a network would.
func (f *fixture) do(method, target, ctype, body, remoteIP string) (int, string) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if ctype != "" {
		req.Header.Set(echo.HeaderContentType, ctype)
	}
	if remoteIP == "" {
		remoteIP = "203.0.113.7"
	}
	req.RemoteAddr = remoteIP + ":40000"
	rec := httptest.NewRecorder()
	f.e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func (f *fixture) conversions(clickID string) []model.Conversion {
	var out []model.Conversion
	if err := f.st.DB.Where("click_id = ?", clickID).Order("id").Find(&out).Error; err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) count(table, where string, args ...any) int64 {
	var n int64
	q := f.st.DB.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

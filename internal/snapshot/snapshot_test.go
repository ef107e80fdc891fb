package snapshot

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// seed writes a campaign with two streams (one with a country filter), an
// offer, a deleted offer, a disabled campaign and settings.
func seed(t *testing.T, st *store.Store) (camp model.Campaign, live model.Offer) {
	t.Helper()
	db := st.DB
	live = model.Offer{Name: "live", ActionType: "http", ActionPayload: "https://offer.example/?s={subid}", State: model.StateActive}
	dead := model.Offer{Name: "dead", ActionType: "http", ActionPayload: "https://dead.example/", State: model.StateDeleted}
	for _, o := range []*model.Offer{&live, &dead} {
		if err := db.Create(o).Error; err != nil {
			t.Fatal(err)
		}
	}
	ts := model.TrafficSource{Name: "ts", State: model.StateActive,
		Parameters: model.MustJSON(model.SourceParameters{"sub_id_1": {Name: "zone"}})}
	if err := db.Create(&ts).Error; err != nil {
		t.Fatal(err)
	}
	camp = model.Campaign{Alias: "summer", Name: "Summer", Type: "position", State: model.StateActive, CookiesTTL: 24,
		TrafficSourceID: &ts.ID, Parameters: "{}"}
	off := model.Campaign{Alias: "paused", Name: "Paused", Type: "position", State: model.StateDisabled, Parameters: "{}"}
	for _, c := range []*model.Campaign{&camp, &off} {
		if err := db.Create(c).Error; err != nil {
			t.Fatal(err)
		}
	}
	streams := []model.Stream{
		{CampaignID: camp.ID, Type: "regular", Name: "DE only", Position: 1, Schema: "redirect", ActionType: "http", State: model.StateActive,
			Filters: []model.StreamFilter{{Name: "country", Mode: "accept", Payload: `["DE"]`}},
			Offers:  []model.StreamOffer{{OfferID: live.ID, Share: 100, State: model.StateActive}}},
		{CampaignID: camp.ID, Type: "regular", Name: "dead offers", Position: 2, Schema: "redirect", ActionType: "http", State: model.StateActive,
			Offers: []model.StreamOffer{{OfferID: dead.ID, Share: 100, State: model.StateActive}}},
		{CampaignID: camp.ID, Type: "default", Name: "rest", Position: 3, Schema: "redirect", ActionType: "http", State: model.StateActive,
			Offers: []model.StreamOffer{{OfferID: live.ID, Share: 100, State: model.StateActive}}},
		{CampaignID: camp.ID, Type: "regular", Name: "off", Position: 0, Schema: "redirect", ActionType: "http", State: model.StateDisabled},
	}
	for i := range streams {
		if err := db.Create(&streams[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Create(&model.Setting{Key: model.SettingDefaultCampaign, Value: strconv.FormatInt(camp.ID, 10)}).Error; err != nil {
		t.Fatal(err)
	}
	for _, st := range []model.Setting{{Key: model.SettingCurrency, Value: "eur"}} {
		if err := db.Create(&st).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Create(&model.CurrencyRate{Currency: "USD", Rate: 0.9, UpdatedAt: time.Now().UTC()}).Error; err != nil {
		t.Fatal(err)
	}
	return camp, live
}

func TestReloadBuildsRoutableSnapshot(t *testing.T) {
	st := testenv.Store(t)
	camp, live := seed(t, st)
	h := New(st, testenv.Redis(t), nil, time.Minute)
	if h.Current().Campaign("summer") != nil {
		t.Fatal("before the first load every alias is unknown")
	}
	if err := h.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := h.Current()
	c := s.Campaign("summer")
	if c == nil || s.Campaign("paused") != nil {
		t.Fatalf("want only the active campaign, got %v", s.ByAlias)
	}
	if s.DefaultCampaign != c || s.CampaignRef(strconv.FormatInt(camp.ID, 10)) != c {
		t.Fatal("default campaign / campaign by id not resolved")
	}
	if len(c.Regular) != 2 || c.Default == nil || len(c.Regular[0].Filters) != 1 {
		t.Fatalf("streams: regular=%d default=%v", len(c.Regular), c.Default != nil)
	}
	if c.Regular[1].Unusable == "" || len(s.Warnings) != 1 {
		t.Fatalf("the stream of deleted offers must be flagged, warnings %v", s.Warnings)
	}
	if s.Currency != "EUR" || s.Rates["USD"] != 0.9 {
		t.Fatalf("tracker currency %q, rates %v", s.Currency, s.Rates)
	}
	if c.ParamMap["zone"] != "sub_id_1" {
		t.Fatalf("traffic source template not applied: %v", c.ParamMap)
	}
	d := routing.Route(c, &routing.Input{Visitor: routing.Visitor{Country: "FR"}, Rand: func() float64 { return 0 }})
	if d.Stream != c.Default || d.Offer == nil || d.Offer.ID != live.ID {
		t.Fatalf("FR visitor should reach the default stream's offer: %+v", d.Reasons)
	}
}

func TestRunReloadsOnAnnouncedChange(t *testing.T) {
	st := testenv.Store(t)
	seed(t, st)
	r := testenv.Redis(t)
	h := New(st, r, nil, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	if err := st.DB.Model(&model.Campaign{}).Where("alias = ?", "paused").Update("state", model.StateActive).Error; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.Current().Campaign("paused") == nil {
		// Publish until the subscription is up; signals coalesce, so repeats are cheap.
		_ = r.PublishConfigChanged(ctx)
		if time.Now().After(deadline) {
			t.Fatal("the snapshot did not pick up the announced change")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFailedReloadKeepsOldSnapshot(t *testing.T) {
	st := testenv.Store(t)
	seed(t, st)
	h := New(st, nil, nil, time.Minute)
	if err := h.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := h.Current()
	_ = st.Close()
	if err := h.Reload(context.Background()); err == nil {
		t.Fatal("want an error from a closed database")
	}
	if h.Current() != before || before.Campaign("summer") == nil {
		t.Fatal("a failed reload must keep the previous snapshot")
	}
}

func TestToTracker(t *testing.T) {
	s := Build(Data{
		Settings: []model.Setting{{Key: model.SettingCurrency, Value: "USD"}},
		Rates:    []model.CurrencyRate{{Currency: "eur", Rate: 1.1}, {Currency: "RUB", Rate: 0.011}, {Currency: "BAD", Rate: -1}},
	}, time.Time{})
	tests := []struct {
		amount   float64
		currency string
		want     float64
		known    bool
	}{
		{2, "EUR", 2.2, true},
		{2, " eur ", 2.2, true},
		{1000, "RUB", 11, true},
		{2, "USD", 2, true},
		{2, "", 2, true},
		{2, "GBP", 2, false},    // no rate: kept as is
		{2, "BAD", 2, false},    // a negative rate is no rate
		{2, "dollars", 2, true}, // not a currency code: taken as the tracker's
		{0, "GBP", 0, true},     // nothing to convert
	}
	for _, tt := range tests {
		got, known := s.ToTracker(tt.amount, tt.currency)
		if math.Abs(got-tt.want) > 1e-9 || known != tt.known {
			t.Errorf("ToTracker(%v, %q) = %v, %v; want %v, %v", tt.amount, tt.currency, got, known, tt.want, tt.known)
		}
	}
	if Empty().Currency != "USD" {
		t.Errorf("tracker currency without settings: %q", Empty().Currency)
	}
}

// TestOlderReloadNeverReplacesNewer: of two overlapping reloads, the one
// that started first but finished last (its reads may predate the latest
// change) must not replace the snapshot of the one that started later.
func TestOlderReloadNeverReplacesNewer(t *testing.T) {
	cases := []struct {
		name       string
		oldFirst   bool // the older reload finishes before the newer one
		wantCampID int64
	}{
		{"older finishes last", false, 2},
		{"older finishes first", true, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := New(nil, nil, nil, time.Hour)
			release, entered := make(chan struct{}), make(chan struct{})
			var calls int
			h.load = func(ctx context.Context) (Data, error) {
				calls++
				if calls == 1 { // the older reload: holds its (stale) reads until released
					close(entered)
					<-release
					return Data{Campaigns: []model.Campaign{{ID: 1, Alias: "x", State: model.StateActive}}}, nil
				}
				return Data{Campaigns: []model.Campaign{{ID: 2, Alias: "x", State: model.StateActive}}}, nil
			}
			older := make(chan error, 1)
			go func() { older <- h.Reload(context.Background()) }()
			<-entered
			if tc.oldFirst {
				close(release)
				if err := <-older; err != nil {
					t.Fatal(err)
				}
			}
			if err := h.Reload(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !tc.oldFirst {
				close(release)
				if err := <-older; err != nil {
					t.Fatal(err)
				}
			}
			c := h.Current().Campaign("x")
			if c == nil || c.Model.ID != tc.wantCampID {
				t.Fatalf("campaign %+v in use, want the newer reload's (id %d)", c, tc.wantCampID)
			}
		})
	}
}

package catalog

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

func ptr[T any](v T) *T { return &v }

type counter struct{ n atomic.Int64 }

func (c *counter) ConfigChanged(context.Context) error { c.n.Add(1); return nil }

func newCatalog(t *testing.T) (*Catalog, *counter) {
	n := &counter{}
	return New(testenv.Store(t), n, nil), n
}

// TestNotifierThroughRedis: a change reaches subscribers over Redis pub/sub.
func TestNotifierThroughRedis(t *testing.T) {
	r := testenv.Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sig := r.SubscribeConfigChanged(ctx)
	time.Sleep(100 * time.Millisecond) // let the subscription settle before publishing
	c := New(testenv.Store(t), NotifyFunc(r.PublishConfigChanged), nil)
	if _, err := c.CreateOffer(ctx, OfferRequest{Name: ptr("o")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sig:
	case <-ctx.Done():
		t.Fatal("no config-changed signal after a change")
	}
}

func TestOfferCloneAndState(t *testing.T) {
	c, n := newCatalog(t)
	ctx := context.Background()
	o, err := c.CreateOffer(ctx, OfferRequest{Name: ptr("Offer"), PayoutValue: ptr(3.5), Country: &[]string{"DE"}})
	if err != nil {
		t.Fatal(err)
	}
	alt, err := c.CreateOffer(ctx, OfferRequest{Name: ptr("Alt"), AlternativeOfferID: &o.ID})
	if err != nil || alt.AlternativeOfferID == nil || *alt.AlternativeOfferID != o.ID {
		t.Fatalf("alternative offer: %+v %v", alt, err)
	}
	if _, err := c.UpdateOffer(ctx, o.ID, OfferRequest{AlternativeOfferID: &o.ID}); err == nil {
		t.Fatal("an offer became its own alternative")
	}
	cp, err := c.CloneOffer(ctx, o.ID)
	if err != nil || cp.ID == o.ID || cp.Name != "Offer (copy)" || cp.PayoutValue != 3.5 || string(cp.Country) != `["DE"]` {
		t.Fatalf("clone: %+v %v", cp, err)
	}
	if got, err := c.SetOfferState(ctx, o.ID, model.StateDeleted); err != nil || got.State != model.StateDeleted {
		t.Fatalf("archive: %+v %v", got, err)
	}
	list, _ := c.ListOffers(ctx, "")
	if len(list) != 2 || slices.ContainsFunc(list, func(x model.Offer) bool { return x.ID == o.ID }) {
		t.Fatalf("archived offer listed: %+v", list)
	}
	if _, err := c.SetOfferState(ctx, 999, model.StateActive); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown offer: %v", err)
	}
	if _, err := c.SetOfferState(ctx, o.ID, "gone"); err == nil {
		t.Fatal("unknown state accepted")
	}
	if n.n.Load() != 4 {
		t.Fatalf("notifier called %d times, want 4", n.n.Load())
	}
}

func TestSettings(t *testing.T) {
	c, _ := newCatalog(t)
	ctx := context.Background()
	s, err := c.GetSettings(ctx)
	if err != nil || s.Currency != "USD" || s.Timezone != "UTC" || len(s.TrustedProxies) != 0 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	s, err = c.UpdateSettings(ctx, SettingsRequest{Currency: ptr("EUR"), TrustedProxies: &[]string{"10.0.0.0/8", "192.168.1.1"}})
	if err != nil || s.Currency != "EUR" || s.Timezone != "UTC" || strings.Join(s.TrustedProxies, " ") != "10.0.0.0/8 192.168.1.1" {
		t.Fatalf("update: %+v %v", s, err)
	}
	first, _ := c.RegeneratePostbackKey(ctx)
	second, _ := c.RegeneratePostbackKey(ctx)
	if len(first.PostbackKey) != 32 || first.PostbackKey == second.PostbackKey {
		t.Fatalf("postback keys %q %q", first.PostbackKey, second.PostbackKey)
	}
	var ve *ValidationError
	if _, err := c.UpdateSettings(ctx, SettingsRequest{Timezone: ptr("Nowhere/Land")}); !errors.As(err, &ve) || ve.Fields["timezone"] == "" {
		t.Fatalf("bad timezone: %v", err)
	}
}

func TestBotList(t *testing.T) {
	c, _ := newCatalog(t)
	ctx := context.Background()
	n, err := c.AddBots(ctx, BotListRequest{Value: "1.2.3.4\n10.0.0.0/8, 5.5.5.1-5.5.5.9"})
	if err != nil || n != 3 {
		t.Fatalf("add: %d %v", n, err)
	}
	if n, _ = c.AddBots(ctx, BotListRequest{Value: "1.2.3.4"}); n != 0 {
		t.Fatalf("duplicate added: %d", n)
	}
	if n, _ = c.AddBots(ctx, BotListRequest{Value: "HeadlessChrome", Kind: BotKindUA}); n != 1 {
		t.Fatalf("ua added: %d", n)
	}
	if n, _ = c.ExcludeBots(ctx, BotListRequest{Value: "1.2.3.4"}); n != 1 {
		t.Fatalf("excluded: %d", n)
	}
	list, _ := c.ListBots(ctx)
	if len(list) != 3 || list[0].Kind != BotKindIP || list[2].Value != "HeadlessChrome" {
		t.Fatalf("list: %+v", list)
	}
	if _, err := c.AddBots(ctx, BotListRequest{Value: "   "}); err == nil {
		t.Fatal("empty value accepted")
	}
	if err := c.ClearBots(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ = c.ListBots(ctx); len(list) != 0 {
		t.Fatalf("cleared list: %+v", list)
	}
}

func TestGroups(t *testing.T) {
	c, _ := newCatalog(t)
	ctx := context.Background()
	g, err := c.CreateGroup(ctx, GroupRequest{Name: ptr("Push"), Type: ptr("campaigns")})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("c"), GroupID: &g.ID})
	if err != nil || camp.GroupID == nil || *camp.GroupID != g.ID {
		t.Fatalf("grouped campaign: %+v %v", camp, err)
	}
	if _, err := c.CreateGroup(ctx, GroupRequest{Name: ptr("x"), Type: ptr("folders")}); err == nil {
		t.Fatal("unknown group type accepted")
	}
	if err := c.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	camp, _ = c.GetCampaign(ctx, camp.ID)
	if camp.GroupID != nil {
		t.Fatalf("campaign still in deleted group: %v", *camp.GroupID)
	}
	if err := c.DeleteGroup(ctx, g.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestCampaignActionChain(t *testing.T) {
	c, _ := newCatalog(t)
	ctx := context.Background()
	a, _ := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("a")})
	b, _ := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("b")})
	if a.Alias == b.Alias || len(a.Alias) != 8 || a.Token == "" {
		t.Fatalf("generated aliases %q %q", a.Alias, b.Alias)
	}
	cases := []struct {
		payload string
		ok      bool
	}{{itoa(int(b.ID)), true}, {itoa(int(a.ID)), false}, {"999", false}, {"b", false}}
	for _, tc := range cases {
		_, err := c.CreateStream(ctx, StreamRequest{CampaignID: &a.ID, Schema: ptr("action"), ActionType: ptr("campaign"), ActionPayload: &tc.payload})
		if (err == nil) != tc.ok {
			t.Fatalf("campaign action %q: %v", tc.payload, err)
		}
	}
}

func TestPresets(t *testing.T) {
	ts, an := TrafficSourcePresets(), AffiliateNetworkPresets()
	if len(ts) < 10 || len(an) < 10 {
		t.Fatalf("presets: %d sources, %d networks", len(ts), len(an))
	}
	c := newChecker()
	for _, p := range ts {
		checkParameters(c, p.Name, model.MustJSON(p.Parameters))
		c.url(p.Name+".postback_url", p.PostbackURL)
		if _, ok := p.Parameters["external_id"]; !ok {
			c.add(p.Name, "no external_id mapping")
		}
	}
	for _, p := range an {
		if !strings.Contains(p.OfferParam, "{subid}") || !strings.Contains(p.PostbackURL, "/postback?subid=") {
			c.add(p.Name, "offer param or postback URL does not carry the subid")
		}
	}
	if err := c.err(); err != nil {
		t.Fatal(err)
	}
}

func TestOneDefaultStream(t *testing.T) {
	c, _ := newCatalog(t)
	ctx := context.Background()
	camp, _ := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("c")})
	d, err := c.CreateStream(ctx, StreamRequest{CampaignID: &camp.ID, Type: ptr("default")})
	if err != nil {
		t.Fatal(err)
	}
	var ve *ValidationError
	if _, err := c.CreateStream(ctx, StreamRequest{CampaignID: &camp.ID, Type: ptr("default")}); !errors.As(err, &ve) || ve.Fields["type"] == "" {
		t.Fatalf("second default stream: %v", err)
	}
	if _, err := c.UpdateStream(ctx, d.ID, StreamRequest{Name: ptr("fallback")}); err != nil {
		t.Fatalf("updating the default stream itself: %v", err)
	}
	if _, err := c.SetStreamState(ctx, d.ID, model.StateDeleted); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStream(ctx, StreamRequest{CampaignID: &camp.ID, Type: ptr("default")}); err != nil {
		t.Fatalf("default stream after the old one was deleted: %v", err)
	}
}

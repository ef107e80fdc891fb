package conversion

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
)

func TestUnattributedConversionJoinsItsClickLater(t *testing.T) {
	f := newFixture(t, func(f *fixture) { f.offer.PayoutValue = 12 })
	ctx := context.Background()
	late := f.click(false)   // its click is not recorded yet
	priced := f.click(false) // this one's postback names a payout
	for _, v := range []url.Values{
		{"subid": {late.ID}, "status": {"lead"}},
		{"subid": {late.ID}, "status": {"sale"}},
		{"subid": {priced.ID}, "payout": {"3"}, "currency": {"EUR"}},
	} {
		if _, err := f.svc.Process(ctx, Postback{Key: testKey, Method: "GET", Values: v}); err != nil {
			t.Fatal(err)
		}
	}
	c := f.conversions(late.ID)
	if len(c) != 1 || c[0].Attributed || c[0].Status != "sale" || c[0].PreviousStatus != "lead" || c[0].Currency != "" || c[0].CampaignID != 0 {
		t.Fatalf("before the click: %+v, want one unattributed sale with no price yet", c)
	}
	var logged model.ReceivedPostback
	f.st.DB.Order("id").First(&logged)
	if logged.Outcome != model.PostbackUnattributed {
		t.Errorf("first postback logged as %s, want unattributed", logged.Outcome)
	}
	if n, _ := f.svc.JoinOnce(ctx); n != 0 || f.count("s2s_outbox", "") != 0 {
		t.Fatalf("joined %d before any click exists", n)
	}

	f.clicks.add(late)
	f.clicks.add(priced)
	if n, err := f.svc.JoinOnce(ctx); err != nil || n != 2 {
		t.Fatalf("JoinOnce = %d, %v; want 2", n, err)
	}
	c = f.conversions(late.ID)
	if !c[0].Attributed || c[0].CampaignID != f.camp.ID || c[0].OfferID != f.offer.ID || c[0].Country != "DE" ||
		c[0].ExternalID != late.ExternalID || c[0].ClickCreatedAt == nil || c[0].Payout != 12 || c[0].Revenue != 12 || c[0].Currency != "USD" {
		t.Errorf("after the join: %+v, want the click's dims and the offer's payout", c[0])
	}
	p := f.conversions(priced.ID)
	if p[0].Payout != 3 || p[0].Currency != "EUR" || p[0].Revenue != 3.3 || !p[0].Attributed {
		t.Errorf("priced conversion after join: %+v, want its own 3 EUR kept", p[0])
	}
	var rows []model.S2SOutbox
	f.st.DB.Where("conversion_id = ?", c[0].ID).Find(&rows)
	if len(rows) != 1 || !strings.Contains(rows[0].URL, "s=sale") || !strings.Contains(rows[0].URL, "cid="+late.ExternalID) {
		t.Errorf("S2S after join: %+v, want one sale postback with the click's external_id", rows)
	}
	if n, _ := f.svc.JoinOnce(ctx); n != 0 {
		t.Errorf("second JoinOnce joined %d again", n)
	}
	count, _ := f.svc.redis.OfferCapCount(ctx, f.offer.ID, hot.CapDay(c[0].UpdatedAt, "UTC"))
	if count != 2 {
		t.Errorf("offer cap count %d, want 2 (two sales joined)", count)
	}
}

func TestPostbackAfterClickArrivesAttributesAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	c := f.click(false)
	send := func(status string) {
		v := url.Values{"subid": {c.ID}, "status": {status}}
		if _, err := f.svc.Process(ctx, Postback{Key: testKey, Values: v}); err != nil {
			t.Fatal(err)
		}
	}
	send("lead")
	f.clicks.add(c)
	send("sale")
	conv := f.conversions(c.ID)[0]
	if !conv.Attributed || conv.CampaignID != f.camp.ID || conv.Status != "sale" || conv.Payout != 5 || conv.Currency != "USD" {
		t.Fatalf("conversion %+v, want attributed by the sale postback, at the offer's payout", conv)
	}
	if n, _ := f.svc.JoinOnce(ctx); n != 0 {
		t.Errorf("joiner joined %d already attributed conversions", n)
	}
	if n := f.count("s2s_outbox", ""); n != 1 {
		t.Errorf("%d S2S postbacks, want exactly the sale's", n)
	}
}

// TestClicksFoundInSQL uses the built-in SQL finder (no recorder): a click
// row in the clicks table attributes the postback, a missing one does not.
func TestClicksFoundInSQL(t *testing.T) {
	f := newFixture(t, nil)
	svc := NewService(Options{}, f.st, nil, nil, nil)
	ctx := context.Background()
	stored, missing := f.click(false), f.click(false)
	create(t, f.st, stored)
	for _, c := range []*model.Click{stored, missing} {
		if _, err := svc.Process(ctx, Postback{Key: testKey, Values: url.Values{"subid": {c.ID}}}); err != nil {
			t.Fatal(err)
		}
	}
	if c := f.conversions(stored.ID)[0]; !c.Attributed || c.CampaignID != f.camp.ID || c.ClickCreatedAt == nil ||
		!c.ClickCreatedAt.Equal(stored.CreatedAt) {
		t.Errorf("stored click: %+v, want attributed with the click's time %v", c, stored.CreatedAt)
	}
	if c := f.conversions(missing.ID)[0]; c.Attributed {
		t.Errorf("missing click: %+v, want unattributed", c)
	}
}

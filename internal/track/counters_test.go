package track

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

func TestBindVisitorsByCookie(t *testing.T) {
	d := basic("http", "")
	d.Campaigns[0].Type, d.Campaigns[0].BindVisitors = "weight", "slo"
	d.Offers = append(d.Offers, model.Offer{ID: 2, Name: "B", ActionType: "http", State: "active", ActionPayload: "https://b.example/"})
	d.Streams = []model.Stream{
		{ID: 31, CampaignID: 1, Type: "regular", Weight: 50, Schema: "redirect", ActionType: "http", CollectClicks: true,
			Offers: []model.StreamOffer{{OfferID: 1, Share: 50}, {OfferID: 2, Share: 50}}},
		{ID: 32, CampaignID: 1, Type: "regular", Weight: 50, Schema: "redirect", ActionType: "http", CollectClicks: true,
			Offers: []model.StreamOffer{{OfferID: 1, Share: 50}, {OfferID: 2, Share: 50}}},
	}
	draws := []float64{0.9, 0.9, 0.1, 0.1, 0.6, 0.3, 0.2, 0.8}
	i := 0
	g := newRig(t, d, testenv.Redis(t), func(o *Options) {
		o.Rand = func() float64 { i++; return draws[i%len(draws)] }
	})
	first := g.get("/summer")
	cookie := strings.SplitN(first.Header().Get("Set-Cookie"), ";", 2)[0]
	c := g.rec.last(t)
	for range 6 {
		g.do(http.MethodGet, "/summer", "8.8.8.8", iPhoneUA, cookie)
		if n := g.rec.last(t); n.StreamID != c.StreamID || n.OfferID != c.OfferID || n.VisitorCode != c.VisitorCode {
			t.Fatalf("bound visitor moved from stream %d offer %d to stream %d offer %d", c.StreamID, c.OfferID, n.StreamID, n.OfferID)
		}
	}
}

func TestConversionCapSwitchesOffer(t *testing.T) {
	d := basic("http", "")
	d.Offers[0].ConversionCapEnabled, d.Offers[0].DailyCap, d.Offers[0].AlternativeOfferID = true, 2, ptr(int64(2))
	d.Offers[0].ConversionTimezone = "Europe/Berlin"
	d.Offers = append(d.Offers, model.Offer{ID: 2, Name: "Alt", ActionType: "http", State: "active", ActionPayload: "https://alt.example/"})
	r := testenv.Redis(t)
	g := newRig(t, d, r)
	if g.get("/summer"); g.rec.last(t).OfferID != 1 {
		t.Fatal("under the cap the offer keeps its traffic")
	}
	day := hot.CapDay(time.Now(), "Europe/Berlin")
	for range 2 {
		if _, err := r.IncrOfferCap(context.Background(), 1, day); err != nil {
			t.Fatal(err)
		}
	}
	w := g.get("/summer")
	if g.rec.last(t).OfferID != 2 || w.Header().Get("Location") != "https://alt.example/" {
		t.Fatalf("capped offer not replaced: offer %d, Location %q", g.rec.last(t).OfferID, w.Header().Get("Location"))
	}
}

func TestDeadRedisKeepsServing(t *testing.T) {
	r := testenv.Redis(t)
	dead := &hot.Redis{C: r.C, Prefix: r.Prefix}
	_ = r.C.Close()
	d := basic("http", "")
	d.Streams[0].Filters = []model.StreamFilter{{Name: "uniqueness", Mode: "accept", Payload: `"campaign"`}}
	g := newRig(t, d, dead)
	for range 3 {
		start := time.Now()
		w := g.get("/summer")
		if w.Code != http.StatusFound || time.Since(start) > time.Second {
			t.Fatalf("with Redis down: status %d after %v", w.Code, time.Since(start))
		}
		if !g.rec.last(t).IsUniqueCampaign {
			t.Fatal("with Redis down every visitor counts as unique")
		}
	}
}

// A Redis that accepts connections but never answers must cost a click at
// most the counters timeout, and later clicks nothing (the breaker). The
// client needs ContextTimeoutEnabled, which hot.Open must set.
func TestHungRedisDoesNotHoldRedirects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var conns []net.Conn // held open, never answered
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	hung := &hot.Redis{C: redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true, MaxRetries: -1})}
	defer hung.C.Close()
	g := newRig(t, basic("http", ""), hung, func(o *Options) { o.RedisTimeout = 30 * time.Millisecond })
	for i := range 3 {
		start := time.Now()
		if w := g.get("/summer"); w.Code != http.StatusFound {
			t.Fatalf("status %d", w.Code)
		}
		if took := time.Since(start); took > 500*time.Millisecond {
			t.Fatalf("click %d waited %v on a hung Redis", i, took)
		}
	}
}

// TestBindOfferAtLandingClick: under slo the offer drawn at the first
// landing click is the offer of every later landing click of the visitor;
// under sl each landing click draws again.
func TestBindOfferAtLandingClick(t *testing.T) {
	for _, tt := range []struct {
		bind      string
		wantOffer int64 // of the second landing click
	}{
		{"slo", 1},
		{"sl", 2},
	} {
		t.Run(tt.bind, func(t *testing.T) {
			d := basic("http", "")
			d.Campaigns[0].BindVisitors = tt.bind
			d.Streams[0].Schema = "landings"
			d.Streams[0].Landings = []model.StreamLanding{{LandingID: 7, Share: 100}}
			d.Streams[0].Offers = append(d.Streams[0].Offers, model.StreamOffer{OfferID: 2, Share: 100})
			d.Landings = []model.Landing{{ID: 7, Name: "LP", ActionType: "http", State: "active",
				ActionPayload: "https://lp.example/?next={offer}"}}
			d.Offers = append(d.Offers, model.Offer{ID: 2, Name: "B", ActionType: "http", State: "active",
				ActionPayload: "https://b.example/"})
			draw := 0.1 // offer 1 (shares 100/100: [0, 0.5) is offer 1)
			g := newRig(t, d, testenv.Redis(t), func(o *Options) { o.Rand = func() float64 { return draw } })

			first := g.get("/summer")
			cookie := strings.SplitN(first.Header().Get("Set-Cookie"), ";", 2)[0]
			c1 := g.rec.last(t)
			if w := g.get("/?_lp=1&_token=" + c1.ID); g.rec.lp[c1.ID] != 1 || w.Code != http.StatusFound {
				t.Fatalf("first landing click: %d, offer %d", w.Code, g.rec.lp[c1.ID])
			}
			draw = 0.9 // a fresh draw now gives offer 2
			g.do(http.MethodGet, "/summer", "8.8.8.8", iPhoneUA, cookie)
			c2 := g.rec.last(t)
			if c2.ID == c1.ID || c2.VisitorCode != c1.VisitorCode {
				t.Fatalf("second click %s (visitor %s) after %s (visitor %s)", c2.ID, c2.VisitorCode, c1.ID, c1.VisitorCode)
			}
			w := g.get("/?_lp=1&_token=" + c2.ID)
			if got := g.rec.lp[c2.ID]; got != tt.wantOffer {
				t.Fatalf("second landing click went to offer %d, want %d (Location %q)", got, tt.wantOffer, w.Header().Get("Location"))
			}
			// An explicit offer_id on a multi-offer landing still wins over the binding.
			if g.get("/?_lp=1&_token=" + c2.ID + "&offer_id=2"); g.rec.lp[c2.ID] != 2 {
				t.Fatalf("offer_id=2 went to offer %d", g.rec.lp[c2.ID])
			}
		})
	}
}

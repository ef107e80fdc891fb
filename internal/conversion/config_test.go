package conversion

import (
	"context"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// TestStaleConfigIsNotServedAfterAChange: while one goroutine reloads the
// configuration, the others may keep a snapshot just past its TTL, but not
// one invalidated by a change or idle for long: a postback written with it
// would lose its S2S postbacks for good (seen in a bench: the first
// postbacks of a new campaign had none).
func TestStaleConfigIsNotServedAfterAChange(t *testing.T) {
	cases := []struct {
		name  string
		age   func(ttl time.Duration) time.Time // loadedAt of the cached snapshot; zero = invalidated
		waits bool                              // for the reload, rather than serving the old snapshot
	}{
		{"just past ttl", func(ttl time.Duration) time.Time { return time.Now().Add(-ttl * 3 / 2) }, false},
		{"invalidated", func(time.Duration) time.Time { return time.Time{} }, true},
		{"idle", func(ttl time.Duration) time.Time { return time.Now().Add(-3 * ttl) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			ctx := context.Background()
			c := f.svc.cfg
			c.ttl = time.Hour
			old, err := c.get(ctx)
			if err != nil {
				t.Fatal(err)
			}
			camp := model.Campaign{Alias: "later-" + tc.name, Name: "later", Type: "position", State: "active", Parameters: "{}"}
			create(t, f.st, &camp)
			aged := *old
			aged.loadedAt = tc.age(c.ttl)
			c.current.Store(&aged)
			c.mu.Lock() // another goroutine is reloading
			got := make(chan *snapshot, 1)
			go func() {
				s, _ := c.get(ctx)
				got <- s
			}()
			select {
			case s := <-got:
				if tc.waits {
					t.Fatalf("served the old snapshot while a reload ran")
				}
				if s.campaigns[camp.ID] != nil {
					t.Errorf("expected the old snapshot, got a fresh one")
				}
				c.mu.Unlock()
				return
			case <-time.After(150 * time.Millisecond):
				if !tc.waits {
					t.Fatalf("waited for the reload with a snapshot just past its TTL")
				}
			}
			c.mu.Unlock()
			if s := <-got; s.campaigns[camp.ID] == nil {
				t.Errorf("after the reload: campaign %d missing", camp.ID)
			}
		})
	}
}

// A click of a campaign created after the cached config was loaded (and whose
// change signal never arrived) must still get its S2S postbacks: the service
// reloads once instead of storing the conversion without them.
func TestNewCampaignUnknownToCacheStillGetsS2S(t *testing.T) {
	f := newFixture(t, nil) // CacheTTL is an hour: only a reload sees new rows
	ctx := context.Background()
	if _, err := f.svc.cfg.get(ctx); err != nil {
		t.Fatal(err)
	}
	later := model.Campaign{Alias: "late-campaign", Name: "late", Type: "position", State: "active",
		Parameters: "{}", TrafficSourceID: &f.ts.ID}
	create(t, f.st, &later)
	create(t, f.st, &model.CampaignPostback{CampaignID: later.ID, Method: "GET", Statuses: `["sale"]`,
		URL: "http://127.0.0.1:9/camp?c={subid}"})
	c := f.click(true)
	c.CampaignID = later.ID
	code, body := f.do("GET", "/"+testKey+"/postback?subid="+c.ID+"&status=sale&payout=3", "", "", "")
	if code != 200 {
		t.Fatalf("postback: %d %s", code, body)
	}
	// One for the campaign's own postback, one for its traffic source's.
	if n := f.count("s2s_outbox", "campaign_id = ?", later.ID); n != 2 {
		t.Fatalf("S2S rows for the new campaign = %d, want 2", n)
	}
}

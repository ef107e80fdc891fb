package report

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
)

// fixture is a random but reproducible data set written to a fresh store,
// kept in memory too so tests can count straight from the rows.
type fixture struct {
	st    *store.Store
	r     *Reports
	now   time.Time
	clk   []model.Click
	conv  []model.Conversion
	camps []model.Campaign
}

var (
	fxCountries = []string{"US", "DE", "IN", "BR", ""}
	fxDevices   = []string{"mobile", "desktop", "tablet"}
	fxOS        = []string{"Android", "iOS", "Windows"}
	fxBrowsers  = []string{"Chrome", "Safari", "Firefox"}
	fxStatuses  = []string{model.StatusLead, model.StatusSale, model.StatusRejected, model.StatusRebill}
)

// newFixture writes n clicks over the days before now (2026-03-31, just after
// Europe's DST change) and about n/4 conversions.
func newFixture(t *testing.T, n int, seed uint64) *fixture {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e37))
	now := time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)
	f := &fixture{st: st, r: New(st, nil), now: now}
	f.r.now = func() time.Time { return now }
	grp := model.Group{Name: "Group A", Type: "campaigns"}
	mustDo(t, st.DB.Create(&grp).Error)
	for i := 0; i < 3; i++ {
		c := model.Campaign{Alias: testenv.Name("c"), Name: fmt.Sprintf("Campaign %d", i+1), State: "active",
			Parameters: model.JSONText("{}")}
		if i > 0 {
			c.GroupID = &grp.ID
		}
		mustDo(t, st.DB.Omit("Postbacks").Create(&c).Error)
		f.camps = append(f.camps, c)
	}
	start := now.Add(-7 * 24 * time.Hour)
	for i := 0; i < n; i++ {
		f.clk = append(f.clk, f.randomClick(rng, start))
	}
	for i := range f.clk {
		if rng.IntN(4) == 0 {
			f.conv = append(f.conv, f.randomConversion(rng, &f.clk[i], i))
		}
	}
	for i := 0; i < n/20+1; i++ { // postbacks whose click is unknown
		at := start.Add(time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
		f.conv = append(f.conv, model.Conversion{ClickID: fmt.Sprintf("junk-%d", i), Status: model.StatusSale,
			Revenue: 7, Payout: 7, Params: model.JSONText("{}"), CreatedAt: at, UpdatedAt: at})
	}
	// The real click writer inserts the clicks and keeps the rollup (and the
	// triggers the cubes); a compaction halfway makes later batches update
	// compacted rows.
	for i := 0; i < len(f.clk); i += 250 {
		mustDo(t, clicks.InsertBatch(ctx, st, f.clk[i:min(i+250, len(f.clk))]))
		if i == 500 {
			mustDo(t, NewMaintainer(st, 0, nil).CompactCubes(ctx, start))
		}
	}
	mustDo(t, st.DB.WithContext(ctx).CreateInBatches(f.conv, 200).Error)
	return f
}

func (f *fixture) randomClick(rng *rand.Rand, start time.Time) model.Click {
	at := start.Add(time.Duration(rng.Int64N(int64(7 * 24 * time.Hour)))).UTC().Truncate(time.Microsecond)
	camp := f.camps[rng.IntN(len(f.camps))]
	c := model.Click{
		ID: uuid.Must(uuid.NewV7()).String(), CreatedAt: at, CampaignID: camp.ID,
		StreamID: camp.ID*10 + int64(rng.IntN(2)), OfferID: int64(rng.IntN(3) + 1),
		Country: pick(rng, fxCountries), DeviceType: pick(rng, fxDevices), OS: pick(rng, fxOS),
		Browser: pick(rng, fxBrowsers), IsBot: rng.IntN(10) == 0, IsUniqueCampaign: rng.IntN(2) == 0,
		IsUniqueStream: rng.IntN(3) == 0, IsUniqueGlobal: rng.IntN(4) == 0,
		Cost: float64(rng.IntN(100)) / 100, SubID1: fmt.Sprintf("s%d", rng.IntN(15)),
		SubID2: pick(rng, []string{"alpha", "beta", "gamma", "a.b", "50%_off", "O'Brien"}),
		Region: pick(rng, []string{"North", "South"}), ExtraParams: model.JSONText("{}"),
	}
	if rng.IntN(3) == 0 {
		c.Referrer = "https://ref.example/" + c.SubID1
	}
	if rng.IntN(5) == 0 {
		lp := at.Add(time.Minute)
		c.LPClickedAt = &lp
	}
	return c
}

func (f *fixture) randomConversion(rng *rand.Rand, c *model.Click, i int) model.Conversion {
	at := c.CreatedAt.Add(time.Duration(rng.Int64N(int64(36 * time.Hour))))
	clickAt := c.CreatedAt
	rev := float64(rng.IntN(5000)) / 100
	return model.Conversion{ClickID: c.ID, TID: fmt.Sprint(i), Status: pick(rng, fxStatuses), Payout: rev,
		Revenue: rev, Attributed: true, ClickCreatedAt: &clickAt, CampaignID: c.CampaignID, StreamID: c.StreamID,
		OfferID: c.OfferID, Country: c.Country, DeviceType: c.DeviceType, OS: c.OS, Browser: c.Browser,
		IsBot: c.IsBot, SubID1: c.SubID1, Params: model.JSONText("{}"), CreatedAt: at, UpdatedAt: at}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// expected counts straight from the rows what a report over [from, to)
// should total, keyed by key(click) (or "" for unattributed conversions).
func (f *fixture) expected(from, to time.Time, byConversionTime bool, key func(*model.Click, time.Time) string) map[string]*base {
	out := map[string]*base{}
	get := func(k string) *base {
		if out[k] == nil {
			out[k] = &base{}
		}
		return out[k]
	}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	byID := map[string]*model.Click{}
	for i := range f.clk {
		c := &f.clk[i]
		byID[c.ID] = c
		if !in(c.CreatedAt) {
			continue
		}
		b := get(key(c, c.CreatedAt))
		b.Clicks++
		b.CampaignUnique += b2f(c.IsUniqueCampaign)
		b.StreamUnique += b2f(c.IsUniqueStream)
		b.GlobalUnique += b2f(c.IsUniqueGlobal)
		b.Bots += b2f(c.IsBot)
		b.EmptyReferrers += b2f(c.Referrer == "")
		b.LPClicks += b2f(c.LPClickedAt != nil)
		b.Cost += c.Cost
	}
	for _, cv := range f.conv {
		at := cv.CreatedAt
		if !byConversionTime {
			if cv.ClickCreatedAt == nil {
				continue
			}
			at = *cv.ClickCreatedAt
		}
		if !in(at) {
			continue
		}
		k := ""
		if c := byID[cv.ClickID]; c != nil {
			k = key(c, at)
		} else {
			k = key(&model.Click{}, at)
		}
		b := get(k)
		switch cv.Status {
		case model.StatusLead:
			b.Leads++
			b.LeadRevenue += cv.Revenue
		case model.StatusSale:
			b.Sales++
			b.SaleRevenue += cv.Revenue
		case model.StatusRejected:
			b.Rejected++
			b.RejectedRevenue += cv.Revenue
		case model.StatusRebill:
			b.Rebills++
			b.RebillRevenue += cv.Revenue
		}
	}
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

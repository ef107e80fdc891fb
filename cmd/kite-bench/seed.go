package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/report"
	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

func init() {
	register("seed", "fill a database with realistic config, clicks and conversions", runSeed)
}

type seedOptions struct {
	db                  string
	clicks, conversions int
	days, campaigns     int
	batch, workers      int
	seed                uint64
}

func runSeed(args []string) error {
	var o seedOptions
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.StringVar(&o.db, "db", envOr("KITE_DATABASE_URL", "sqlite:./data/kite.db"), "database URL")
	fs.IntVar(&o.clicks, "clicks", 100000, "clicks to create")
	fs.IntVar(&o.conversions, "conversions", -1, "conversions to create (default 3% of clicks)")
	fs.IntVar(&o.days, "days", 30, "days the clicks are spread over, ending now")
	fs.IntVar(&o.campaigns, "campaigns", 20, "campaigns to create")
	fs.IntVar(&o.batch, "batch", 2000, "clicks per InsertBatch call")
	fs.IntVar(&o.workers, "workers", 2, "parallel writers (Postgres; SQLite always uses 1)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.conversions < 0 {
		o.conversions = o.clicks * 3 / 100
	}
	ctx := context.Background()
	st, err := store.Open(ctx, o.db, slog.Default())
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil {
		return err
	}
	return seed(ctx, st, o)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// compactEvery is how many batches the seed writes between compactions of
// the report cubes' recent delta rows.
const compactEvery = 100

func seed(ctx context.Context, st *store.Store, o seedOptions) error {
	rng := rand.New(rand.NewPCG(o.seed, o.seed*31+7))
	cfg, err := seedConfig(ctx, st, rng, o.campaigns)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	end := time.Now().UTC()
	start := end.Add(-time.Duration(o.days) * 24 * time.Hour)
	quiet := slog.New(slog.DiscardHandler)
	if err := report.NewMaintainer(st, 0, quiet).EnsurePartitions(ctx, start, end.Add(24*time.Hour)); err != nil {
		return err
	}
	gen := &clickGen{rng: rng, cfg: cfg, start: start, span: end.Sub(start)}
	workers := o.workers
	if !st.IsPostgres() || workers < 1 {
		workers = 1
	}
	batches := make(chan []model.Click, workers*2)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if err := clicks.InsertBatch(ctx, st, b); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	began := time.Now()
	var convs []model.Conversion
	var convTime time.Duration
	for done := 0; done < o.clicks && firstErr == nil; {
		n := min(o.batch, o.clicks-done)
		b := make([]model.Click, n)
		for i := range b {
			k := done + i
			b[i] = gen.click(float64(k) / float64(o.clicks))
			// Exactly o.conversions, spread evenly over the clicks.
			if (k+1)*o.conversions/o.clicks > k*o.conversions/o.clicks {
				convs = append(convs, gen.conversion(&b[i], end))
			}
		}
		batches <- b
		done += n
		if done%(o.batch*compactEvery) == 0 {
			// A running Kite folds the cubes' delta rows every minute; do it
			// as the load goes, for the last days (older ones are done).
			since := start.Add(time.Duration(float64(done)/float64(o.clicks)*float64(end.Sub(start)))).AddDate(0, 0, -2)
			if err := report.NewMaintainer(st, 0, quiet).CompactCubes(ctx, since); err != nil {
				return err
			}
		}
		if len(convs) >= 2000 {
			t := time.Now()
			if err := insertConversions(ctx, st, convs); err != nil {
				return err
			}
			convTime += time.Since(t)
			gen.convsMade += len(convs)
			convs = convs[:0]
		}
		if done%(o.batch*50) == 0 {
			fmt.Printf("  %d clicks, %.0f rows/s\n", done, float64(done)/time.Since(began).Seconds())
		}
	}
	close(batches)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	clickSecs := time.Since(began).Seconds()
	t := time.Now()
	if err := insertConversions(ctx, st, convs); err != nil {
		return err
	}
	convTime += time.Since(t)
	gen.convsMade += len(convs)
	t = time.Now()
	if err := report.NewMaintainer(st, 0, quiet).CompactCubes(ctx, start); err != nil {
		return err
	}
	if st.IsPostgres() {
		// Fresh statistics and no dead delta rows, as autovacuum would leave them.
		for _, table := range []string{"report_cube_entities", "report_cube_countries", "report_cube_entities_daily",
			"report_cube_countries_daily", "report_cube_sub_id_1_daily", "report_conv_entities_daily",
			"report_conv_countries_daily", "click_stats_hourly", "conversions", "clicks"} {
			if err := st.DB.WithContext(ctx).Exec("VACUUM ANALYZE " + table).Error; err != nil {
				return err
			}
		}
	}
	fmt.Printf("report cubes compacted and vacuumed in %.1fs\n", time.Since(t).Seconds())
	fmt.Printf("clicks:      %d in %.1fs = %.0f rows/s (InsertBatch with rollup, %d writer(s), batch %d)\n",
		o.clicks, clickSecs, float64(o.clicks)/clickSecs, workers, o.batch)
	fmt.Printf("conversions: %d in %.1fs = %.0f rows/s\n", gen.convsMade, convTime.Seconds(),
		float64(gen.convsMade)/max(convTime.Seconds(), 1e-9))
	return nil
}

func insertConversions(ctx context.Context, st *store.Store, convs []model.Conversion) error {
	if len(convs) == 0 {
		return nil
	}
	return st.DB.WithContext(ctx).Session(&gorm.Session{CreateBatchSize: 200}).Create(&convs).Error
}

// uuidAt is a UUIDv7 whose embedded time is t, so the click id and its
// created_at agree as they do for live clicks.
func uuidAt(t time.Time) string {
	u := uuid.Must(uuid.NewV7())
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(t.UnixMilli()))
	copy(u[:6], ms[2:])
	return u.String()
}

// seedConfigSet is what clicks are drawn from.
type seedConfigSet struct {
	campaigns []model.Campaign
	streams   map[int64][]model.Stream // by campaign
	payout    map[int64]float64        // by offer
	network   map[int64]int64          // offer -> affiliate network
	landings  []int64
}

func seedConfig(ctx context.Context, st *store.Store, rng *rand.Rand, nCampaigns int) (*seedConfigSet, error) {
	db := st.DB.WithContext(ctx)
	cfg := &seedConfigSet{streams: map[int64][]model.Stream{}, payout: map[int64]float64{}, network: map[int64]int64{}}
	tag := fmt.Sprintf("%04x", rng.IntN(1<<16)) // several seeds may share a database
	var nets []int64
	for i := range 3 {
		n := model.AffiliateNetwork{Name: fmt.Sprintf("Network %d %s", i+1, tag), State: model.StateActive,
			AllowedIPs: "[]", DuplicatePolicy: model.DuplicateIgnore}
		if err := db.Create(&n).Error; err != nil {
			return nil, err
		}
		nets = append(nets, n.ID)
	}
	var sources []int64
	for _, name := range []string{"PropellerAds", "Facebook", "Google Ads", "TikTok"} {
		s := model.TrafficSource{Name: name + " " + tag, PostbackMethod: "GET", PostbackStatuses: `["sale"]`,
			AcceptParameters: true, Parameters: "{}", State: model.StateActive}
		if err := db.Create(&s).Error; err != nil {
			return nil, err
		}
		sources = append(sources, s.ID)
	}
	var offers []int64
	for i := range 30 {
		net := nets[i%len(nets)]
		o := model.Offer{Name: fmt.Sprintf("Offer %d %s", i+1, tag), OfferType: "external", ActionType: "http",
			ActionPayload: "https://offer.example/?click={subid}", ActionOptions: "{}", AffiliateNetworkID: &net,
			PayoutValue: float64(5 + rng.IntN(46)), PayoutCurrency: "USD", PayoutType: "CPA", Country: "[]",
			State: model.StateActive, ConversionTimezone: "UTC"}
		if err := db.Create(&o).Error; err != nil {
			return nil, err
		}
		offers = append(offers, o.ID)
		cfg.payout[o.ID], cfg.network[o.ID] = o.PayoutValue, net
	}
	for i := range 10 {
		l := model.Landing{Name: fmt.Sprintf("Landing %d %s", i+1, tag), LandingType: "external", ActionType: "http",
			ActionPayload: "https://lp.example/", ActionOptions: "{}", OfferCount: 1, State: model.StateActive}
		if err := db.Create(&l).Error; err != nil {
			return nil, err
		}
		cfg.landings = append(cfg.landings, l.ID)
	}
	for i := range nCampaigns {
		ts := sources[i%len(sources)]
		c := model.Campaign{Alias: fmt.Sprintf("seed-%s-%d", tag, i+1), Name: fmt.Sprintf("Campaign %d %s", i+1, tag),
			Type: "position", CookiesTTL: 24, State: model.StateActive, CostType: "CPC", CostValue: 0.05,
			TrafficSourceID: &ts, Parameters: "{}", Token: uuid.NewString()}
		if err := db.Omit("Postbacks").Create(&c).Error; err != nil {
			return nil, err
		}
		cfg.campaigns = append(cfg.campaigns, c)
		for j, typ := range []string{"regular", "regular", "default"} {
			s := model.Stream{CampaignID: c.ID, Type: typ, Name: fmt.Sprintf("%s %d", typ, j+1), Position: j,
				Weight: 100, ActionType: "http", ActionOptions: "{}", Schema: "landings", CollectClicks: true,
				State:  model.StateActive,
				Offers: []model.StreamOffer{{OfferID: offers[rng.IntN(len(offers))], Share: 100, State: model.StateActive}},
				Landings: []model.StreamLanding{{LandingID: cfg.landings[rng.IntN(len(cfg.landings))], Share: 100,
					State: model.StateActive}}}
			if err := db.Omit("Filters").Create(&s).Error; err != nil {
				return nil, err
			}
			cfg.streams[c.ID] = append(cfg.streams[c.ID], s)
		}
	}
	return cfg, nil
}

// clickGen draws realistic clicks: a daily traffic curve, skewed campaigns
// and countries, ~100k distinct sub_id_1 values.
type clickGen struct {
	rng       *rand.Rand
	cfg       *seedConfigSet
	start     time.Time
	span      time.Duration
	convsMade int
}

var (
	seedCountries = []string{"US", "US", "US", "DE", "DE", "GB", "FR", "IN", "IN", "BR", "BR", "ID", "MX", "RU", "TR", "PL",
		"CA", "AU", "JP", "ES", "IT", "NL", "VN", "TH", "PH"}
	seedDevices  = []string{"mobile", "mobile", "mobile", "desktop", "desktop", "tablet"}
	seedOS       = []string{"Android", "Android", "iOS", "Windows", "macOS", "Linux"}
	seedBrowsers = []string{"Chrome", "Chrome", "Chrome", "Safari", "Firefox", "Edge", "Opera", "Samsung Internet"}
	seedStatuses = []string{model.StatusSale, model.StatusSale, model.StatusSale, model.StatusSale, model.StatusSale,
		model.StatusLead, model.StatusLead, model.StatusLead, model.StatusRejected, model.StatusRejected,
		model.StatusRejected, model.StatusRebill}
)

// click makes the click at share progress (0..1) of the run. Clicks come
// day by day, as a tracker receives them (the rollups' rows then lie on disk
// day by day too), in random order within a day, whose evenings are busier.
func (g *clickGen) click(progress float64) model.Click {
	r := g.rng
	day := g.start.Add(time.Duration(progress * float64(g.span))).Truncate(24 * time.Hour)
	at := day.Add(time.Duration(r.Int64N(int64(24 * time.Hour))))
	if r.IntN(3) == 0 { // evenings are busier
		at = day.Add(time.Duration(17+r.IntN(6))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
	}
	if at.Before(g.start) {
		at = at.Add(24 * time.Hour)
	}
	if end := g.start.Add(g.span); at.After(end) {
		at = at.Add(-24 * time.Hour)
	}
	at = at.UTC().Truncate(time.Microsecond)
	camp := g.cfg.campaigns[min(int(r.ExpFloat64()*float64(len(g.cfg.campaigns))/4), len(g.cfg.campaigns)-1)]
	streams := g.cfg.streams[camp.ID]
	s := streams[r.IntN(len(streams))]
	offer := s.Offers[0].OfferID
	c := model.Click{ID: uuidAt(at), CreatedAt: at, CampaignID: camp.ID, StreamID: s.ID, OfferID: offer,
		LandingID: s.Landings[0].LandingID, TrafficSourceID: *camp.TrafficSourceID,
		AffiliateNetworkID: g.cfg.network[offer], IP: fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
		UserAgent: "Mozilla/5.0 (seed)", Language: pick(r, []string{"en", "de", "fr", "pt", "hi"}),
		Country: pick(r, seedCountries), DeviceType: pick(r, seedDevices), OS: pick(r, seedOS),
		Browser: pick(r, seedBrowsers), IsBot: r.IntN(50) == 0, IsUniqueCampaign: r.IntN(10) < 7,
		IsUniqueStream: r.IntN(10) < 6, IsUniqueGlobal: r.IntN(10) < 5, Cost: 0.05,
		SubID1: fmt.Sprintf("zone%d", r.IntN(100000)), SubID2: fmt.Sprintf("creative%d", r.IntN(200)),
		Source: pick(r, []string{"site-a.example", "site-b.example", "app.example"}), ExtraParams: "{}"}
	if r.IntN(4) != 0 {
		c.Referrer = "https://" + c.Source + "/"
	}
	if r.IntN(3) == 0 {
		lp := at.Add(time.Duration(5+r.IntN(60)) * time.Second)
		c.LPClickedAt = &lp
	}
	return c
}

func (g *clickGen) conversion(c *model.Click, now time.Time) model.Conversion {
	at := c.CreatedAt.Add(time.Duration(g.rng.Int64N(int64(48 * time.Hour))))
	if at.After(now) {
		at = now
	}
	clickAt := c.CreatedAt
	pay := g.cfg.payout[c.OfferID]
	return model.Conversion{ClickID: c.ID, TID: uuid.NewString(), Status: pick(g.rng, seedStatuses),
		OriginalStatus: "approved", Payout: pay, Currency: "USD", Revenue: pay, Attributed: true,
		ClickCreatedAt: &clickAt, CampaignID: c.CampaignID, StreamID: c.StreamID, OfferID: c.OfferID,
		LandingID: c.LandingID, TrafficSourceID: c.TrafficSourceID, AffiliateNetworkID: c.AffiliateNetworkID,
		Country: c.Country, DeviceType: c.DeviceType, OS: c.OS, Browser: c.Browser, Language: c.Language,
		IsBot: c.IsBot, ConnectionType: c.ConnectionType, ExternalID: c.ExternalID, SubID1: c.SubID1, Params: "{}", CreatedAt: at, UpdatedAt: at}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Package snapshot keeps the tracker's configuration in memory for the click
// path: every active campaign compiled for routing, with its offers, landings,
// traffic sources, affiliate networks, bot list and settings. A snapshot is
// immutable once built; a Holder swaps in a fresh one when the admin side
// announces a change over Redis, and on a timer as a safety net.
package snapshot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
)

// Snapshot is one consistent view of the configuration. Never modify it.
type Snapshot struct {
	LoadedAt  time.Time
	Campaigns map[int64]*routing.Campaign
	ByAlias   map[string]*routing.Campaign
	Offers    map[int64]*model.Offer
	Landings  map[int64]*model.Landing
	Sources   map[int64]*model.TrafficSource
	Networks  map[int64]*model.AffiliateNetwork
	BotList   []model.BotListEntry
	Settings  map[string]string
	// Currency is the tracker currency (settings; USD when unset) and Rates
	// convert other currencies into it: 1 unit of the key = Rates[key] units.
	Currency string
	Rates    map[string]float64
	// DefaultCampaign answers unknown aliases when settings name one.
	DefaultCampaign *routing.Campaign
	// Warnings are configuration problems found while compiling (bad
	// filters, streams whose offers were all deleted); logged on load.
	Warnings []string
}

// Data is the raw configuration a snapshot is built from.
type Data struct {
	Campaigns []model.Campaign // active ones
	Streams   []model.Stream   // active, with Filters, Offers and Landings filled
	Offers    []model.Offer    // active
	Landings  []model.Landing  // active
	Sources   []model.TrafficSource
	Networks  []model.AffiliateNetwork
	BotList   []model.BotListEntry
	Settings  []model.Setting
	Rates     []model.CurrencyRate
}

// Empty is the snapshot before the first load: every alias is unknown.
func Empty() *Snapshot {
	return Build(Data{}, time.Time{})
}

// Build compiles d into a snapshot. It is pure, so tests and the simulator
// can build snapshots without a database.
func Build(d Data, now time.Time) *Snapshot {
	s := &Snapshot{
		LoadedAt:  now,
		Campaigns: make(map[int64]*routing.Campaign, len(d.Campaigns)),
		ByAlias:   make(map[string]*routing.Campaign, len(d.Campaigns)),
		Offers:    make(map[int64]*model.Offer, len(d.Offers)),
		Landings:  make(map[int64]*model.Landing, len(d.Landings)),
		Sources:   make(map[int64]*model.TrafficSource, len(d.Sources)),
		Networks:  make(map[int64]*model.AffiliateNetwork, len(d.Networks)),
		BotList:   d.BotList,
		Settings:  make(map[string]string, len(d.Settings)),
		Currency:  "USD",
		Rates:     make(map[string]float64, len(d.Rates)),
	}
	for i := range d.Offers {
		s.Offers[d.Offers[i].ID] = &d.Offers[i]
	}
	for i := range d.Landings {
		s.Landings[d.Landings[i].ID] = &d.Landings[i]
	}
	for i := range d.Sources {
		s.Sources[d.Sources[i].ID] = &d.Sources[i]
	}
	for i := range d.Networks {
		s.Networks[d.Networks[i].ID] = &d.Networks[i]
	}
	for _, st := range d.Settings {
		s.Settings[st.Key] = st.Value
	}
	if c := NormCurrency(s.Settings[model.SettingCurrency]); c != "" {
		s.Currency = c
	}
	for _, r := range d.Rates {
		if c := NormCurrency(r.Currency); c != "" && r.Rate > 0 && !math.IsInf(r.Rate, 0) {
			s.Rates[c] = r.Rate
		}
	}
	byCampaign := map[int64][]model.Stream{}
	for _, st := range d.Streams {
		byCampaign[st.CampaignID] = append(byCampaign[st.CampaignID], st)
	}
	cat := &routing.Catalog{Offers: s.Offers, Landings: s.Landings, Sources: s.Sources}
	for i := range d.Campaigns {
		mc := &d.Campaigns[i]
		c, errs := routing.Compile(mc, byCampaign[mc.ID], cat)
		for _, err := range errs {
			s.Warnings = append(s.Warnings, fmt.Sprintf("campaign %d (%s): %v", mc.ID, mc.Alias, err))
		}
		s.Campaigns[mc.ID] = c
		s.ByAlias[mc.Alias] = c
	}
	if id, err := strconv.ParseInt(s.Settings[model.SettingDefaultCampaign], 10, 64); err == nil {
		s.DefaultCampaign = s.Campaigns[id]
	}
	return s
}

// Campaign finds a campaign by alias.
func (s *Snapshot) Campaign(alias string) *routing.Campaign { return s.ByAlias[alias] }

// CampaignRef finds a campaign by id or alias: the payload of a `campaign`
// action may hold either.
func (s *Snapshot) CampaignRef(ref string) *routing.Campaign {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if c := s.Campaigns[id]; c != nil {
			return c
		}
	}
	return s.ByAlias[ref]
}

// ToTracker converts amount in currency into the tracker currency. An empty
// currency or the tracker's own needs no rate; with no rate for currency it
// returns the amount unchanged and false.
func (s *Snapshot) ToTracker(amount float64, currency string) (float64, bool) {
	c := NormCurrency(currency)
	if amount == 0 || c == "" || c == s.Currency {
		return amount, true
	}
	rate, ok := s.Rates[c]
	if !ok {
		return amount, false
	}
	return amount * rate, true
}

// NormCurrency returns an ISO 4217 code in upper case, or "" when s is not
// three letters.
func NormCurrency(s string) string {
	s = strings.TrimSpace(s)
	if len(s) != 3 {
		return ""
	}
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		if ch < 'A' || ch > 'Z' {
			return ""
		}
		b[i] = ch
	}
	return string(b)
}

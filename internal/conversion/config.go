package conversion

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// snapshot is the configuration the postback path needs, loaded in one go
// and reused for CacheTTL, so a postback costs no configuration queries.
type snapshot struct {
	loadedAt    time.Time
	postbackKey string
	currency    string // the tracker currency
	rates       map[string]float64
	offers      map[int64]*model.Offer
	campaigns   map[int64]*model.Campaign // with Postbacks
	sources     map[int64]*model.TrafficSource
	networks    map[int64]*model.AffiliateNetwork
	byToken     map[string]*model.AffiliateNetwork
	allowedIPs  map[int64][]netip.Prefix // network id -> allowlist (absent = any)
}

// configCache keeps the current snapshot and reloads it when it is older
// than the TTL; one goroutine reloads while the others keep the old one
// (unless it was invalidated or is older than twice the TTL: then they wait).
type configCache struct {
	s       *Service
	ttl     time.Duration
	current atomic.Pointer[snapshot]
	mu      sync.Mutex
}

func (c *configCache) get(ctx context.Context) (*snapshot, error) {
	snap := c.current.Load()
	if snap != nil && time.Since(snap.loadedAt) < c.ttl {
		return snap, nil
	}
	// While one goroutine reloads, the others keep a snapshot just past its
	// TTL. Not an invalidated or long-idle one: it may predate a campaign or
	// traffic source, and a postback written with it would miss its S2S
	// postbacks and offer price for good.
	if snap != nil && !snap.loadedAt.IsZero() && time.Since(snap.loadedAt) < 2*c.ttl {
		if !c.mu.TryLock() {
			return snap, nil
		}
	} else {
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if cur := c.current.Load(); cur != nil && time.Since(cur.loadedAt) < c.ttl {
		return cur, nil
	}
	fresh, err := c.s.loadSnapshot(ctx)
	if err != nil {
		if snap != nil {
			c.s.log.Error("reload postback config; keeping the old one", "err", err)
			return snap, nil
		}
		return nil, err
	}
	c.current.Store(fresh)
	return fresh, nil
}

// invalidate makes the next get reload (after an admin change of ours).
func (c *configCache) invalidate() {
	if snap := c.current.Load(); snap != nil {
		cp := *snap
		cp.loadedAt = time.Time{}
		c.current.Store(&cp)
	}
}

func (s *Service) loadSnapshot(ctx context.Context) (*snapshot, error) {
	db := s.st.DB.WithContext(ctx)
	var (
		settings  []model.Setting
		rates     []model.CurrencyRate
		offers    []model.Offer
		campaigns []model.Campaign
		postbacks []model.CampaignPostback
		sources   []model.TrafficSource
		networks  []model.AffiliateNetwork
	)
	for _, q := range []struct {
		dest any
		cond string
	}{{&settings, "key IN ('postback_key', 'currency')"}, {&rates, ""}, {&offers, ""}, {&campaigns, ""},
		{&postbacks, ""}, {&sources, ""}, {&networks, ""}} {
		tx := db
		if q.cond != "" {
			tx = tx.Where(q.cond)
		}
		if err := tx.Find(q.dest).Error; err != nil {
			return nil, err
		}
	}
	snap := &snapshot{loadedAt: time.Now(), currency: "USD", rates: map[string]float64{},
		offers: map[int64]*model.Offer{}, campaigns: map[int64]*model.Campaign{},
		sources: map[int64]*model.TrafficSource{}, networks: map[int64]*model.AffiliateNetwork{},
		byToken: map[string]*model.AffiliateNetwork{}, allowedIPs: map[int64][]netip.Prefix{}}
	for _, st := range settings {
		switch st.Key {
		case model.SettingPostbackKey:
			snap.postbackKey = st.Value
		case model.SettingCurrency:
			if c := normCurrency(st.Value); c != "" {
				snap.currency = c
			}
		}
	}
	for _, r := range rates {
		snap.rates[normCurrency(r.Currency)] = r.Rate
	}
	for i := range offers {
		snap.offers[offers[i].ID] = &offers[i]
	}
	for i := range campaigns {
		snap.campaigns[campaigns[i].ID] = &campaigns[i]
	}
	for _, p := range postbacks {
		if c := snap.campaigns[p.CampaignID]; c != nil {
			c.Postbacks = append(c.Postbacks, p)
		}
	}
	for i := range sources {
		snap.sources[sources[i].ID] = &sources[i]
	}
	for i := range networks {
		n := &networks[i]
		snap.networks[n.ID] = n
		if n.PostbackToken != "" && n.State != model.StateDeleted {
			snap.byToken[n.PostbackToken] = n
		}
		if ips := parseAllowedIPs(n.AllowedIPs); len(ips) > 0 {
			snap.allowedIPs[n.ID] = ips
		}
	}
	return snap, nil
}

// parseAllowedIPs reads a network's allowlist: a JSON array (or a comma
// list) of addresses and CIDRs. Entries that parse as neither are skipped.
func parseAllowedIPs(doc model.JSONText) []netip.Prefix {
	var list []string
	if err := doc.Decode(&list); err != nil {
		list = strings.Split(string(doc), ",")
	}
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out
}

// ipAllowed tells whether remote may post for a network with the allowlist.
func ipAllowed(list []netip.Prefix, remote string) bool {
	if len(list) == 0 {
		return true
	}
	a, err := netip.ParseAddr(remote)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// statusesOf reads a JSON status list (["lead","sale"]).
func statusesOf(doc model.JSONText) []string {
	var list []string
	if err := json.Unmarshal([]byte(doc), &list); err != nil {
		return nil
	}
	return list
}

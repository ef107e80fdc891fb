package catalog

import (
	"context"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// AffiliateNetworkRequest creates or updates an affiliate network; nil fields keep their value.
type AffiliateNetworkRequest struct {
	Name            *string   `json:"name"`
	PostbackURL     *string   `json:"postback_url"`
	OfferParam      *string   `json:"offer_param"`
	State           *string   `json:"state"`
	TemplateName    *string   `json:"template_name"`
	Notes           *string   `json:"notes"`
	PullAPIOptions  *string   `json:"pull_api_options"`
	PostbackToken   *string   `json:"postback_token"`
	AllowedIPs      *[]string `json:"allowed_ips"`
	DuplicatePolicy *string   `json:"duplicate_policy"`
}

func (r *AffiliateNetworkRequest) apply(m *model.AffiliateNetwork) {
	setStr(&m.Name, r.Name)
	setStr(&m.PostbackURL, r.PostbackURL)
	setStr(&m.OfferParam, r.OfferParam)
	setStr(&m.State, r.State)
	setStr(&m.TemplateName, r.TemplateName)
	setStr(&m.Notes, r.Notes)
	setStr(&m.PullAPIOptions, r.PullAPIOptions)
	setStr(&m.PostbackToken, r.PostbackToken)
	if r.AllowedIPs != nil {
		m.AllowedIPs = model.MustJSON(nonNil(*r.AllowedIPs))
	}
	setStr(&m.DuplicatePolicy, r.DuplicatePolicy)
}

func newAffiliateNetwork() model.AffiliateNetwork {
	return model.AffiliateNetwork{State: model.StateActive, AllowedIPs: "[]", DuplicatePolicy: model.DuplicateIgnore}
}

func checkAffiliateNetwork(m *model.AffiliateNetwork) error {
	c := newChecker()
	c.name("name", m.Name)
	c.enum("state", m.State, States)
	c.enum("duplicate_policy", m.DuplicatePolicy, DuplicatePolicies)
	c.maxLen("postback_url", m.PostbackURL, MaxURL)
	c.maxLen("offer_param", m.OfferParam, MaxURL)
	c.maxLen("template_name", m.TemplateName, MaxName)
	c.maxLen("postback_token", m.PostbackToken, MaxName)
	c.maxLen("pull_api_options", m.PullAPIOptions, MaxNotes)
	c.maxLen("notes", m.Notes, MaxNotes)
	var ips []string
	if err := m.AllowedIPs.Decode(&ips); err != nil {
		c.add("allowed_ips", "must be a list of IP addresses or CIDRs")
	}
	for _, ip := range ips {
		if !ipOrCIDR(ip) {
			c.add("allowed_ips", "%q is not an IP address or CIDR", ip)
		}
	}
	return c.err()
}

// ListAffiliateNetworks returns networks in state (all but deleted when state is "").
func (c *Catalog) ListAffiliateNetworks(ctx context.Context, state string) ([]model.AffiliateNetwork, error) {
	var out []model.AffiliateNetwork
	return out, byState(c.db(ctx), state).Order("id").Find(&out).Error
}

// GetAffiliateNetwork returns one affiliate network.
func (c *Catalog) GetAffiliateNetwork(ctx context.Context, id int64) (*model.AffiliateNetwork, error) {
	var m model.AffiliateNetwork
	if err := first(c.db(ctx), &m, "affiliate network", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateAffiliateNetwork validates r and stores a new network.
func (c *Catalog) CreateAffiliateNetwork(ctx context.Context, r AffiliateNetworkRequest) (*model.AffiliateNetwork, error) {
	m := newAffiliateNetwork()
	r.apply(&m)
	if err := checkAffiliateNetwork(&m); err != nil {
		return nil, err
	}
	if err := c.write(ctx, func(tx *gorm.DB) error { return tx.Create(&m).Error }); err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateAffiliateNetwork applies the fields present in r.
func (c *Catalog) UpdateAffiliateNetwork(ctx context.Context, id int64, r AffiliateNetworkRequest) (*model.AffiliateNetwork, error) {
	var m model.AffiliateNetwork
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "affiliate network", id); err != nil {
			return err
		}
		r.apply(&m)
		if err := checkAffiliateNetwork(&m); err != nil {
			return err
		}
		return tx.Save(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// SetAffiliateNetworkState enables, disables, deletes (soft) or restores a network.
func (c *Catalog) SetAffiliateNetworkState(ctx context.Context, id int64, state string) (*model.AffiliateNetwork, error) {
	if err := c.setState(ctx, "affiliate_networks", "affiliate network", id, state); err != nil {
		return nil, err
	}
	return c.GetAffiliateNetwork(ctx, id)
}

// CloneAffiliateNetwork copies a network; the copy gets no postback token of its own.
func (c *Catalog) CloneAffiliateNetwork(ctx context.Context, id int64) (*model.AffiliateNetwork, error) {
	var m model.AffiliateNetwork
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "affiliate network", id); err != nil {
			return err
		}
		m.ID, m.Name, m.State, m.PostbackToken = 0, truncate(m.Name+" (copy)", MaxName), model.StateActive, ""
		return tx.Create(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

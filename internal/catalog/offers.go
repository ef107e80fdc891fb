package catalog

import (
	"context"
	"encoding/json"
	"strings"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// OfferRequest creates or updates an offer; nil fields keep their value.
type OfferRequest struct {
	Name                 *string         `json:"name"`
	GroupID              *int64          `json:"group_id"`
	OfferType            *string         `json:"offer_type"`
	ActionType           *string         `json:"action_type"`
	ActionPayload        *string         `json:"action_payload"`
	ActionOptions        json.RawMessage `json:"action_options"`
	AffiliateNetworkID   *int64          `json:"affiliate_network_id"`
	PayoutValue          *float64        `json:"payout_value"`
	PayoutCurrency       *string         `json:"payout_currency"`
	PayoutType           *string         `json:"payout_type"`
	PayoutAuto           *bool           `json:"payout_auto"`
	PayoutUpsell         *bool           `json:"payout_upsell"`
	Country              *[]string       `json:"country"`
	Notes                *string         `json:"notes"`
	State                *string         `json:"state"`
	ConversionCapEnabled *bool           `json:"conversion_cap_enabled"`
	DailyCap             *int            `json:"daily_cap"`
	ConversionTimezone   *string         `json:"conversion_timezone"`
	AlternativeOfferID   *int64          `json:"alternative_offer_id"`
}

func (r *OfferRequest) apply(m *model.Offer) {
	setStr(&m.Name, r.Name)
	if r.GroupID != nil {
		m.GroupID = groupID(r.GroupID)
	}
	setStr(&m.OfferType, r.OfferType)
	setStr(&m.ActionType, r.ActionType)
	setStr(&m.ActionPayload, r.ActionPayload)
	if r.ActionOptions != nil {
		m.ActionOptions = rawOrEmpty(r.ActionOptions)
	}
	if r.AffiliateNetworkID != nil {
		m.AffiliateNetworkID = groupID(r.AffiliateNetworkID)
	}
	setVal(&m.PayoutValue, r.PayoutValue)
	setStr(&m.PayoutCurrency, r.PayoutCurrency)
	setStr(&m.PayoutType, r.PayoutType)
	setVal(&m.PayoutAuto, r.PayoutAuto)
	setVal(&m.PayoutUpsell, r.PayoutUpsell)
	if r.Country != nil {
		m.Country = model.MustJSON(nonNil(*r.Country))
	}
	setStr(&m.Notes, r.Notes)
	setStr(&m.State, r.State)
	setVal(&m.ConversionCapEnabled, r.ConversionCapEnabled)
	setVal(&m.DailyCap, r.DailyCap)
	setStr(&m.ConversionTimezone, r.ConversionTimezone)
	if r.AlternativeOfferID != nil {
		m.AlternativeOfferID = groupID(r.AlternativeOfferID)
	}
}

func newOffer() model.Offer {
	return model.Offer{OfferType: "external", ActionType: "http", ActionOptions: "{}", PayoutType: "CPA",
		Country: "[]", State: model.StateActive, ConversionTimezone: "UTC"}
}

func checkOffer(tx *gorm.DB, m *model.Offer) error {
	c := newChecker()
	c.name("name", m.Name)
	c.enum("offer_type", m.OfferType, ObjectTypes)
	c.enum("action_type", m.ActionType, ActionTypes())
	c.enum("payout_type", m.PayoutType, PayoutTypes)
	c.enum("state", m.State, States)
	checkDestination(c, m.ActionType, m.ActionPayload)
	c.object("action_options", m.ActionOptions)
	c.currency("payout_currency", m.PayoutCurrency)
	c.between("payout_value", m.PayoutValue, 0, 1e9)
	c.between("daily_cap", float64(m.DailyCap), 0, 1e9)
	c.timezone("conversion_timezone", m.ConversionTimezone)
	c.maxLen("notes", m.Notes, MaxNotes)
	var countries []string
	if err := m.Country.Decode(&countries); err != nil {
		c.add("country", "must be a list of country codes")
	}
	for _, cc := range countries {
		if len(cc) != 2 || strings.ToUpper(cc) != cc {
			c.add("country", "%q is not an ISO 3166 alpha-2 code", cc)
		}
	}
	if m.AlternativeOfferID != nil && *m.AlternativeOfferID == m.ID {
		c.add("alternative_offer_id", "an offer cannot be its own alternative")
	}
	for _, ref := range []struct {
		field, table string
		id           *int64
	}{{"group_id", "groups", m.GroupID}, {"affiliate_network_id", "affiliate_networks", m.AffiliateNetworkID},
		{"alternative_offer_id", "offers", m.AlternativeOfferID}} {
		if err := c.ref(tx, ref.field, ref.table, ref.id); err != nil {
			return err
		}
	}
	return c.err()
}

// checkDestination validates the payload of an offer or landing for its action.
func checkDestination(c *checker, actionType, payload string) {
	if actionField(actionType) == "url" {
		c.url("action_payload", payload)
		return
	}
	c.maxLen("action_payload", payload, MaxNotes)
}

// ListOffers returns offers in state (all but deleted when state is "").
func (c *Catalog) ListOffers(ctx context.Context, state string) ([]model.Offer, error) {
	var out []model.Offer
	return out, byState(c.db(ctx), state).Order("id").Find(&out).Error
}

// GetOffer returns one offer.
func (c *Catalog) GetOffer(ctx context.Context, id int64) (*model.Offer, error) {
	var m model.Offer
	if err := first(c.db(ctx), &m, "offer", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateOffer validates r and stores a new offer.
func (c *Catalog) CreateOffer(ctx context.Context, r OfferRequest) (*model.Offer, error) {
	m := newOffer()
	r.apply(&m)
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := checkOffer(tx, &m); err != nil {
			return err
		}
		return tx.Create(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateOffer applies the fields present in r.
func (c *Catalog) UpdateOffer(ctx context.Context, id int64, r OfferRequest) (*model.Offer, error) {
	var m model.Offer
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "offer", id); err != nil {
			return err
		}
		r.apply(&m)
		if err := checkOffer(tx, &m); err != nil {
			return err
		}
		return tx.Save(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// SetOfferState enables, disables, archives (deleted) or restores an offer.
func (c *Catalog) SetOfferState(ctx context.Context, id int64, state string) (*model.Offer, error) {
	if err := c.setState(ctx, "offers", "offer", id, state); err != nil {
		return nil, err
	}
	return c.GetOffer(ctx, id)
}

// CloneOffer copies an offer under the name "... (copy)".
func (c *Catalog) CloneOffer(ctx context.Context, id int64) (*model.Offer, error) {
	var m model.Offer
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "offer", id); err != nil {
			return err
		}
		m.ID, m.Name, m.State = 0, truncate(m.Name+" (copy)", MaxName), model.StateActive
		return tx.Create(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

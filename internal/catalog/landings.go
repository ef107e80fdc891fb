package catalog

import (
	"context"
	"encoding/json"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// LandingRequest creates or updates a landing page; nil fields keep their value.
type LandingRequest struct {
	Name          *string         `json:"name"`
	GroupID       *int64          `json:"group_id"`
	LandingType   *string         `json:"landing_type"`
	ActionType    *string         `json:"action_type"`
	ActionPayload *string         `json:"action_payload"`
	ActionOptions json.RawMessage `json:"action_options"`
	OfferCount    *int            `json:"offer_count"`
	Notes         *string         `json:"notes"`
	State         *string         `json:"state"`
}

func (r *LandingRequest) apply(m *model.Landing) {
	setStr(&m.Name, r.Name)
	if r.GroupID != nil {
		m.GroupID = groupID(r.GroupID)
	}
	setStr(&m.LandingType, r.LandingType)
	setStr(&m.ActionType, r.ActionType)
	setStr(&m.ActionPayload, r.ActionPayload)
	if r.ActionOptions != nil {
		m.ActionOptions = rawOrEmpty(r.ActionOptions)
	}
	setVal(&m.OfferCount, r.OfferCount)
	setStr(&m.Notes, r.Notes)
	setStr(&m.State, r.State)
}

func newLanding() model.Landing {
	return model.Landing{LandingType: "external", ActionType: "http", ActionOptions: "{}", OfferCount: 1, State: model.StateActive}
}

func checkLanding(tx *gorm.DB, m *model.Landing) error {
	c := newChecker()
	c.name("name", m.Name)
	c.enum("landing_type", m.LandingType, ObjectTypes)
	c.enum("action_type", m.ActionType, ActionTypes())
	c.enum("state", m.State, States)
	checkDestination(c, m.ActionType, m.ActionPayload)
	c.object("action_options", m.ActionOptions)
	c.between("offer_count", float64(m.OfferCount), 0, 100)
	c.maxLen("notes", m.Notes, MaxNotes)
	if err := c.ref(tx, "group_id", "groups", m.GroupID); err != nil {
		return err
	}
	return c.err()
}

// ListLandings returns landing pages in state (all but deleted when state is "").
func (c *Catalog) ListLandings(ctx context.Context, state string) ([]model.Landing, error) {
	var out []model.Landing
	return out, byState(c.db(ctx), state).Order("id").Find(&out).Error
}

// GetLanding returns one landing page.
func (c *Catalog) GetLanding(ctx context.Context, id int64) (*model.Landing, error) {
	var m model.Landing
	if err := first(c.db(ctx), &m, "landing page", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateLanding validates r and stores a new landing page.
func (c *Catalog) CreateLanding(ctx context.Context, r LandingRequest) (*model.Landing, error) {
	m := newLanding()
	r.apply(&m)
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := checkLanding(tx, &m); err != nil {
			return err
		}
		return tx.Create(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateLanding applies the fields present in r.
func (c *Catalog) UpdateLanding(ctx context.Context, id int64, r LandingRequest) (*model.Landing, error) {
	var m model.Landing
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "landing page", id); err != nil {
			return err
		}
		r.apply(&m)
		if err := checkLanding(tx, &m); err != nil {
			return err
		}
		return tx.Save(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// SetLandingState enables, disables, deletes (soft) or restores a landing page.
func (c *Catalog) SetLandingState(ctx context.Context, id int64, state string) (*model.Landing, error) {
	if err := c.setState(ctx, "landing_pages", "landing page", id, state); err != nil {
		return nil, err
	}
	return c.GetLanding(ctx, id)
}

// CloneLanding copies a landing page under the name "... (copy)".
func (c *Catalog) CloneLanding(ctx context.Context, id int64) (*model.Landing, error) {
	var m model.Landing
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "landing page", id); err != nil {
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

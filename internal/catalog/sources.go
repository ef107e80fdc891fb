package catalog

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// TrafficSourceRequest creates or updates a traffic source; nil fields keep their value.
type TrafficSourceRequest struct {
	Name             *string                 `json:"name"`
	PostbackURL      *string                 `json:"postback_url"`
	PostbackMethod   *string                 `json:"postback_method"`
	PostbackStatuses *[]string               `json:"postback_statuses"`
	TemplateName     *string                 `json:"template_name"`
	AcceptParameters *bool                   `json:"accept_parameters"`
	Parameters       *model.SourceParameters `json:"parameters"`
	Notes            *string                 `json:"notes"`
	State            *string                 `json:"state"`
	TrafficLoss      *float64                `json:"traffic_loss"`
}

func (r *TrafficSourceRequest) apply(m *model.TrafficSource) {
	setStr(&m.Name, r.Name)
	setStr(&m.PostbackURL, r.PostbackURL)
	if r.PostbackMethod != nil {
		m.PostbackMethod = strings.ToUpper(*r.PostbackMethod)
	}
	if r.PostbackStatuses != nil {
		m.PostbackStatuses = model.MustJSON(nonNil(*r.PostbackStatuses))
	}
	setStr(&m.TemplateName, r.TemplateName)
	setVal(&m.AcceptParameters, r.AcceptParameters)
	if r.Parameters != nil {
		m.Parameters = model.MustJSON(*r.Parameters)
	}
	setStr(&m.Notes, r.Notes)
	setStr(&m.State, r.State)
	setVal(&m.TrafficLoss, r.TrafficLoss)
}

func newTrafficSource() model.TrafficSource {
	return model.TrafficSource{PostbackMethod: "GET", PostbackStatuses: "[]", AcceptParameters: true,
		Parameters: "{}", State: model.StateActive}
}

func checkTrafficSource(m *model.TrafficSource) error {
	c := newChecker()
	c.name("name", m.Name)
	c.enum("state", m.State, States)
	checkPostback(c, "postback", m.PostbackMethod, m.PostbackStatuses, m.PostbackURL, false)
	// Report the postback fields under their own names, as the request spells them.
	for k, v := range c.f {
		if after, ok := strings.CutPrefix(k, "postback."); ok {
			delete(c.f, k)
			c.f["postback_"+after] = v
		}
	}
	c.maxLen("template_name", m.TemplateName, MaxName)
	c.maxLen("notes", m.Notes, MaxNotes)
	c.between("traffic_loss", m.TrafficLoss, 0, 100)
	checkParameters(c, "parameters", m.Parameters)
	return c.err()
}

// ListTrafficSources returns sources in state (all but deleted when state is "").
func (c *Catalog) ListTrafficSources(ctx context.Context, state string) ([]model.TrafficSource, error) {
	var out []model.TrafficSource
	return out, byState(c.db(ctx), state).Order("id").Find(&out).Error
}

// GetTrafficSource returns one traffic source.
func (c *Catalog) GetTrafficSource(ctx context.Context, id int64) (*model.TrafficSource, error) {
	var m model.TrafficSource
	if err := first(c.db(ctx), &m, "traffic source", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateTrafficSource validates r and stores a new source.
func (c *Catalog) CreateTrafficSource(ctx context.Context, r TrafficSourceRequest) (*model.TrafficSource, error) {
	m := newTrafficSource()
	r.apply(&m)
	if err := checkTrafficSource(&m); err != nil {
		return nil, err
	}
	if err := c.write(ctx, func(tx *gorm.DB) error { return tx.Create(&m).Error }); err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateTrafficSource applies the fields present in r.
func (c *Catalog) UpdateTrafficSource(ctx context.Context, id int64, r TrafficSourceRequest) (*model.TrafficSource, error) {
	var m model.TrafficSource
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "traffic source", id); err != nil {
			return err
		}
		r.apply(&m)
		if err := checkTrafficSource(&m); err != nil {
			return err
		}
		return tx.Save(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// SetTrafficSourceState enables, disables, deletes (soft) or restores a source.
func (c *Catalog) SetTrafficSourceState(ctx context.Context, id int64, state string) (*model.TrafficSource, error) {
	if err := c.setState(ctx, "traffic_sources", "traffic source", id, state); err != nil {
		return nil, err
	}
	return c.GetTrafficSource(ctx, id)
}

// CloneTrafficSource copies a source under the name "... (copy)".
func (c *Catalog) CloneTrafficSource(ctx context.Context, id int64) (*model.TrafficSource, error) {
	var m model.TrafficSource
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "traffic source", id); err != nil {
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

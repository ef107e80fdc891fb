package catalog

import (
	"context"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// GroupRequest creates or updates a group; nil fields keep their value.
type GroupRequest struct {
	Name     *string `json:"name"`
	Position *int    `json:"position"`
	Type     *string `json:"type"`
}

func newGroup() model.Group { return model.Group{Type: "campaigns"} }

func (r *GroupRequest) apply(m *model.Group) {
	setStr(&m.Name, r.Name)
	setVal(&m.Position, r.Position)
	setStr(&m.Type, r.Type)
}

func checkGroup(m *model.Group) error {
	c := newChecker()
	c.name("name", m.Name)
	c.enum("type", m.Type, GroupTypes)
	c.position("position", m.Position)
	return c.err()
}

// ListGroups returns the groups of one type (all types when typ is "").
func (c *Catalog) ListGroups(ctx context.Context, typ string) ([]model.Group, error) {
	db := c.db(ctx)
	if typ != "" {
		db = db.Where("type = ?", typ)
	}
	var out []model.Group
	return out, db.Order("position, id").Find(&out).Error
}

// GetGroup returns one group.
func (c *Catalog) GetGroup(ctx context.Context, id int64) (*model.Group, error) {
	var m model.Group
	if err := first(c.db(ctx), &m, "group", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateGroup validates r and stores a new group (type defaults to campaigns).
func (c *Catalog) CreateGroup(ctx context.Context, r GroupRequest) (*model.Group, error) {
	m := newGroup()
	r.apply(&m)
	if err := checkGroup(&m); err != nil {
		return nil, err
	}
	if err := c.write(ctx, func(tx *gorm.DB) error { return tx.Create(&m).Error }); err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateGroup applies the fields present in r.
func (c *Catalog) UpdateGroup(ctx context.Context, id int64, r GroupRequest) (*model.Group, error) {
	var m model.Group
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := first(tx, &m, "group", id); err != nil {
			return err
		}
		r.apply(&m)
		if err := checkGroup(&m); err != nil {
			return err
		}
		return tx.Save(&m).Error
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteGroup removes a group; its members stay, ungrouped.
func (c *Catalog) DeleteGroup(ctx context.Context, id int64) error {
	return c.write(ctx, func(tx *gorm.DB) error {
		for _, table := range []string{"campaigns", "offers", "landing_pages"} {
			if err := tx.Table(table).Where("group_id = ?", id).Update("group_id", nil).Error; err != nil {
				return err
			}
		}
		res := tx.Delete(&model.Group{}, id)
		if res.Error == nil && res.RowsAffected == 0 {
			return notFound("group", id)
		}
		return res.Error
	})
}

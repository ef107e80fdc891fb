package catalog

import (
	"context"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kite-tracker/kite/internal/model"
)

// Bot list kinds: addresses (IP, CIDR, range) and user-agent fragments.
const (
	BotKindIP = "ip"
	BotKindUA = "ua"
)

// BotListRequest is Keitaro's BotListRequest: value holds one entry per line
// (or comma-separated). Kind is "ip" (default) or "ua".
type BotListRequest struct {
	Value string `json:"value"`
	Kind  string `json:"kind"`
}

// parse splits the value into entries and validates them.
func (r BotListRequest) parse() (string, []string, error) {
	kind := r.Kind
	if kind == "" {
		kind = BotKindIP
	}
	c := newChecker()
	c.enum("kind", kind, []string{BotKindIP, BotKindUA})
	sep := func(r rune) bool { return r == '\n' || r == '\r' || (kind == BotKindIP && r == ',') }
	var out []string
	for _, v := range strings.FieldsFunc(r.Value, sep) {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		c.maxLen("value", v, MaxName)
		if kind == BotKindIP && !ipOrRange(v) {
			c.add("value", "%q is not an IP address, CIDR or range", v)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		c.add("value", "is required")
	}
	return kind, out, c.err()
}

// ListBots returns the whole bot list, addresses first.
func (c *Catalog) ListBots(ctx context.Context) ([]model.BotListEntry, error) {
	var out []model.BotListEntry
	return out, c.db(ctx).Order("kind, id").Find(&out).Error
}

// AddBots adds entries to the bot list; ones already present are skipped.
// It returns how many were new.
func (c *Catalog) AddBots(ctx context.Context, r BotListRequest) (int, error) {
	kind, values, err := r.parse()
	if err != nil {
		return 0, err
	}
	added := 0
	err = c.write(ctx, func(tx *gorm.DB) error {
		for _, v := range values {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&model.BotListEntry{Kind: kind, Value: v})
			if res.Error != nil {
				return res.Error
			}
			added += int(res.RowsAffected)
		}
		return nil
	})
	return added, err
}

// ExcludeBots removes entries from the bot list; it returns how many went.
func (c *Catalog) ExcludeBots(ctx context.Context, r BotListRequest) (int, error) {
	kind, values, err := r.parse()
	if err != nil {
		return 0, err
	}
	var removed int64
	err = c.write(ctx, func(tx *gorm.DB) error {
		res := tx.Where("kind = ? AND value IN ?", kind, values).Delete(&model.BotListEntry{})
		removed = res.RowsAffected
		return res.Error
	})
	return int(removed), err
}

// ReplaceBots makes the bot list of r's kind exactly r's entries (PUT /botlist).
func (c *Catalog) ReplaceBots(ctx context.Context, r BotListRequest) (int, error) {
	kind, values, err := r.parse()
	if err != nil {
		return 0, err
	}
	err = c.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("kind = ?", kind).Delete(&model.BotListEntry{}).Error; err != nil {
			return err
		}
		for _, v := range values {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&model.BotListEntry{Kind: kind, Value: v}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return len(values), err
}

// ClearBots empties the bot list (DELETE /botlist).
func (c *Catalog) ClearBots(ctx context.Context) error {
	return c.write(ctx, func(tx *gorm.DB) error {
		return tx.Where("1 = 1").Delete(&model.BotListEntry{}).Error
	})
}

package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kite-tracker/kite/internal/model"
)

// Settings are the tracker-wide settings a buyer edits.
type Settings struct {
	PostbackKey    string   `json:"postback_key"`
	Currency       string   `json:"currency"`
	Timezone       string   `json:"timezone"`
	TrustedProxies []string `json:"trusted_proxies"`
}

// SettingsRequest changes settings; nil fields keep their value. The postback
// key changes only through RegeneratePostbackKey.
type SettingsRequest struct {
	Currency       *string   `json:"currency"`
	Timezone       *string   `json:"timezone"`
	TrustedProxies *[]string `json:"trusted_proxies"`
}

// Validate checks the request field by field.
func (r SettingsRequest) Validate() error {
	c := newChecker()
	if r.Currency != nil {
		c.required("currency", *r.Currency)
		c.currency("currency", *r.Currency)
	}
	if r.Timezone != nil {
		c.required("timezone", *r.Timezone)
		c.timezone("timezone", *r.Timezone)
	}
	if r.TrustedProxies != nil {
		for _, p := range *r.TrustedProxies {
			if !ipOrCIDR(p) {
				c.add("trusted_proxies", "%q is not an IP address or CIDR", p)
			}
		}
	}
	return c.err()
}

// GetSettings reads the settings, with defaults for keys never set.
func (c *Catalog) GetSettings(ctx context.Context) (*Settings, error) {
	return settingsIn(c.db(ctx))
}

// settingsIn reads the settings through db (a transaction or not).
func settingsIn(db *gorm.DB) (*Settings, error) {
	var rows []model.Setting
	if err := db.Find(&rows).Error; err != nil {
		return nil, err
	}
	s := &Settings{Currency: "USD", Timezone: "UTC", TrustedProxies: []string{}}
	for _, r := range rows {
		switch r.Key {
		case model.SettingPostbackKey:
			s.PostbackKey = r.Value
		case model.SettingCurrency:
			s.Currency = r.Value
		case model.SettingTimezone:
			s.Timezone = r.Value
		case model.SettingTrustedProxies:
			s.TrustedProxies = splitList(r.Value)
		}
	}
	return s, nil
}

// UpdateSettings applies the fields present in r.
func (c *Catalog) UpdateSettings(ctx context.Context, r SettingsRequest) (*Settings, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	err := c.write(ctx, func(tx *gorm.DB) error {
		if r.Currency != nil {
			if err := PutSetting(tx, model.SettingCurrency, *r.Currency); err != nil {
				return err
			}
		}
		if r.Timezone != nil {
			if err := PutSetting(tx, model.SettingTimezone, *r.Timezone); err != nil {
				return err
			}
		}
		if r.TrustedProxies != nil {
			return PutSetting(tx, model.SettingTrustedProxies, strings.Join(*r.TrustedProxies, ","))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.GetSettings(ctx)
}

// RegeneratePostbackKey replaces the postback key with a new random one;
// postbacks with the old key are refused from now on.
func (c *Catalog) RegeneratePostbackKey(ctx context.Context) (*Settings, error) {
	key := NewPostbackKey()
	if err := c.write(ctx, func(tx *gorm.DB) error { return PutSetting(tx, model.SettingPostbackKey, key) }); err != nil {
		return nil, err
	}
	return c.GetSettings(ctx)
}

// NewPostbackKey returns a random postback key (32 hex characters).
func NewPostbackKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PutSetting upserts one setting inside db (a transaction or not).
func PutSetting(db *gorm.DB, key, value string) error {
	return db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value"})}).
		Create(&model.Setting{Key: key, Value: value}).Error
}

// GetSetting reads one setting; ok is false when it was never set.
func GetSetting(db *gorm.DB, key string) (value string, ok bool, err error) {
	var s model.Setting
	err = db.Where("key = ?", key).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", false, nil
	}
	return s.Value, err == nil, err
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

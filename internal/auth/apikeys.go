package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// NewAPIKey is the one response that carries a key in clear: shown once at creation.
type NewAPIKey struct {
	model.APIKey
	Key string `json:"key"`
}

// hashKey is how keys are stored and looked up.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// RandomKey returns a new key: 32 random bytes, base64url.
func RandomKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// keyPrefix is what the UI shows to tell keys apart; short keys (set by hand
// through KITE_ADMIN_API_KEY) show nothing, so the prefix never gives them away.
func keyPrefix(key string) string {
	if len(key) < 24 {
		return ""
	}
	return key[:6]
}

// CreateAPIKey makes a random key for a user; the clear key is returned once.
func (s *Service) CreateAPIKey(ctx context.Context, userID int64, name string) (*NewAPIKey, error) {
	return s.addKey(s.db(ctx), userID, name, RandomKey())
}

func (s *Service) addKey(db *gorm.DB, userID int64, name, key string) (*NewAPIKey, error) {
	name = strings.TrimSpace(name)
	if len(name) > catalog.MaxName {
		return nil, catalog.Invalid("name", "is longer than 255 characters")
	}
	var n int64
	if err := db.Model(&model.User{}).Where("id = ? AND state <> ?", userID, model.StateDeleted).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, catalog.ErrNotFound
	}
	k := model.APIKey{UserID: userID, Name: name, Prefix: keyPrefix(key), KeyHash: hashKey(key)}
	if err := db.Create(&k).Error; err != nil {
		if strings.Contains(err.Error(), "UNIQUE") || strings.Contains(err.Error(), "duplicate key") {
			return nil, catalog.ErrConflict
		}
		return nil, err
	}
	return &NewAPIKey{APIKey: k, Key: key}, nil
}

// ListAPIKeys returns a user's keys (hashes never leave the store).
func (s *Service) ListAPIKeys(ctx context.Context, userID int64) ([]model.APIKey, error) {
	if _, err := s.GetUser(ctx, userID); err != nil {
		return nil, err
	}
	var out []model.APIKey
	return out, s.db(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
}

// GetAPIKey returns one key by id.
func (s *Service) GetAPIKey(ctx context.Context, id int64) (*model.APIKey, error) {
	var k model.APIKey
	if err := s.db(ctx).Where("id = ?", id).Take(&k).Error; err != nil {
		return nil, mapErr(err)
	}
	return &k, nil
}

// RevokeAPIKey stops a key from working, at once on this node.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) (*model.APIKey, error) {
	now := time.Now().UTC()
	res := s.db(ctx).Model(&model.APIKey{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", now)
	if res.Error != nil {
		return nil, res.Error
	}
	s.forget(id)
	return s.GetAPIKey(ctx, id)
}

// UserForAPIKey returns the active user owning an unrevoked key. Answers are
// cached for keyCacheTTL so the admin API does not hit SQL on every request.
func (s *Service) UserForAPIKey(ctx context.Context, key string) (*model.User, error) {
	if key == "" || len(key) > 256 {
		return nil, ErrInvalidCredentials
	}
	h := hashKey(key)
	now := time.Now()
	s.mu.Lock()
	c, ok := s.cache[h]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		u := c.user
		return &u, nil
	}
	var row struct {
		KeyID int64 `gorm:"column:key_id"`
		model.User
	}
	err := s.db(ctx).Raw(`/* auth.UserForAPIKey */ SELECT k.id AS key_id, u.* FROM api_keys k
		JOIN users u ON u.id = k.user_id
		WHERE k.key_hash = ? AND k.revoked_at IS NULL AND u.state = ?`, h, model.StateActive).Scan(&row).Error
	if err != nil {
		return nil, err
	}
	if row.KeyID == 0 {
		return nil, ErrInvalidCredentials
	}
	// last_used_at is refreshed once per cache period, not per request.
	s.db(ctx).Model(&model.APIKey{}).Where("id = ?", row.KeyID).Update("last_used_at", now.UTC())
	s.mu.Lock()
	s.cache[h] = cachedKey{keyID: row.KeyID, user: row.User, expires: now.Add(keyCacheTTL)}
	s.mu.Unlock()
	u := row.User
	return &u, nil
}

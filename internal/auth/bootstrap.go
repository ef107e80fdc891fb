package auth

import (
	"context"
	"log/slog"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// BootstrapOptions come from KITE_ADMIN_LOGIN, KITE_ADMIN_PASSWORD,
// KITE_ADMIN_API_KEY and KITE_POSTBACK_KEY.
type BootstrapOptions struct {
	AdminLogin    string
	AdminPassword string
	AdminAPIKey   string
	PostbackKey   string
}

// Bootstrap prepares a fresh install. With no users it creates the admin and
// an API key; with no postback key it sets one. Values not given are random
// and printed once to the log, the only time they are ever shown; values given
// by the operator are not printed. On an install that has users and a key it
// changes nothing.
func Bootstrap(ctx context.Context, st *store.Store, opts BootstrapOptions, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	s := New(st, log)
	var printed []any
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		admin, err := bootstrapAdmin(tx, s, opts)
		if err != nil {
			return err
		}
		printed = append(printed, admin...)
		pk, err := bootstrapPostbackKey(tx, opts.PostbackKey)
		if err != nil {
			return err
		}
		printed = append(printed, pk...)
		return nil
	})
	if err != nil {
		return err
	}
	if len(printed) > 0 {
		log.Warn("bootstrap: first start; note these now, they are not shown again", printed...)
	}
	return nil
}

// bootstrapAdmin creates the first admin and key when there is no user; it
// returns the log attributes to print (generated secrets only).
func bootstrapAdmin(tx *gorm.DB, s *Service, opts BootstrapOptions) ([]any, error) {
	var n int64
	if err := tx.Model(&model.User{}).Count(&n).Error; err != nil || n > 0 {
		return nil, err
	}
	login, password, key := opts.AdminLogin, opts.AdminPassword, opts.AdminAPIKey
	if login == "" {
		login = "admin"
	}
	out := []any{"admin_login", login}
	if password == "" {
		password = RandomKey()[:20]
		out = append(out, "admin_password", password)
	}
	if key == "" {
		key = RandomKey()
		out = append(out, "admin_api_key", key)
	}
	r := UserRequest{Login: &login, Password: &password}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	u := model.User{Type: model.UserTypeAdmin, State: model.StateActive, AccessData: "{}", Preferences: "{}"}
	if err := r.apply(&u); err != nil {
		return nil, err
	}
	if err := tx.Create(&u).Error; err != nil {
		return nil, err
	}
	if _, err := s.addKey(tx, u.ID, "bootstrap", key); err != nil {
		return nil, err
	}
	return out, nil
}

// bootstrapPostbackKey sets the postback key when none exists.
func bootstrapPostbackKey(tx *gorm.DB, given string) ([]any, error) {
	_, ok, err := catalog.GetSetting(tx, model.SettingPostbackKey)
	if err != nil || ok {
		return nil, err
	}
	key, out := given, []any(nil)
	if key == "" {
		key = catalog.NewPostbackKey()
		out = []any{"postback_key", key}
	}
	return out, catalog.PutSetting(tx, model.SettingPostbackKey, key)
}

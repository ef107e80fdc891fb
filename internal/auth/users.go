package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// UserRequest creates or updates a user; nil fields keep their value. The
// password is only ever written, hashed; it is never read back.
type UserRequest struct {
	Login       *string           `json:"login"`
	Password    *string           `json:"password"`
	Type        *string           `json:"type"`
	State       *string           `json:"state"`
	AccessData  *model.AccessData `json:"access_data"`
	Preferences json.RawMessage   `json:"preferences"`
}

// Validate checks the fields present in r.
func (r UserRequest) Validate() error {
	f := catalog.FieldErrors{}
	if r.Login != nil && !loginRe.MatchString(*r.Login) {
		f["login"] = "must be 1-64 letters, digits or . _ @ -"
	}
	if r.Password != nil {
		if msg := passwordProblem(*r.Password); msg != "" {
			f["password"] = msg
		}
	}
	if r.Type != nil && *r.Type != model.UserTypeAdmin && *r.Type != model.UserTypeUser {
		f["type"] = `must be one of "ADMIN", "USER"`
	}
	if r.State != nil && !slices.Contains(catalog.States, *r.State) {
		f["state"] = `must be one of "active", "disabled", "deleted"`
	}
	if r.AccessData != nil {
		checkAccess(f, *r.AccessData)
	}
	if len(f) > 0 {
		return &catalog.ValidationError{Fields: f}
	}
	return nil
}

func passwordProblem(pw string) string {
	switch {
	case len(pw) < 8:
		return "must be at least 8 characters"
	case len(pw) > 72:
		return "must be at most 72 bytes"
	}
	return ""
}

func checkAccess(f catalog.FieldErrors, a model.AccessData) {
	for field, v := range map[string]string{
		"campaigns_access_type": a.CampaignsAccessType, "offers_access_type": a.OffersAccessType,
		"landings_access_type": a.LandingsAccessType, "traffic_sources_access_type": a.TrafficSourcesAccessType,
		"streams_access_type": a.StreamsAccessType, "affiliate_networks_access_type": a.AffiliateNetworksAccessType,
		"domains_access_type": a.DomainsAccessType,
	} {
		if !slices.Contains(accessTypes, v) {
			f["access_data."+field] = fmt.Sprintf("unknown access type %q", v)
		}
	}
}

// HashPassword hashes pw with bcrypt at PasswordCost.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
	return string(h), err
}

// CreateUser stores a new user; login and password are required.
func (s *Service) CreateUser(ctx context.Context, r UserRequest) (*model.User, error) {
	if r.Login == nil || r.Password == nil {
		f := catalog.FieldErrors{}
		if r.Login == nil {
			f["login"] = "is required"
		}
		if r.Password == nil {
			f["password"] = "is required"
		}
		return nil, &catalog.ValidationError{Fields: f}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	u := model.User{Type: model.UserTypeUser, State: model.StateActive, AccessData: "{}", Preferences: "{}"}
	if err := r.apply(&u); err != nil {
		return nil, err
	}
	err := s.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := loginFree(tx, u.Login, 0); err != nil {
			return err
		}
		return tx.Create(&u).Error
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (r UserRequest) apply(u *model.User) error {
	if r.Login != nil {
		u.Login = *r.Login
	}
	if r.Type != nil {
		u.Type = *r.Type
	}
	if r.State != nil {
		u.State = *r.State
	}
	if r.AccessData != nil {
		u.AccessData = model.MustJSON(r.AccessData)
	}
	if r.Preferences != nil && string(r.Preferences) != "null" {
		u.Preferences = model.JSONText(r.Preferences)
	}
	if r.Password != nil {
		h, err := HashPassword(*r.Password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	return nil
}

func loginFree(tx *gorm.DB, login string, id int64) error {
	var n int64
	if err := tx.Model(&model.User{}).Where("login = ? AND id <> ?", login, id).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: login %q is taken", catalog.ErrConflict, login)
	}
	return nil
}

// ListUsers returns every user but deleted ones.
func (s *Service) ListUsers(ctx context.Context) ([]model.User, error) {
	var out []model.User
	return out, s.db(ctx).Where("state <> ?", model.StateDeleted).Order("id").Find(&out).Error
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, id int64) (*model.User, error) {
	var u model.User
	if err := s.db(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, mapErr(err)
	}
	return &u, nil
}

// UpdateUser applies the fields present in r; cached API keys are dropped so
// a changed type or access applies to the next request.
func (s *Service) UpdateUser(ctx context.Context, id int64, r UserRequest) (*model.User, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var u model.User
	err := s.db(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&u).Error; err != nil {
			return mapErr(err)
		}
		wasAdmin := isActiveAdmin(&u)
		if err := r.apply(&u); err != nil {
			return err
		}
		if err := loginFree(tx, u.Login, u.ID); err != nil {
			return err
		}
		if wasAdmin && !isActiveAdmin(&u) {
			if err := keepAnAdmin(tx, u.ID); err != nil {
				return err
			}
		}
		return tx.Save(&u).Error
	})
	if err != nil {
		return nil, err
	}
	s.forget(0)
	return &u, nil
}

// SetAccess replaces a user's access data (PUT /users/{id}/access).
func (s *Service) SetAccess(ctx context.Context, id int64, a model.AccessData) (*model.User, error) {
	return s.UpdateUser(ctx, id, UserRequest{AccessData: &a})
}

// DeleteUser marks a user deleted and revokes all their API keys.
func (s *Service) DeleteUser(ctx context.Context, id int64) (*model.User, error) {
	deleted := model.StateDeleted
	u, err := s.UpdateUser(ctx, id, UserRequest{State: &deleted})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	err = s.db(ctx).Model(&model.APIKey{}).Where("user_id = ? AND revoked_at IS NULL", id).Update("revoked_at", now).Error
	s.forget(0)
	return u, err
}

// dummyHash is compared against when a login does not exist, so that a
// wrong login costs the same time as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("kite-no-such-user"), PasswordCost)

// Authenticate returns the active user with this login and password.
func (s *Service) Authenticate(ctx context.Context, login, password string) (*model.User, error) {
	var u model.User
	err := s.db(ctx).Where("login = ? AND state = ?", login, model.StateActive).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrInvalidCredentials
	}
	return &u, nil
}

// ChangePassword sets a new password after checking the current one.
func (s *Service) ChangePassword(ctx context.Context, id int64, current, next string) error {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return ErrInvalidCredentials
	}
	_, err = s.UpdateUser(ctx, id, UserRequest{Password: &next})
	return err
}

func isActiveAdmin(u *model.User) bool {
	return u.Type == model.UserTypeAdmin && u.State == model.StateActive
}

// keepAnAdmin refuses a change that would leave nobody able to administer Kite.
func keepAnAdmin(tx *gorm.DB, id int64) error {
	var n int64
	err := tx.Model(&model.User{}).Where("type = ? AND state = ? AND id <> ?", model.UserTypeAdmin, model.StateActive, id).
		Count(&n).Error
	if err == nil && n == 0 {
		return fmt.Errorf("%w: the last active admin cannot be demoted, disabled or deleted", catalog.ErrConflict)
	}
	return err
}

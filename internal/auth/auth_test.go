package auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

func ptr[T any](v T) *T { return &v }

func TestBootstrapOnce(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	if err := Bootstrap(ctx, st, BootstrapOptions{}, log); err != nil {
		t.Fatal(err)
	}
	first := logs.String()
	for _, k := range []string{"admin_password", "admin_api_key", "postback_key"} {
		if !strings.Contains(first, k) {
			t.Fatalf("generated %s not printed: %s", k, first)
		}
	}
	var users []model.User
	st.DB.Find(&users)
	if len(users) != 1 || users[0].Type != model.UserTypeAdmin || users[0].Login != "admin" {
		t.Fatalf("users after bootstrap: %+v", users)
	}
	if cost, err := bcrypt.Cost([]byte(users[0].PasswordHash)); err != nil || cost < 10 {
		t.Fatalf("bcrypt cost %d (%v), want >= 10", cost, err)
	}
	var keys []model.APIKey
	st.DB.Find(&keys)
	if len(keys) != 1 || len(keys[0].KeyHash) != 64 || strings.Contains(first, keys[0].KeyHash) {
		t.Fatalf("api keys after bootstrap: %+v", keys)
	}
	// A second start changes nothing and prints nothing.
	logs.Reset()
	if err := Bootstrap(ctx, st, BootstrapOptions{AdminLogin: "other", AdminAPIKey: "k2", PostbackKey: "p2"}, log); err != nil {
		t.Fatal(err)
	}
	var nUsers, nKeys int64
	st.DB.Model(&model.User{}).Count(&nUsers)
	st.DB.Model(&model.APIKey{}).Count(&nKeys)
	pk, _, _ := catalog.GetSetting(st.DB, model.SettingPostbackKey)
	if nUsers != 1 || nKeys != 1 || pk == "p2" || logs.Len() != 0 {
		t.Fatalf("second bootstrap changed things: users %d keys %d pk %q log %q", nUsers, nKeys, pk, logs.String())
	}
}

func TestBootstrapGivenValues(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	var logs bytes.Buffer
	err := Bootstrap(ctx, st, BootstrapOptions{AdminLogin: "boss", AdminPassword: "boss-password", AdminAPIKey: "k1", PostbackKey: "pk1"},
		slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := New(st, nil)
	if u, err := s.UserForAPIKey(ctx, "k1"); err != nil || u.Login != "boss" {
		t.Fatalf("given key: %v %v", u, err)
	}
	if _, err := s.Authenticate(ctx, "boss", "boss-password"); err != nil {
		t.Fatalf("given password: %v", err)
	}
	for _, secret := range []string{"boss-password", `"k1"`, "pk1"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("operator-given %s printed: %s", secret, logs.String())
		}
	}
	if pk, _, _ := catalog.GetSetting(st.DB, model.SettingPostbackKey); pk != "pk1" {
		t.Fatalf("postback key %q", pk)
	}
}

func TestAuthenticate(t *testing.T) {
	st := testenv.Store(t)
	s := New(st, nil)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, UserRequest{Login: ptr("ann"), Password: ptr("ann-password")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		login, pw string
		ok        bool
	}{{"ann", "ann-password", true}, {"ann", "wrong-password", false}, {"nobody", "ann-password", false}, {"ann", "", false}}
	for _, tc := range cases {
		got, err := s.Authenticate(ctx, tc.login, tc.pw)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrInvalidCredentials)) || (tc.ok && got.ID != u.ID) {
			t.Fatalf("Authenticate(%q, %q) = %v, %v", tc.login, tc.pw, got, err)
		}
	}
	if err := s.ChangePassword(ctx, u.ID, "wrong", "new-password-1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("change with wrong current: %v", err)
	}
	if err := s.ChangePassword(ctx, u.ID, "ann-password", "new-password-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ann", "new-password-1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := s.CreateUser(ctx, UserRequest{Login: ptr("ann"), Password: ptr("another-pw")}); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("duplicate login: %v", err)
	}
	disabled := model.StateDisabled
	if _, err := s.UpdateUser(ctx, u.ID, UserRequest{State: &disabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ann", "new-password-1"); err == nil {
		t.Fatal("disabled user authenticated")
	}
}

// TestAPIKeyCache: lookups are served from the cache, and revoking drops the entry.
func TestAPIKeyCache(t *testing.T) {
	st := testenv.Store(t)
	s := New(st, nil)
	ctx := context.Background()
	u, _ := s.CreateUser(ctx, UserRequest{Login: ptr("ann"), Password: ptr("ann-password")})
	k, err := s.CreateAPIKey(ctx, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if k.Prefix != k.Key[:6] || k.KeyHash == k.Key {
		t.Fatalf("key stored wrongly: %+v", k.APIKey)
	}
	if got, err := s.UserForAPIKey(ctx, k.Key); err != nil || got.ID != u.ID {
		t.Fatalf("lookup: %v %v", got, err)
	}
	// Mark the key revoked behind the service's back: the cached answer stands,
	// which proves the second lookup did not go to SQL.
	st.DB.Exec(`UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE id = ?`, k.ID)
	if _, err := s.UserForAPIKey(ctx, k.Key); err != nil {
		t.Fatalf("cached lookup: %v", err)
	}
	st.DB.Exec(`UPDATE api_keys SET revoked_at = NULL WHERE id = ?`, k.ID)
	if _, err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserForAPIKey(ctx, k.Key); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("revoked key: %v", err)
	}
	if _, err := s.UserForAPIKey(ctx, "no-such-key"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestLastAdminStays(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	if err := Bootstrap(ctx, st, BootstrapOptions{AdminAPIKey: "k", AdminPassword: "admin-password"}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	s := New(st, nil)
	if _, err := s.UpdateUser(ctx, 1, UserRequest{Type: ptr(model.UserTypeUser)}); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if _, err := s.DeleteUser(ctx, 1); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("deleting the last admin: %v", err)
	}
	second, err := s.CreateUser(ctx, UserRequest{Login: ptr("two"), Password: ptr("two-password"), Type: ptr(model.UserTypeAdmin)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteUser(ctx, 1); err != nil {
		t.Fatalf("deleting one of two admins: %v", err)
	}
	if _, err := s.UserForAPIKey(ctx, "k"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("deleted admin's key still works: %v", err)
	}
	if _, err := s.UpdateUser(ctx, second.ID, UserRequest{State: ptr(model.StateDisabled)}); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("disabling the remaining admin: %v", err)
	}
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/model"
)

// userWithKey creates a USER with the given access and returns a fresh API key for them.
func (v *env) userWithKey(login string, access model.AccessData) string {
	v.t.Helper()
	pw := "user-password-1"
	u, err := v.users.CreateUser(context.Background(), auth.UserRequest{Login: &login, Password: &pw, AccessData: &access})
	if err != nil {
		v.t.Fatalf("create user: %v", err)
	}
	k, err := v.users.CreateAPIKey(context.Background(), u.ID, "test")
	if err != nil {
		v.t.Fatalf("create key: %v", err)
	}
	return k.Key
}

// TestAccess: the route table applies auth.Can to every route.
func TestAccess(t *testing.T) {
	v := newEnv(t)
	var c1, c2 obj
	v.ok("POST", "/campaigns", `{"name":"mine"}`, &c1)
	v.ok("POST", "/campaigns", `{"name":"theirs"}`, &c2)
	reader := v.userWithKey("reader", model.AccessData{CampaignsAccessType: model.AccessReadOnly})
	picker := v.userWithKey("picker", model.AccessData{CampaignsAccessType: model.AccessSelected,
		Campaigns: []int64{int64(c1["id"].(float64))}})
	cases := []struct {
		name, key, method, path, body string
		code                          int
	}{
		{"read-only lists", reader, "GET", "/campaigns", "", 200},
		{"read-only reads", reader, "GET", fmt.Sprintf("/campaigns/%v", c1["id"]), "", 200},
		{"read-only cannot update", reader, "PUT", fmt.Sprintf("/campaigns/%v", c1["id"]), `{"name":"x"}`, 403},
		{"read-only cannot create", reader, "POST", "/campaigns", `{"name":"x"}`, 403},
		{"read-only cannot delete", reader, "DELETE", fmt.Sprintf("/campaigns/%v", c1["id"]), "", 403},
		{"no offers access", reader, "GET", "/offers", "", 403},
		{"users are admin only", reader, "GET", "/users", "", 403},
		{"settings are admin only", reader, "GET", "/settings", "", 403},
		{"selected may update own", picker, "PUT", fmt.Sprintf("/campaigns/%v", c1["id"]), `{"name":"mine 2"}`, 200},
		{"selected may not touch other", picker, "PUT", fmt.Sprintf("/campaigns/%v", c2["id"]), `{"name":"x"}`, 403},
		{"selected may not read other", picker, "GET", fmt.Sprintf("/campaigns/%v", c2["id"]), "", 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := v.call(tc.key, tc.method, tc.path, tc.body); code != tc.code {
				t.Fatalf("got %d %s, want %d", code, body, tc.code)
			}
		})
	}
	code, body := v.call(picker, "GET", "/campaigns", "")
	if code != 200 || strings.Contains(body, "theirs") || !strings.Contains(body, "mine 2") {
		t.Fatalf("selected list shows other campaigns: %d %s", code, body)
	}
	code, body = v.call(reader, "GET", fmt.Sprintf("/campaigns/%v", c1["id"]), "")
	if code != 200 || !strings.Contains(body, "mine 2") {
		t.Fatalf("read-only user does not see the change: %d %s", code, body)
	}
}

// TestAPIKeys: a key is shown once, works, is listed without its secret, and
// stops working at once when revoked (despite the cache).
func TestAPIKeys(t *testing.T) {
	v := newEnv(t)
	var created struct {
		ID  int64  `json:"id"`
		Key string `json:"key"`
	}
	v.ok("POST", "/users/1/api_keys", `{"name":"script"}`, &created)
	if len(created.Key) < 40 {
		t.Fatalf("key %q is not a 32-byte random key", created.Key)
	}
	if code, _ := v.call(created.Key, "GET", "/campaigns", ""); code != http.StatusOK {
		t.Fatalf("new key refused: %d", code)
	}
	code, list := v.call(adminKey, "GET", "/users/1/api_keys", "")
	if code != 200 || strings.Contains(list, created.Key) || strings.Contains(list, adminKey) || strings.Contains(list, "hash") {
		t.Fatalf("key list leaks secrets: %s", list)
	}
	v.ok("DELETE", fmt.Sprintf("/api_keys/%d", created.ID), "", nil)
	if code, _ := v.call(created.Key, "GET", "/campaigns", ""); code != http.StatusUnauthorized {
		t.Fatalf("revoked key still works: %d", code)
	}
}

// TestSecretsStayHidden: passwords, hashes and keys appear in no response and
// no log line after creation.
func TestSecretsStayHidden(t *testing.T) {
	v := newEnv(t)
	var u obj
	v.ok("POST", "/users", `{"login":"bob","password":"bob-secret-pw","type":"USER"}`, &u)
	bodies := []string{}
	for _, p := range []string{"/users", fmt.Sprintf("/users/%v", u["id"]), "/users/1/api_keys"} {
		_, b := v.call(adminKey, "GET", p, "")
		bodies = append(bodies, b)
	}
	_, b := v.call(adminKey, "PUT", fmt.Sprintf("/users/%v", u["id"]), `{"password":"bob-new-secret"}`)
	bodies = append(bodies, b)
	v.call("wrong-key", "GET", "/campaigns", "")
	all := strings.Join(bodies, "\n") + v.logs.String()
	for _, secret := range []string{"bob-secret-pw", "bob-new-secret", "admin-password-1", adminKey, "$2a$", "password_hash", "key_hash"} {
		if strings.Contains(all, secret) {
			t.Fatalf("%q leaked in responses or logs:\n%s", secret, all)
		}
	}
	if _, err := v.users.Authenticate(context.Background(), "bob", "bob-new-secret"); err != nil {
		t.Fatalf("changed password does not work: %v", err)
	}
}

// TestExtraRoutes: routes passed by other packages get the same key and access checks.
func TestExtraRoutes(t *testing.T) {
	v := newEnv(t)
	v.e = echo.New()
	v.e.HTTPErrorHandler = errorHandler
	report := func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]any{"rows": []any{}, "total": 0}) }
	New(v.cat, v.users, nil).Register(v.e, Route{http.MethodPost, "/report/build", report, auth.EntityReports, read})
	analyst := v.userWithKey("analyst", model.AccessData{Reports: true})
	buyer := v.userWithKey("buyer", model.AccessData{CampaignsAccessType: model.AccessFull})
	cases := []struct {
		name, key string
		code      int
	}{{"admin", adminKey, 200}, {"reports access", analyst, 200}, {"no reports access", buyer, 403}, {"no key", "", 401}}
	for _, tc := range cases {
		if code, body := v.call(tc.key, "POST", "/report/build", `{}`); code != tc.code {
			t.Fatalf("%s: got %d %s, want %d", tc.name, code, body, tc.code)
		}
	}
}

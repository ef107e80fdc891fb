package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// TestStreamsDeletedAndSearch: /streams/deleted lists soft-deleted streams of
// every campaign; /streams/search matches names and payloads, literally and
// ignoring case, and a USER only sees streams of campaigns they may read.
func TestStreamsDeletedAndSearch(t *testing.T) {
	v := newEnv(t)
	var c1, c2, s1, s2, s3 obj
	v.ok("POST", "/campaigns", `{"name":"one"}`, &c1)
	v.ok("POST", "/campaigns", `{"name":"two"}`, &c2)
	v.ok("POST", "/streams", fmt.Sprintf(`{"campaign_id":%v,"name":"US Mobile 100%%","schema":"action","action_type":"http","action_payload":"https://a.example/"}`, c1["id"]), &s1)
	v.ok("POST", "/streams", fmt.Sprintf(`{"campaign_id":%v,"name":"desktop","schema":"action","action_type":"http","action_payload":"https://MOBILE.example/"}`, c1["id"]), &s2)
	v.ok("POST", "/streams", fmt.Sprintf(`{"campaign_id":%v,"name":"mobile two","schema":"action","action_type":"http","action_payload":"https://b.example/"}`, c2["id"]), &s3)
	v.ok("DELETE", fmt.Sprintf("/streams/%v", s3["id"]), "", nil)
	picker := v.userWithKey("picker", model.AccessData{CampaignsAccessType: model.AccessSelected,
		Campaigns: []int64{int64(c1["id"].(float64))}})

	cases := []struct {
		name, key, path string
		code            int
		wantIDs         []any
	}{
		{"deleted", adminKey, "/streams/deleted", 200, []any{s3["id"]}},
		{"search name and payload", adminKey, "/streams/search?query=MoBiLe", 200, []any{s1["id"], s2["id"]}},
		{"percent is literal", adminKey, "/streams/search?query=100%25", 200, []any{s1["id"]}},
		{"underscore is literal", adminKey, "/streams/search?query=_", 200, []any{}},
		{"deleted are not searched", adminKey, "/streams/search?query=two", 200, []any{}},
		{"query required", adminKey, "/streams/search", 422, nil},
		{"query too long", adminKey, "/streams/search?query=" + strings.Repeat("x", 256), 422, nil},
		{"user sees own campaigns only", picker, "/streams/deleted", 200, []any{}},
		{"user searches own campaigns", picker, "/streams/search?query=mobile", 200, []any{s1["id"], s2["id"]}},
		{"no key", "", "/streams/deleted", 401, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := v.call(tc.key, "GET", tc.path, "")
			if code != tc.code {
				t.Fatalf("got %d %s, want %d", code, body, tc.code)
			}
			if tc.wantIDs == nil {
				return
			}
			var got []obj
			decode(t, body, &got)
			var ids []any
			for _, s := range got {
				ids = append(ids, s["id"])
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.wantIDs) && !(len(ids) == 0 && len(tc.wantIDs) == 0) {
				t.Fatalf("ids = %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}

// TestOwnAPIKeys: a USER without users access lists, creates and revokes
// their own keys at /users/me/api_keys, and cannot touch anyone else's.
func TestOwnAPIKeys(t *testing.T) {
	v := newEnv(t)
	reader := v.userWithKey("reader", model.AccessData{CampaignsAccessType: model.AccessReadOnly})
	other := v.userWithKey("other", model.AccessData{CampaignsAccessType: model.AccessReadOnly})

	var created obj
	code, body := v.call(reader, "POST", "/users/me/api_keys", `{"name":"ci"}`)
	if code != 200 {
		t.Fatalf("create own key: %d %s", code, body)
	}
	decode(t, body, &created)
	newKey, _ := created["key"].(string)
	if len(newKey) < 32 {
		t.Fatalf("create must show the key once: %s", body)
	}
	code, body = v.call(newKey, "GET", "/users/me/api_keys", "")
	var mine []obj
	decode(t, body, &mine)
	if code != 200 || len(mine) != 2 || strings.Contains(body, newKey) || strings.Contains(body, "hash") {
		t.Fatalf("list own keys with the new key: %d %s", code, body)
	}
	var theirs []obj
	_, body = v.call(other, "GET", "/users/me/api_keys", "")
	decode(t, body, &theirs)
	if len(theirs) != 1 || theirs[0]["id"] == created["id"] {
		t.Fatalf("other user's list: %s", body)
	}
	steps := []struct {
		name, key, method, path string
		code                    int
	}{
		{"not someone else's key", other, "DELETE", fmt.Sprintf("/users/me/api_keys/%v", created["id"]), 404},
		{"still not the users resource", reader, "GET", "/users/1/api_keys", 403},
		{"bad id", reader, "DELETE", "/users/me/api_keys/x", 400},
		{"revoke own", reader, "DELETE", fmt.Sprintf("/users/me/api_keys/%v", created["id"]), 200},
		{"revoked key is refused", newKey, "GET", "/users/me/api_keys", 401},
		{"the old key still works", reader, "GET", "/users/me/api_keys", 200},
		{"admin has own keys too", adminKey, "GET", "/users/me/api_keys", 200},
	}
	for _, s := range steps {
		if code, body := v.call(s.key, s.method, s.path, ""); code != s.code {
			t.Fatalf("%s: got %d %s, want %d", s.name, code, body, s.code)
		}
	}
}

// TestGroupIDAsString: Keitaro clients send group_id as a string.
func TestGroupIDAsString(t *testing.T) {
	v := newEnv(t)
	var g, camp obj
	v.ok("POST", "/groups", `{"name":"G","type":"campaigns"}`, &g)
	v.ok("POST", "/campaigns", fmt.Sprintf(`{"name":"c","group_id":"%v"}`, g["id"]), &camp)
	if camp["group_id"] != g["id"] {
		t.Fatalf("group_id = %v, want %v", camp["group_id"], g["id"])
	}
	v.ok("PUT", fmt.Sprintf("/campaigns/%v", camp["id"]), `{"group_id":""}`, &camp)
	if camp["group_id"] != nil {
		t.Fatalf("empty group_id must clear the group: %v", camp["group_id"])
	}
	code, body := v.call(adminKey, "POST", "/offers", `{"name":"o","group_id":"abc"}`)
	if code != 400 || !strings.Contains(body, "group_id") {
		t.Fatalf("bad group_id: %d %s", code, body)
	}
	code, body = v.call(adminKey, "POST", "/landing_pages", `{"name":"l","group_id":"999"}`)
	if code != 404 && code != 422 {
		t.Fatalf("unknown group: %d %s", code, body)
	}
}

func decode(t *testing.T, body string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), out); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (e *secEnv) testReportsScoped(t *testing.T) {
	mine, other := e.ids["sec-r"], e.ids["sec-a"]
	e.call("GET", "/sec-a?sub_id_1=other-buyer", "", nil, nil)
	e.call("GET", "/sec-r?sub_id_1=mine", "", nil, nil)
	user := e.admin("POST", "/users", map[string]any{"login": "scoped-reports", "password": "Scoped-Pa55-1a1a",
		"type": "USER", "access_data": map[string]any{"campaigns_access_type": "to_groups_and_selected",
			"campaigns": []int64{mine}, "reports_access": true}})
	made := e.admin("POST", fmt.Sprintf("/users/%v/api_keys", user["id"]), map[string]any{"name": "scoped"})
	key, _ := made["key"].(string)
	e.secrets = append(e.secrets, key, "Scoped-Pa55-1a1a")
	today := map[string]any{"interval": "today"}
	accEventually(t, 10*time.Second, "both clicks in SQL", func() (bool, string) { // as the admin sees it
		_, body := e.call("POST", "/admin_api/v1/clicks/log", secAdminAPIKey, map[string]any{"range": today,
			"columns": []string{"sub_id_1"}}, nil)
		return strings.Contains(string(body), "other-buyer") && strings.Contains(string(body), `"mine"`), string(body)
	})
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/report/build", map[string]any{"range": today, "grouping": []string{"campaign_id", "sub_id_1"}, "metrics": []string{"clicks"}}},
		{"/clicks/log", map[string]any{"range": today, "columns": []string{"campaign_id", "sub_id_1"}}},
		{"/conversions/log", map[string]any{"range": today, "columns": []string{"campaign_id", "sub_id_1"}}},
	} {
		resp, body := e.call("POST", "/admin_api/v1"+c.path, key, c.body, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("POST %s: %d %s", c.path, resp.StatusCode, body)
		}
		if strings.Contains(string(body), "other-buyer") || strings.Contains(string(body), fmt.Sprintf(`"campaign_id":%d`, other)) {
			t.Errorf("POST %s shows campaign %d, outside the user's selection: %.300s", c.path, other, body)
		}
	}
}

package api

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// TestUpdateCostsHTTP: /campaigns/:id/update_costs takes Keitaro's
// CampaignCostRequest as PHP clients send it (cost as number or string,
// only_campaign_uniques as 1/0) and maps every refusal to its code.
func TestUpdateCostsHTTP(t *testing.T) {
	v := newEnv(t)
	var camp obj
	v.ok("POST", "/campaigns", `{"name":"c"}`, &camp)
	reader := v.userWithKey("reader", model.AccessData{CampaignsAccessType: model.AccessReadOnly})
	path := fmt.Sprintf("/campaigns/%v/update_costs", camp["id"])
	cases := []struct {
		name, key, path, body string
		code                  int
		want                  string
	}{
		{"keitaro sample", adminKey, path, `{"start_date":"2017-09-10 00:00:00","end_date":"2017-09-12 00:00:00","cost":10.02,
			"currency":"USD","timezone":"Europe/Moscow","only_campaign_uniques":1,"filters":{"sub_id_1":"1,2,3","source":"site.ru"}}`,
			200, `"clicks":0`},
		{"cost as string", adminKey, path, `{"start_date":"2017-09-10 20:10","end_date":"2017-09-10 21:10","cost":"19.22"}`, 200, `"currency":"USD"`},
		{"cost of wrong type", adminKey, path, `{"start_date":"2017-09-10","end_date":"2017-09-11","cost":true}`, 400, `cost`},
		{"flag of wrong type", adminKey, path, `{"start_date":"2017-09-10","end_date":"2017-09-11","cost":1,"only_campaign_uniques":"maybe"}`, 400, `only_campaign_uniques`},
		{"malformed", adminKey, path, `{"cost":`, 400, `malformed JSON`},
		{"invalid range", adminKey, path, `{"start_date":"2017-09-11","end_date":"2017-09-10","cost":1}`, 422, `"end_date"`},
		{"unknown campaign", adminKey, "/campaigns/999/update_costs", `{"start_date":"2017-09-10","end_date":"2017-09-11","cost":1}`, 404, `campaign`},
		{"read-only user", reader, path, `{"start_date":"2017-09-10","end_date":"2017-09-11","cost":1}`, 403, `access denied`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := v.call(tc.key, "POST", tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d containing %s", code, body, tc.code, tc.want)
			}
		})
	}
}

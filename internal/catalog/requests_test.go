package catalog

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestValidate: request structs check themselves field by field, without a database.
func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		req   interface{ Validate() error }
		field string // "" = valid
	}{
		{"campaign ok", CampaignRequest{Name: ptr("c"), Alias: ptr("my-link_1")}, ""},
		{"campaign no name", CampaignRequest{}, "name"},
		{"campaign alias", CampaignRequest{Name: ptr("c"), Alias: ptr("a/b")}, "alias"},
		{"campaign cost type", CampaignRequest{Name: ptr("c"), CostType: ptr("cpc")}, "cost_type"},
		{"stream ok", StreamRequest{CampaignID: ptr(int64(1)), Type: ptr("forced")}, ""},
		{"stream campaign", StreamRequest{}, "campaign_id"},
		{"stream filter", StreamRequest{CampaignID: ptr(int64(1)), Filters: &[]FilterRequest{{Name: "os", Payload: json.RawMessage(`"iOS"`)}}}, "filters[0].payload"},
		{"stream share", StreamRequest{CampaignID: ptr(int64(1)), Offers: &[]StreamOfferRequest{{OfferID: 1, Share: ptr(101)}}}, "offers[0].share"},
		{"stream action url", StreamRequest{CampaignID: ptr(int64(1)), Schema: ptr("action"), ActionType: ptr("http"), ActionPayload: ptr("ftp://x")}, "action_payload"},
		{"offer ok", OfferRequest{Name: ptr("o"), PayoutCurrency: ptr("EUR")}, ""},
		{"offer currency", OfferRequest{Name: ptr("o"), PayoutCurrency: ptr("euro")}, "payout_currency"},
		{"offer options", OfferRequest{Name: ptr("o"), ActionOptions: json.RawMessage(`[1]`)}, "action_options"},
		{"landing type", LandingRequest{Name: ptr("l"), LandingType: ptr("remote")}, "landing_type"},
		{"network ok", AffiliateNetworkRequest{Name: ptr("n"), AllowedIPs: &[]string{"1.2.3.4", "10.0.0.0/8"}}, ""},
		{"network ips", AffiliateNetworkRequest{Name: ptr("n"), AllowedIPs: &[]string{"1.2.3.4-1.2.3.9"}}, "allowed_ips"},
		{"source loss", TrafficSourceRequest{Name: ptr("s"), TrafficLoss: ptr(101.0)}, "traffic_loss"},
		{"source statuses", TrafficSourceRequest{Name: ptr("s"), PostbackStatuses: &[]string{"sale", "paid"}}, "postback_statuses"},
		{"source url", TrafficSourceRequest{Name: ptr("s"), PostbackURL: ptr("not a url")}, "postback_url"},
		{"group ok", GroupRequest{Name: ptr("g"), Type: ptr("landings")}, ""},
		{"group type", GroupRequest{Name: ptr("g"), Type: ptr("x")}, "type"},
		{"bots", BotListRequest{Value: "999.1.1.1"}, "value"},
		{"settings tz", SettingsRequest{Timezone: ptr("UTC+3")}, "timezone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			var ve *ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("valid request rejected: %v", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Fields[tc.field] == ""):
				t.Fatalf("want an error on %q, got %v", tc.field, err)
			}
		})
	}
	if err := (CampaignRequest{Name: ptr("c"), Alias: ptr("metrics")}).Validate(); !errors.Is(err, ErrConflict) {
		t.Fatalf("reserved alias: %v", err)
	}
}

//go:build faults

package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// campaignSetup is what the load needs to know about the campaign.
type campaignSetup struct {
	alias   string
	offerID int64
}

// offerURL is the offer's destination; the load reads the click id back from
// the redirect's Location ("subid" parameter).
const offerURL = "http://offer.invalid/o?subid={subid}"

// adminCall makes one admin API request and decodes the answer into out.
func adminCall(n *kiteNode, method, path, body string, out any) error {
	req, err := http.NewRequest(method, n.url("/admin_api/v1"+path), bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Api-Key", adminKey)
	req.Header.Set("Content-Type", "application/json")
	c := http.Client{Timeout: 15 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// setupCampaign creates an offer, a traffic source whose S2S postback goes to
// receiverURL (sales only, {tid} makes each delivery countable), and a
// campaign whose default stream redirects to the offer.
func setupCampaign(t *testing.T, n *kiteNode, alias, receiverURL string) campaignSetup {
	t.Helper()
	var offer, source, camp, stream struct {
		ID int64 `json:"id"`
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("admin API: %v\nnode log tail:\n%s", err, n.logTail(20))
		}
	}
	must(adminCall(n, "POST", "/offers", fmt.Sprintf(`{"name":"Faults offer %s","action_type":"http",
		"action_payload":%q,"payout_value":10,"payout_currency":"USD"}`, alias, offerURL), &offer))
	must(adminCall(n, "POST", "/traffic_sources", fmt.Sprintf(`{"name":"Faults source %s",
		"postback_url":%q,"postback_method":"GET","postback_statuses":["sale"]}`,
		alias, receiverURL+"?subid={subid}&tid={tid}&status={status}"), &source))
	must(adminCall(n, "POST", "/campaigns", fmt.Sprintf(`{"name":"Faults %s","alias":%q,"type":"position",
		"cost_type":"CPC","cost_value":0.01,"traffic_source_id":%d}`, alias, alias, source.ID), &camp))
	must(adminCall(n, "POST", "/streams", fmt.Sprintf(`{"campaign_id":%d,"type":"default","name":"all",
		"schema":"redirect","offers":[{"offer_id":%d,"share":100}]}`, camp.ID, offer.ID), &stream))
	return campaignSetup{alias: alias, offerID: offer.ID}
}

// waitServed waits until the node redirects the alias (its snapshot has the
// new campaign) and returns how long that took.
func waitServed(t *testing.T, n *kiteNode, alias string, within time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	c := noRedirectClient(5*time.Second, 4)
	for time.Since(began) < within {
		resp, err := c.Get(n.url("/" + alias + "?sub_id_1=probe"))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusFound {
				return time.Since(began)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not serve /%s within %s; log tail:\n%s", n.name, alias, within, n.logTail(20))
	return 0
}

// setupLandingCampaign creates a campaign whose default stream sends
// visitors to a landing page, and from its {offer} link to offerID; the
// load reads the click id back from the landing's Location ("subid").
func setupLandingCampaign(t *testing.T, n *kiteNode, alias string, offerID int64) int64 {
	t.Helper()
	var landing, camp, stream struct {
		ID int64 `json:"id"`
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("admin API: %v\nnode log tail:\n%s", err, n.logTail(20))
		}
	}
	must(adminCall(n, "POST", "/landing_pages", fmt.Sprintf(`{"name":"Faults landing %s","landing_type":"external",
		"action_type":"http","action_payload":"http://landing.invalid/l?subid={subid}&next={offer}"}`, alias), &landing))
	must(adminCall(n, "POST", "/campaigns", fmt.Sprintf(`{"name":"Faults %s","alias":%q,"type":"position",
		"cost_type":"CPC","cost_value":0.01}`, alias, alias), &camp))
	must(adminCall(n, "POST", "/streams", fmt.Sprintf(`{"campaign_id":%d,"type":"default","name":"via landing",
		"schema":"landings","landings":[{"landing_id":%d,"share":100}],"offers":[{"offer_id":%d,"share":100}]}`,
		camp.ID, landing.ID, offerID), &stream))
	return camp.ID
}

package macro

import (
	"encoding/json"
	"strconv"

	"github.com/kite-tracker/kite/internal/model"
)

// ForClick returns every click macro of shared/API.md "Macros" for c, plus
// each extra query parameter of the click under its own name. Built-in names
// win over extra parameters, so a visitor cannot override {subid} or {ip} by
// adding ?subid=... to the tracking link.
//
// {currency} comes from the click's own currency parameter when it has one;
// the caller sets m["currency"] to the tracker currency otherwise, and sets
// m["offer"] (the offer URL) itself.
func ForClick(c *model.Click, campaignName, trafficSourceName string) Map {
	m := make(Map, 96)
	addExtraParams(m, c.ExtraParams)
	if _, ok := m["currency"]; !ok {
		m["currency"] = ""
	}
	for _, kv := range [...][2]string{
		{"subid", c.ID}, {"clickid", c.ID}, {"click_id", c.ID}, {"sub_id", c.ID},
		{"external_id", c.ExternalID},
		{"campaign_id", id(c.CampaignID)}, {"campaign_name", campaignName},
		{"stream_id", id(c.StreamID)}, {"landing_id", id(c.LandingID)}, {"offer_id", id(c.OfferID)},
		{"ts_id", id(c.TrafficSourceID)}, {"traffic_source_name", trafficSourceName},
		{"affiliate_network_id", id(c.AffiliateNetworkID)},
		{"source", c.Source}, {"keyword", c.Keyword},
		{"ad_campaign_id", c.AdCampaignID}, {"creative_id", c.CreativeID},
		{"utm_source", c.UTMSource}, {"utm_medium", c.UTMMedium}, {"utm_campaign", c.UTMCampaign},
		{"utm_term", c.UTMTerm}, {"utm_content", c.UTMContent},
		{"cost", money(c.Cost)},
		{"ip", c.IP}, {"country", c.Country}, {"country_code", c.Country},
		{"region", c.Region}, {"city", c.City}, {"isp", c.ISP}, {"connection_type", c.ConnectionType},
		{"device_type", c.DeviceType}, {"device_model", c.DeviceModel},
		{"os", c.OS}, {"os_version", c.OSVersion},
		{"browser", c.Browser}, {"browser_version", c.BrowserVersion},
		{"language", c.Language}, {"user_agent", c.UserAgent}, {"referrer", c.Referrer},
		{"is_bot", flag(c.IsBot)}, {"visitor_code", c.VisitorCode},
		{"timestamp", strconv.FormatInt(c.CreatedAt.Unix(), 10)},
	} {
		m[kv[0]] = kv[1]
	}
	for i, p := range c.SubIDs() {
		m[subIDNames[i]] = *p
	}
	return m
}

// AddConversion adds the postback macros of conv to m: payout (alias
// revenue: both are the amount the network paid, in its currency), status,
// tid, original_status, conversion_id and currency.
func AddConversion(m Map, conv *model.Conversion) {
	m["payout"] = money(conv.Payout)
	m["revenue"] = m["payout"]
	m["status"] = conv.Status
	m["previous_status"] = conv.PreviousStatus
	m["original_status"] = conv.OriginalStatus
	m["tid"] = conv.TID
	m["conversion_id"] = id(conv.ID)
	m["currency"] = conv.Currency
}

var subIDNames = func() (n [30]string) {
	for i := range n {
		n[i] = "sub_id_" + strconv.Itoa(i+1)
	}
	return n
}()

// addExtraParams copies the click's other query parameters (a JSON object)
// into m. Non-string values are written as their JSON text; a broken
// document is ignored: a click's macros must not fail over one bad field.
func addExtraParams(m Map, extra model.JSONText) {
	if extra == "" {
		return
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal([]byte(extra), &params); err != nil {
		return
	}
	for k, raw := range params {
		var s string
		switch err := json.Unmarshal(raw, &s); {
		case string(raw) == "null":
		case err == nil:
			m[k] = s
		default:
			m[k] = string(raw)
		}
	}
}

// id prints a row id; 0 (none, e.g. no landing) prints as empty.
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func money(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

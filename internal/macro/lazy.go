package macro

import (
	"encoding/json"
	"strconv"

	"github.com/kite-tracker/kite/internal/model"
)

// Click is the lazy form of ForClick for the click path: it answers each
// macro straight from the click when a template asks for it, so a URL with
// three macros formats three values instead of building a map of ~80. Its
// answers are exactly ForClick's (a test holds them equal).
//
// Extra may hold the click's extra parameters when the caller has them at
// hand (the tracker just parsed them); nil means they are decoded from
// C.ExtraParams, once, and only if a template names a macro that is not
// built in. A Click is not safe for concurrent use; use one per click.
type Click struct {
	C                 *model.Click
	CampaignName      string
	TrafficSourceName string
	Extra             map[string]string

	extraDone bool
}

// Lookup returns the value of a click macro, else of an extra parameter
// under that name; built-in names win. {currency} is always known: the
// click's own currency parameter or "" (ForClick's rule).
func (v *Click) Lookup(name string) (string, bool) {
	if f, ok := clickMacros[name]; ok {
		return f(v), true
	}
	if val, ok := v.extra()[name]; ok {
		return val, true
	}
	if name == "currency" {
		return "", true
	}
	return "", false
}

// extra returns the extra parameters, decoding C.ExtraParams on first use.
func (v *Click) extra() map[string]string {
	if v.Extra == nil && !v.extraDone {
		v.extraDone = true
		if v.C.ExtraParams != "" {
			v.Extra = map[string]string{}
			addExtraParams(Map(v.Extra), v.C.ExtraParams)
		}
	}
	return v.Extra
}

// clickMacros are the built-in click macros (ForClick's names) and how to
// read each from the click.
var clickMacros = func() map[string]func(v *Click) string {
	m := map[string]func(v *Click) string{
		"subid":                func(v *Click) string { return v.C.ID },
		"external_id":          func(v *Click) string { return v.C.ExternalID },
		"campaign_id":          func(v *Click) string { return id(v.C.CampaignID) },
		"campaign_name":        func(v *Click) string { return v.CampaignName },
		"stream_id":            func(v *Click) string { return id(v.C.StreamID) },
		"landing_id":           func(v *Click) string { return id(v.C.LandingID) },
		"offer_id":             func(v *Click) string { return id(v.C.OfferID) },
		"ts_id":                func(v *Click) string { return id(v.C.TrafficSourceID) },
		"traffic_source_name":  func(v *Click) string { return v.TrafficSourceName },
		"affiliate_network_id": func(v *Click) string { return id(v.C.AffiliateNetworkID) },
		"source":               func(v *Click) string { return v.C.Source },
		"keyword":              func(v *Click) string { return v.C.Keyword },
		"ad_campaign_id":       func(v *Click) string { return v.C.AdCampaignID },
		"creative_id":          func(v *Click) string { return v.C.CreativeID },
		"utm_source":           func(v *Click) string { return v.C.UTMSource },
		"utm_medium":           func(v *Click) string { return v.C.UTMMedium },
		"utm_campaign":         func(v *Click) string { return v.C.UTMCampaign },
		"utm_term":             func(v *Click) string { return v.C.UTMTerm },
		"utm_content":          func(v *Click) string { return v.C.UTMContent },
		"cost":                 func(v *Click) string { return money(v.C.Cost) },
		"ip":                   func(v *Click) string { return v.C.IP },
		"country":              func(v *Click) string { return v.C.Country },
		"region":               func(v *Click) string { return v.C.Region },
		"city":                 func(v *Click) string { return v.C.City },
		"isp":                  func(v *Click) string { return v.C.ISP },
		"connection_type":      func(v *Click) string { return v.C.ConnectionType },
		"device_type":          func(v *Click) string { return v.C.DeviceType },
		"device_model":         func(v *Click) string { return v.C.DeviceModel },
		"os":                   func(v *Click) string { return v.C.OS },
		"os_version":           func(v *Click) string { return v.C.OSVersion },
		"browser":              func(v *Click) string { return v.C.Browser },
		"browser_version":      func(v *Click) string { return v.C.BrowserVersion },
		"language":             func(v *Click) string { return v.C.Language },
		"user_agent":           func(v *Click) string { return v.C.UserAgent },
		"referrer":             func(v *Click) string { return v.C.Referrer },
		"is_bot":               func(v *Click) string { return flag(v.C.IsBot) },
		"visitor_code":         func(v *Click) string { return v.C.VisitorCode },
		"timestamp":            func(v *Click) string { return strconv.FormatInt(v.C.CreatedAt.Unix(), 10) },
	}
	for _, alias := range []string{"clickid", "click_id", "sub_id"} {
		m[alias] = m["subid"]
	}
	m["country_code"] = m["country"]
	for i := range subIDNames {
		m[subIDNames[i]] = func(v *Click) string { return *v.C.SubIDs()[i] }
	}
	return m
}()

// ForClick returns every click macro of shared/API.md "Macros" for c, plus
// each extra query parameter of the click under its own name. Built-in names
// win over extra parameters, so a visitor cannot override {subid} or {ip} by
// adding ?subid=... to the tracking link.
//
// {currency} comes from the click's own currency parameter when it has one;
// the caller sets m["currency"] to the tracker currency otherwise, and sets
// m["offer"] (the offer URL) itself. The click path uses the lazy Click.
func ForClick(c *model.Click, campaignName, trafficSourceName string) Map {
	m := make(Map, len(clickMacros)+8)
	addExtraParams(m, c.ExtraParams)
	if _, ok := m["currency"]; !ok {
		m["currency"] = ""
	}
	v := &Click{C: c, CampaignName: campaignName, TrafficSourceName: trafficSourceName}
	for name, f := range clickMacros {
		m[name] = f(v)
	}
	return m
}

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

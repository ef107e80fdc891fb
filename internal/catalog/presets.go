package catalog

import "github.com/kite-tracker/kite/internal/model"

// TrafficSourcePreset is a ready-made traffic source: its parameter template
// (Kite parameter -> the source's query name and its own macro) and its S2S
// postback URL written with Kite's macros. The UI offers these on "new source".
type TrafficSourcePreset struct {
	Name             string                 `json:"name"`
	Parameters       model.SourceParameters `json:"parameters"`
	PostbackURL      string                 `json:"postback_url"`
	PostbackMethod   string                 `json:"postback_method"`
	PostbackStatuses []string               `json:"postback_statuses"`
}

// AffiliateNetworkPreset is a ready-made affiliate network: the parameter to
// append to its offer URLs and the postback URL template to paste into it.
type AffiliateNetworkPreset struct {
	Name        string `json:"name"`
	OfferParam  string `json:"offer_param"`
	PostbackURL string `json:"postback_url"`
}

// p builds a placeholder.
func p(name, placeholder string) model.Placeholder {
	return model.Placeholder{Name: name, Placeholder: placeholder}
}

// TrafficSourcePresets returns templates of well-known traffic sources. The
// source-side macros are each network's documented tokens; check the source's
// own account for its postback host and ids (aid, goal) before going live.
func TrafficSourcePresets() []TrafficSourcePreset {
	sale := []string{"sale"}
	return []TrafficSourcePreset{
		{Name: "PropellerAds", PostbackURL: "http://ad.propellerads.com/conversion.php?aid=YOUR_AID&pid=&tid=YOUR_TID&visitor_id={external_id}&payout={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("subid", "${SUBID}"), "sub_id_1": p("zoneid", "${zoneid}"),
				"ad_campaign_id": p("campaignid", "${campaignid}"), "creative_id": p("bannerid", "${bannerid}"),
				"cost": p("cost", "${cost}"), "sub_id_2": p("os", "${os}")}},
		{Name: "ExoClick", PostbackURL: "http://s.exoclick.com/tag.php?goal=YOUR_GOAL_ID&tag={external_id}&value={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("conversions_tracking", "{conversions_tracking}"), "sub_id_1": p("site_id", "{site_id}"),
				"sub_id_2": p("zone_id", "{zone_id}"), "ad_campaign_id": p("campaign_id", "{campaign_id}"),
				"creative_id": p("variation_id", "{variation_id}"), "cost": p("cost", "{actual_cost}"), "sub_id_3": p("country", "{country}")}},
		{Name: "TrafficStars", PostbackURL: "https://tsyndicate.com/api/v1/cpa/action?value={payout}&key=YOUR_KEY&clickid={external_id}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("click_id", "{click_id}"), "sub_id_1": p("site_id", "{site_id}"),
				"ad_campaign_id": p("campaign_id", "{campaign_id}"), "creative_id": p("creative_id", "{creative_id}"),
				"cost": p("cost", "{cost}"), "keyword": p("keywords", "{keywords}"), "sub_id_2": p("adspot_id", "{adspot_id}")}},
		{Name: "Zeropark", PostbackURL: "http://postback.zeroredirect1.com/zppostback/YOUR_ID?cid={external_id}&payout={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("cid", "{cid}"), "sub_id_1": p("target", "{target}"), "sub_id_2": p("source", "{source}"),
				"ad_campaign_id": p("campaign_id", "{campaign_id}"), "cost": p("cost", "{visit_cost}"),
				"keyword": p("keyword", "{keyword}"), "sub_id_3": p("geo", "{geo}")}},
		{Name: "RichAds", PostbackURL: "http://xml.richads.com/postback?key={external_id}&price={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("clickid", "[CLICK_ID]"), "sub_id_1": p("publisher", "[PUBLISHER_ID]"),
				"sub_id_2": p("site", "[SITE_ID]"), "ad_campaign_id": p("campaign", "[CAMPAIGN_ID]"),
				"creative_id": p("creative", "[CREATIVE_ID]"), "cost": p("cpc", "[CPC]"), "sub_id_3": p("country", "[COUNTRY]")}},
		{Name: "Galaksion", PostbackURL: "https://ads.galaksion.com/postback?clickid={external_id}&payout={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("clickid", "{clickid}"), "sub_id_1": p("zoneid", "{zoneid}"),
				"ad_campaign_id": p("campaignid", "{campaignid}"), "cost": p("cost", "{cost}"), "sub_id_2": p("country", "{country}")}},
		{Name: "HilltopAds", PostbackURL: "https://hilltopads.com/api/conversion?clickid={external_id}&payout={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("clickid", "{{clickid}}"), "sub_id_1": p("zoneid", "{{zoneid}}"),
				"ad_campaign_id": p("campaignid", "{{campaignid}}"), "cost": p("cost", "{{cost}}"), "sub_id_2": p("country", "{{country}}")}},
		{Name: "Adsterra", PostbackURL: "https://www.adsterratools.com/api/postback?cid={external_id}&payout={payout}",
			PostbackMethod: "GET", PostbackStatuses: sale, Parameters: model.SourceParameters{
				"external_id": p("clickid", "${CLICK_ID}"), "sub_id_1": p("placement", "${PLACEMENT_ID}"),
				"ad_campaign_id": p("campaign", "${CAMPAIGN_ID}"), "cost": p("cpm", "${CPM}"), "sub_id_2": p("country", "${COUNTRY}")}},
		{Name: "Facebook", PostbackMethod: "GET", PostbackStatuses: []string{}, Parameters: model.SourceParameters{
			"external_id": p("fbclid", ""), "ad_campaign_id": p("campaign_id", "{{campaign.id}}"),
			"creative_id": p("ad_id", "{{ad.id}}"), "sub_id_1": p("adset_id", "{{adset.id}}"),
			"sub_id_2": p("placement", "{{placement}}"), "source": p("site_source", "{{site_source_name}}")}},
		{Name: "Google Ads", PostbackMethod: "GET", PostbackStatuses: []string{}, Parameters: model.SourceParameters{
			"external_id": p("gclid", ""), "ad_campaign_id": p("campaignid", "{campaignid}"),
			"creative_id": p("creative", "{creative}"), "keyword": p("keyword", "{keyword}"),
			"sub_id_1": p("adgroupid", "{adgroupid}"), "sub_id_2": p("network", "{network}"), "sub_id_3": p("device", "{device}")}},
		{Name: "TikTok", PostbackMethod: "GET", PostbackStatuses: []string{}, Parameters: model.SourceParameters{
			"external_id": p("ttclid", "__CALLBACK_PARAM__"), "ad_campaign_id": p("campaign_id", "__CAMPAIGN_ID__"),
			"creative_id": p("ad_id", "__CID__"), "sub_id_1": p("adgroup_id", "__AID__"), "sub_id_2": p("placement", "__PLACEMENT__")}},
		{Name: "Kadam", PostbackURL: "http://kadam.net/ru/postback-in/?data={external_id}&status={status:lead=0 sale=1 rejected=2}",
			PostbackMethod: "GET", PostbackStatuses: []string{"lead", "sale", "rejected"}, Parameters: model.SourceParameters{
				"external_id": p("clickid", "[CLICK_ID]"), "sub_id_1": p("site", "[SITE_ID]"),
				"ad_campaign_id": p("campaign", "[CAMPAIGN_ID]"), "creative_id": p("ad", "[AD_ID]")}},
	}
}

// AffiliateNetworkPresets returns templates of well-known affiliate networks
// and CPA platforms. OfferParam is appended to the offer URL; PostbackURL is
// the template to paste into the network, with the network's own macros.
func AffiliateNetworkPresets() []AffiliateNetworkPreset {
	pb := "https://YOUR_TRACKER/YOUR_POSTBACK_KEY/postback?subid="
	return []AffiliateNetworkPreset{
		{"ClickDealer", "aff_sub={subid}", pb + "{aff_sub}&payout={payout}&status={status}&tid={transaction_id}"},
		{"MaxBounty", "s1={subid}", pb + "#S1#&payout=#RATE#&tid=#OFFID#"},
		{"CPAlead", "subid={subid}", pb + "{subid}&payout={payout}"},
		{"Admitad", "subid={subid}", pb + "[subid]&payout=[payment_sum]&currency=[currency]&status=[payment_status]&tid=[order_id]"},
		{"Everad", "sid1={subid}", pb + "{sid1}&payout={payout}&status={status}&tid={lead_id}"},
		{"Dr.Cash", "sub1={subid}", pb + "{sub1}&payout={payout}&status={status}&tid={uuid}"},
		{"LeadBit", "sub1={subid}", pb + "{sub1}&payout={payout}&status={status}&tid={lead_id}"},
		{"M4Leads", "sub1={subid}", pb + "{sub1}&payout={payout}&status={status}&tid={lead_id}"},
		{"Mobidea", "subid={subid}", pb + "{subid}&payout={payout}&currency={currency}"},
		{"CrakRevenue", "aff_sub5={subid}", pb + "{aff_sub5}&payout={payout}&tid={transaction_id}"},
		{"Affise (any Affise platform)", "sub1={subid}", pb + "{sub1}&payout={sum}&status={status}&tid={transactionid}"},
		{"HasOffers / TUNE (any)", "aff_sub={subid}", pb + "{aff_sub}&payout={payout}&tid={transaction_id}"},
	}
}

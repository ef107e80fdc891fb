// Package model holds Kite's plain data types: the configuration a media buyer
// edits (campaigns, streams, offers, ...) and the events the tracker records
// (clicks, conversions, postbacks). It imports no storage or HTTP package; the
// gorm tags only name columns, the migrations under migrations/ own the schema.
package model

import "time"

// Object states shared by every configuration resource (Keitaro's enums).
const (
	StateActive   = "active"
	StateDisabled = "disabled"
	StateDeleted  = "deleted"
)

// Group is a folder for campaigns, offers, landings or sources.
type Group struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	Name      string    `gorm:"column:name" json:"name"`
	Position  int       `gorm:"column:position" json:"position"`
	Type      string    `gorm:"column:type" json:"type"` // campaigns | offers | landings | sources
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// Campaign is what a tracking link /{alias} points at.
type Campaign struct {
	ID              int64     `gorm:"column:id;primaryKey" json:"id"`
	Alias           string    `gorm:"column:alias" json:"alias"`
	Name            string    `gorm:"column:name" json:"name"`
	Type            string    `gorm:"column:type" json:"type"` // position | weight
	CookiesTTL      int       `gorm:"column:cookies_ttl" json:"cookies_ttl"`
	Position        int       `gorm:"column:position" json:"position"`
	State           string    `gorm:"column:state" json:"state"`
	CostType        string    `gorm:"column:cost_type" json:"cost_type"` // CPC | CPUC | CPM | CPA | CPS | RevShare
	CostValue       float64   `gorm:"column:cost_value" json:"cost_value"`
	CostCurrency    string    `gorm:"column:cost_currency" json:"cost_currency"`
	CostAuto        bool      `gorm:"column:cost_auto" json:"cost_auto"`
	GroupID         *int64    `gorm:"column:group_id" json:"group_id"`
	BindVisitors    string    `gorm:"column:bind_visitors" json:"bind_visitors"` // "" | s | sl | slo
	TrafficSourceID *int64    `gorm:"column:traffic_source_id" json:"traffic_source_id"`
	Token           string    `gorm:"column:token" json:"token"`
	Parameters      JSONText  `gorm:"column:parameters" json:"parameters"` // SourceParameters overriding the source's
	Notes           string    `gorm:"column:notes" json:"notes"`
	CreatedAt       time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt       time.Time `gorm:"column:updated_at" json:"updated_at"`

	Postbacks []CampaignPostback `gorm:"foreignKey:CampaignID" json:"postbacks"`
}

// CampaignPostback is an S2S postback a campaign fires to its traffic source.
type CampaignPostback struct {
	ID         int64    `gorm:"column:id;primaryKey" json:"id"`
	CampaignID int64    `gorm:"column:campaign_id" json:"campaign_id"`
	Method     string   `gorm:"column:method" json:"method"` // GET | POST
	Statuses   JSONText `gorm:"column:statuses" json:"statuses"`
	URL        string   `gorm:"column:url" json:"url"`
}

// Stream is Keitaro's "flow": filters decide who enters, the schema and action
// decide where the visitor goes.
type Stream struct {
	ID            int64     `gorm:"column:id;primaryKey" json:"id"`
	CampaignID    int64     `gorm:"column:campaign_id" json:"campaign_id"`
	Type          string    `gorm:"column:type" json:"type"` // forced | regular | default
	Name          string    `gorm:"column:name" json:"name"`
	Position      int       `gorm:"column:position" json:"position"`
	Weight        float64   `gorm:"column:weight" json:"weight"`
	ActionType    string    `gorm:"column:action_type" json:"action_type"`
	ActionPayload string    `gorm:"column:action_payload" json:"action_payload"`
	ActionOptions JSONText  `gorm:"column:action_options" json:"action_options"`
	Schema        string    `gorm:"column:schema" json:"schema"` // redirect | landings | action
	CollectClicks bool      `gorm:"column:collect_clicks" json:"collect_clicks"`
	FilterOr      bool      `gorm:"column:filter_or" json:"filter_or"`
	Comments      string    `gorm:"column:comments" json:"comments"`
	State         string    `gorm:"column:state" json:"state"`
	CreatedAt     time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt     time.Time `gorm:"column:updated_at" json:"updated_at"`

	Filters  []StreamFilter  `gorm:"foreignKey:StreamID" json:"filters"`
	Offers   []StreamOffer   `gorm:"foreignKey:StreamID" json:"offers"`
	Landings []StreamLanding `gorm:"foreignKey:StreamID" json:"landings"`
}

// StreamFilter is one filter of a stream; Payload is JSON whose shape depends on Name.
type StreamFilter struct {
	ID       int64    `gorm:"column:id;primaryKey" json:"id"`
	StreamID int64    `gorm:"column:stream_id" json:"stream_id"`
	Name     string   `gorm:"column:name" json:"name"`
	Mode     string   `gorm:"column:mode" json:"mode"` // accept | reject
	Payload  JSONText `gorm:"column:payload" json:"payload"`
}

// StreamOffer links an offer to a stream with a share (weight).
type StreamOffer struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	StreamID  int64     `gorm:"column:stream_id" json:"stream_id"`
	OfferID   int64     `gorm:"column:offer_id" json:"offer_id"`
	Share     int       `gorm:"column:share" json:"share"`
	State     string    `gorm:"column:state" json:"state"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// StreamLanding links a landing page to a stream with a share (weight).
type StreamLanding struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	StreamID  int64     `gorm:"column:stream_id" json:"stream_id"`
	LandingID int64     `gorm:"column:landing_id" json:"landing_id"`
	Share     int       `gorm:"column:share" json:"share"`
	State     string    `gorm:"column:state" json:"state"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// Offer is the advertiser's page the buyer is paid for.
type Offer struct {
	ID                   int64     `gorm:"column:id;primaryKey" json:"id"`
	Name                 string    `gorm:"column:name" json:"name"`
	GroupID              *int64    `gorm:"column:group_id" json:"group_id"`
	OfferType            string    `gorm:"column:offer_type" json:"offer_type"` // external | local | preloaded
	ActionType           string    `gorm:"column:action_type" json:"action_type"`
	ActionPayload        string    `gorm:"column:action_payload" json:"action_payload"`
	ActionOptions        JSONText  `gorm:"column:action_options" json:"action_options"`
	AffiliateNetworkID   *int64    `gorm:"column:affiliate_network_id" json:"affiliate_network_id"`
	PayoutValue          float64   `gorm:"column:payout_value" json:"payout_value"`
	PayoutCurrency       string    `gorm:"column:payout_currency" json:"payout_currency"`
	PayoutType           string    `gorm:"column:payout_type" json:"payout_type"` // CPA | CPC
	PayoutAuto           bool      `gorm:"column:payout_auto" json:"payout_auto"`
	PayoutUpsell         bool      `gorm:"column:payout_upsell" json:"payout_upsell"`
	Country              JSONText  `gorm:"column:country" json:"country"`
	Notes                string    `gorm:"column:notes" json:"notes"`
	State                string    `gorm:"column:state" json:"state"`
	ConversionCapEnabled bool      `gorm:"column:conversion_cap_enabled" json:"conversion_cap_enabled"`
	DailyCap             int       `gorm:"column:daily_cap" json:"daily_cap"`
	ConversionTimezone   string    `gorm:"column:conversion_timezone" json:"conversion_timezone"`
	AlternativeOfferID   *int64    `gorm:"column:alternative_offer_id" json:"alternative_offer_id"`
	CreatedAt            time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt            time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// Landing is a pre-sell page shown before the offer (table landing_pages).
type Landing struct {
	ID            int64     `gorm:"column:id;primaryKey" json:"id"`
	Name          string    `gorm:"column:name" json:"name"`
	GroupID       *int64    `gorm:"column:group_id" json:"group_id"`
	LandingType   string    `gorm:"column:landing_type" json:"landing_type"` // external | local | preloaded
	ActionType    string    `gorm:"column:action_type" json:"action_type"`
	ActionPayload string    `gorm:"column:action_payload" json:"action_payload"`
	ActionOptions JSONText  `gorm:"column:action_options" json:"action_options"`
	OfferCount    int       `gorm:"column:offer_count" json:"offer_count"`
	Notes         string    `gorm:"column:notes" json:"notes"`
	State         string    `gorm:"column:state" json:"state"`
	CreatedAt     time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt     time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TableName keeps Keitaro's table/resource name.
func (Landing) TableName() string { return "landing_pages" }

// Duplicate policies of an affiliate network for a repeated postback.
const (
	DuplicateIgnore = "ignore" // default: the same subid+tid+status changes nothing
	DuplicateAccept = "accept" // every postback is a new conversion
	DuplicateUpdate = "update" // the repeat overwrites payout and params
)

// AffiliateNetwork is the advertiser side that sends conversion postbacks.
type AffiliateNetwork struct {
	ID              int64     `gorm:"column:id;primaryKey" json:"id"`
	Name            string    `gorm:"column:name" json:"name"`
	PostbackURL     string    `gorm:"column:postback_url" json:"postback_url"`
	OfferParam      string    `gorm:"column:offer_param" json:"offer_param"`
	State           string    `gorm:"column:state" json:"state"`
	TemplateName    string    `gorm:"column:template_name" json:"template_name"`
	Notes           string    `gorm:"column:notes" json:"notes"`
	PullAPIOptions  string    `gorm:"column:pull_api_options" json:"pull_api_options"`
	PostbackToken   string    `gorm:"column:postback_token" json:"postback_token"`     // optional own key for this network
	AllowedIPs      JSONText  `gorm:"column:allowed_ips" json:"allowed_ips"`           // CIDR/IP list; empty = any
	DuplicatePolicy string    `gorm:"column:duplicate_policy" json:"duplicate_policy"` // ignore | accept | update
	CreatedAt       time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt       time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// TrafficSource is where visitors come from; its parameter template maps the
// source's own query names onto Kite's (sub_id_N, external_id, cost, ...).
type TrafficSource struct {
	ID               int64     `gorm:"column:id;primaryKey" json:"id"`
	Name             string    `gorm:"column:name" json:"name"`
	PostbackURL      string    `gorm:"column:postback_url" json:"postback_url"`
	PostbackMethod   string    `gorm:"column:postback_method" json:"postback_method"`
	PostbackStatuses JSONText  `gorm:"column:postback_statuses" json:"postback_statuses"`
	TemplateName     string    `gorm:"column:template_name" json:"template_name"`
	AcceptParameters bool      `gorm:"column:accept_parameters" json:"accept_parameters"`
	Parameters       JSONText  `gorm:"column:parameters" json:"parameters"` // SourceParameters
	Notes            string    `gorm:"column:notes" json:"notes"`
	State            string    `gorm:"column:state" json:"state"`
	TrafficLoss      float64   `gorm:"column:traffic_loss" json:"traffic_loss"`
	CreatedAt        time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt        time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// Placeholder maps one Kite parameter to the source's query name and the
// source's own macro for it (used to build the tracking link).
type Placeholder struct {
	Name        string `json:"name"`
	Placeholder string `json:"placeholder"`
	Alias       string `json:"alias,omitempty"`
}

// SourceParameters is a traffic source template: Kite parameter -> placeholder.
// Keys: keyword, cost, currency, external_id, creative_id, ad_campaign_id,
// source, sub_id_1..sub_id_30.
type SourceParameters map[string]Placeholder

// BotListEntry is one of the user's own bot IPs/ranges or UA fragments.
type BotListEntry struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	Kind      string    `gorm:"column:kind" json:"kind"` // ip | ua
	Value     string    `gorm:"column:value" json:"value"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

// TableName is the bot list table.
func (BotListEntry) TableName() string { return "bot_list" }

// CurrencyRate converts one currency into the tracker currency.
type CurrencyRate struct {
	Currency  string    `gorm:"column:currency;primaryKey" json:"currency"`
	Rate      float64   `gorm:"column:rate" json:"rate"` // 1 unit of Currency = Rate tracker-currency units
	UpdatedAt time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// Setting is one key of the tracker-wide settings.
type Setting struct {
	Key   string `gorm:"column:key;primaryKey" json:"key"`
	Value string `gorm:"column:value" json:"value"`
}

// Setting keys.
const (
	SettingPostbackKey     = "postback_key"
	SettingCurrency        = "currency"
	SettingTimezone        = "timezone"
	SettingTrustedProxies  = "trusted_proxies"
	SettingDefaultCampaign = "default_campaign_id"
)

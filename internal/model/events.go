package model

import "time"

// Click is one visit of a tracking link. Its ID is a UUIDv7, so CreatedAt is
// exactly the time encoded in the ID (clicks are partitioned by that day).
type Click struct {
	ID                 string     `gorm:"column:id;primaryKey" json:"sub_id"`
	CreatedAt          time.Time  `gorm:"column:created_at;primaryKey" json:"datetime"`
	CampaignID         int64      `gorm:"column:campaign_id" json:"campaign_id"`
	StreamID           int64      `gorm:"column:stream_id" json:"stream_id"`
	OfferID            int64      `gorm:"column:offer_id" json:"offer_id"`
	LandingID          int64      `gorm:"column:landing_id" json:"landing_id"`
	TrafficSourceID    int64      `gorm:"column:ts_id" json:"ts_id"`
	AffiliateNetworkID int64      `gorm:"column:affiliate_network_id" json:"affiliate_network_id"`
	VisitorCode        string     `gorm:"column:visitor_code" json:"visitor_code"`
	IP                 string     `gorm:"column:ip" json:"ip"`
	UserAgent          string     `gorm:"column:user_agent" json:"user_agent"`
	Referrer           string     `gorm:"column:referrer" json:"referrer"`
	Language           string     `gorm:"column:language" json:"language"`
	Country            string     `gorm:"column:country" json:"country"`
	Region             string     `gorm:"column:region" json:"region"`
	City               string     `gorm:"column:city" json:"city"`
	ISP                string     `gorm:"column:isp" json:"isp"`
	ConnectionType     string     `gorm:"column:connection_type" json:"connection_type"`
	DeviceType         string     `gorm:"column:device_type" json:"device_type"`
	DeviceModel        string     `gorm:"column:device_model" json:"device_model"`
	OS                 string     `gorm:"column:os" json:"os"`
	OSVersion          string     `gorm:"column:os_version" json:"os_version"`
	Browser            string     `gorm:"column:browser" json:"browser"`
	BrowserVersion     string     `gorm:"column:browser_version" json:"browser_version"`
	IsBot              bool       `gorm:"column:is_bot" json:"is_bot"`
	IsUniqueCampaign   bool       `gorm:"column:is_unique_campaign" json:"is_unique_campaign"`
	IsUniqueStream     bool       `gorm:"column:is_unique_stream" json:"is_unique_stream"`
	IsUniqueGlobal     bool       `gorm:"column:is_unique_global" json:"is_unique_global"`
	Keyword            string     `gorm:"column:keyword" json:"keyword"`
	Source             string     `gorm:"column:source" json:"source"`
	ExternalID         string     `gorm:"column:external_id" json:"external_id"`
	CreativeID         string     `gorm:"column:creative_id" json:"creative_id"`
	AdCampaignID       string     `gorm:"column:ad_campaign_id" json:"ad_campaign_id"`
	Cost               float64    `gorm:"column:cost" json:"cost"` // in the tracker currency
	SubID1             string     `gorm:"column:sub_id_1" json:"sub_id_1"`
	SubID2             string     `gorm:"column:sub_id_2" json:"sub_id_2"`
	SubID3             string     `gorm:"column:sub_id_3" json:"sub_id_3"`
	SubID4             string     `gorm:"column:sub_id_4" json:"sub_id_4"`
	SubID5             string     `gorm:"column:sub_id_5" json:"sub_id_5"`
	SubID6             string     `gorm:"column:sub_id_6" json:"sub_id_6"`
	SubID7             string     `gorm:"column:sub_id_7" json:"sub_id_7"`
	SubID8             string     `gorm:"column:sub_id_8" json:"sub_id_8"`
	SubID9             string     `gorm:"column:sub_id_9" json:"sub_id_9"`
	SubID10            string     `gorm:"column:sub_id_10" json:"sub_id_10"`
	SubID11            string     `gorm:"column:sub_id_11" json:"sub_id_11"`
	SubID12            string     `gorm:"column:sub_id_12" json:"sub_id_12"`
	SubID13            string     `gorm:"column:sub_id_13" json:"sub_id_13"`
	SubID14            string     `gorm:"column:sub_id_14" json:"sub_id_14"`
	SubID15            string     `gorm:"column:sub_id_15" json:"sub_id_15"`
	SubID16            string     `gorm:"column:sub_id_16" json:"sub_id_16"`
	SubID17            string     `gorm:"column:sub_id_17" json:"sub_id_17"`
	SubID18            string     `gorm:"column:sub_id_18" json:"sub_id_18"`
	SubID19            string     `gorm:"column:sub_id_19" json:"sub_id_19"`
	SubID20            string     `gorm:"column:sub_id_20" json:"sub_id_20"`
	SubID21            string     `gorm:"column:sub_id_21" json:"sub_id_21"`
	SubID22            string     `gorm:"column:sub_id_22" json:"sub_id_22"`
	SubID23            string     `gorm:"column:sub_id_23" json:"sub_id_23"`
	SubID24            string     `gorm:"column:sub_id_24" json:"sub_id_24"`
	SubID25            string     `gorm:"column:sub_id_25" json:"sub_id_25"`
	SubID26            string     `gorm:"column:sub_id_26" json:"sub_id_26"`
	SubID27            string     `gorm:"column:sub_id_27" json:"sub_id_27"`
	SubID28            string     `gorm:"column:sub_id_28" json:"sub_id_28"`
	SubID29            string     `gorm:"column:sub_id_29" json:"sub_id_29"`
	SubID30            string     `gorm:"column:sub_id_30" json:"sub_id_30"`
	UTMSource          string     `gorm:"column:utm_source" json:"utm_source"`
	UTMMedium          string     `gorm:"column:utm_medium" json:"utm_medium"`
	UTMCampaign        string     `gorm:"column:utm_campaign" json:"utm_campaign"`
	UTMTerm            string     `gorm:"column:utm_term" json:"utm_term"`
	UTMContent         string     `gorm:"column:utm_content" json:"utm_content"`
	ExtraParams        JSONText   `gorm:"column:extra_params" json:"extra_params"` // every other query parameter
	Destination        string     `gorm:"column:destination" json:"destination"`
	LPClickedAt        *time.Time `gorm:"column:lp_clicked_at" json:"lp_clicked_at"`
}

// SubIDs returns pointers to sub_id_1..sub_id_30 in order, so code can fill
// and read them by number without a 30-arm switch.
func (c *Click) SubIDs() [30]*string {
	return [30]*string{&c.SubID1, &c.SubID2, &c.SubID3, &c.SubID4, &c.SubID5, &c.SubID6, &c.SubID7,
		&c.SubID8, &c.SubID9, &c.SubID10, &c.SubID11, &c.SubID12, &c.SubID13, &c.SubID14, &c.SubID15,
		&c.SubID16, &c.SubID17, &c.SubID18, &c.SubID19, &c.SubID20, &c.SubID21, &c.SubID22, &c.SubID23,
		&c.SubID24, &c.SubID25, &c.SubID26, &c.SubID27, &c.SubID28, &c.SubID29, &c.SubID30}
}

// Conversion statuses (Keitaro's words).
const (
	StatusLead     = "lead"
	StatusSale     = "sale"
	StatusRejected = "rejected"
	StatusRebill   = "rebill"
)

// Conversion is a postback joined (or waiting to be joined) to its click.
// It copies the click's low-cardinality dimensions so reports need no join.
type Conversion struct {
	ID                 int64      `gorm:"column:id;primaryKey" json:"conversion_id"`
	ClickID            string     `gorm:"column:click_id" json:"sub_id"`
	TID                string     `gorm:"column:tid" json:"tid"`
	Status             string     `gorm:"column:status" json:"status"`
	PreviousStatus     string     `gorm:"column:previous_status" json:"previous_status"`
	OriginalStatus     string     `gorm:"column:original_status" json:"original_status"`
	Payout             float64    `gorm:"column:payout" json:"payout"`     // as the network sent it
	Currency           string     `gorm:"column:currency" json:"currency"` // of Payout
	Revenue            float64    `gorm:"column:revenue" json:"revenue"`   // in the tracker currency
	Attributed         bool       `gorm:"column:attributed" json:"attributed"`
	ClickCreatedAt     *time.Time `gorm:"column:click_created_at" json:"click_datetime"`
	CampaignID         int64      `gorm:"column:campaign_id" json:"campaign_id"`
	StreamID           int64      `gorm:"column:stream_id" json:"stream_id"`
	OfferID            int64      `gorm:"column:offer_id" json:"offer_id"`
	LandingID          int64      `gorm:"column:landing_id" json:"landing_id"`
	TrafficSourceID    int64      `gorm:"column:ts_id" json:"ts_id"`
	AffiliateNetworkID int64      `gorm:"column:affiliate_network_id" json:"affiliate_network_id"`
	Country            string     `gorm:"column:country" json:"country"`
	DeviceType         string     `gorm:"column:device_type" json:"device_type"`
	OS                 string     `gorm:"column:os" json:"os"`
	Browser            string     `gorm:"column:browser" json:"browser"`
	Language           string     `gorm:"column:language" json:"language"`
	ConnectionType     string     `gorm:"column:connection_type" json:"connection_type"`
	IsBot              bool       `gorm:"column:is_bot" json:"is_bot"`
	ExternalID         string     `gorm:"column:external_id" json:"external_id"`
	// SubID1 is the click's sub_id_1 (reports group conversions by it
	// without reading the click; migration 0035).
	SubID1    string    `gorm:"column:sub_id_1" json:"-"`
	Params    JSONText  `gorm:"column:params" json:"params"` // sub_id_N and any other postback parameter
	CreatedAt time.Time `gorm:"column:created_at" json:"datetime"`
	UpdatedAt time.Time `gorm:"column:updated_at" json:"postback_datetime"`
}

// Outcomes of a received postback.
const (
	PostbackAccepted     = "accepted"
	PostbackUpdated      = "updated"
	PostbackDuplicate    = "duplicate"
	PostbackUnattributed = "unattributed"
	PostbackIgnored      = "ignored"
	PostbackRejected     = "rejected" // refused: bad key, IP, subid, payout, status
)

// ReceivedPostback is the log line of every incoming postback, accepted or not.
type ReceivedPostback struct {
	ID           int64     `gorm:"column:id;primaryKey" json:"id"`
	ReceivedAt   time.Time `gorm:"column:received_at" json:"received_at"`
	Method       string    `gorm:"column:method" json:"method"`
	RemoteIP     string    `gorm:"column:remote_ip" json:"remote_ip"`
	RawRequest   string    `gorm:"column:raw_request" json:"raw_request"`
	ClickID      string    `gorm:"column:click_id" json:"sub_id"`
	Status       string    `gorm:"column:status" json:"status"`
	Outcome      string    `gorm:"column:outcome" json:"outcome"`
	Reason       string    `gorm:"column:reason" json:"reason"`
	HTTPStatus   int       `gorm:"column:http_status" json:"http_status"`
	ConversionID *int64    `gorm:"column:conversion_id" json:"conversion_id"`
}

// Outbox states of an S2S postback.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxDead      = "dead"
)

// S2SOutbox is one S2S postback owed to a traffic source.
type S2SOutbox struct {
	ID            int64      `gorm:"column:id;primaryKey" json:"id"`
	ConversionID  int64      `gorm:"column:conversion_id" json:"conversion_id"`
	CampaignID    int64      `gorm:"column:campaign_id" json:"campaign_id"`
	TSID          int64      `gorm:"column:ts_id" json:"ts_id"`
	Method        string     `gorm:"column:method" json:"method"`
	URL           string     `gorm:"column:url" json:"url"` // rendered, macros expanded
	Body          string     `gorm:"column:body" json:"body"`
	Status        string     `gorm:"column:status" json:"status"`
	Attempts      int        `gorm:"column:attempts" json:"attempts"`
	NextAttemptAt time.Time  `gorm:"column:next_attempt_at" json:"next_attempt_at"`
	LastError     string     `gorm:"column:last_error" json:"last_error"`
	CreatedAt     time.Time  `gorm:"column:created_at" json:"created_at"`
	DeliveredAt   *time.Time `gorm:"column:delivered_at" json:"delivered_at"`
}

// TableName is the outbox table.
func (S2SOutbox) TableName() string { return "s2s_outbox" }

// S2SAttempt is one delivery attempt of an outbox row.
type S2SAttempt struct {
	ID              int64     `gorm:"column:id;primaryKey" json:"id"`
	OutboxID        int64     `gorm:"column:outbox_id" json:"outbox_id"`
	AttemptedAt     time.Time `gorm:"column:attempted_at" json:"attempted_at"`
	StatusCode      int       `gorm:"column:status_code" json:"status_code"`
	LatencyMS       int64     `gorm:"column:latency_ms" json:"latency_ms"`
	Error           string    `gorm:"column:error" json:"error"`
	ResponseExcerpt string    `gorm:"column:response_excerpt" json:"response_excerpt"`
}

// TableName is the attempts table.
func (S2SAttempt) TableName() string { return "s2s_attempts" }

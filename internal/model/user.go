package model

import "time"

// User types (Keitaro's enum).
const (
	UserTypeAdmin = "ADMIN"
	UserTypeUser  = "USER"
)

// Access types per entity (Keitaro's UserAccessData enum).
const (
	AccessFull      = "full_access"
	AccessReadOnly  = "read_only"
	AccessSelected  = "to_groups_and_selected"
	AccessOwnGroups = "created_by_user_groups_and_selected"
)

// AccessData says what a USER may do with each kind of object; ADMIN may do all.
type AccessData struct {
	CampaignsAccessType         string  `json:"campaigns_access_type,omitempty"`
	OffersAccessType            string  `json:"offers_access_type,omitempty"`
	LandingsAccessType          string  `json:"landings_access_type,omitempty"`
	TrafficSourcesAccessType    string  `json:"traffic_sources_access_type,omitempty"`
	StreamsAccessType           string  `json:"streams_access_type,omitempty"`
	AffiliateNetworksAccessType string  `json:"affiliate_networks_access_type,omitempty"`
	DomainsAccessType           string  `json:"domains_access_type,omitempty"`
	CampaignGroups              []int64 `json:"campaign_groups,omitempty"`
	Campaigns                   []int64 `json:"campaigns,omitempty"`
	OfferGroups                 []int64 `json:"offer_groups,omitempty"`
	Offers                      []int64 `json:"offers,omitempty"`
	Reports                     bool    `json:"reports_access,omitempty"`
}

// User is a person who logs into the UI or owns API keys.
type User struct {
	ID           int64     `gorm:"column:id;primaryKey" json:"id"`
	Login        string    `gorm:"column:login" json:"login"`
	PasswordHash string    `gorm:"column:password_hash" json:"-"`
	Type         string    `gorm:"column:type" json:"type"`
	AccessData   JSONText  `gorm:"column:access_data" json:"access_data"`
	Preferences  JSONText  `gorm:"column:preferences" json:"preferences"`
	State        string    `gorm:"column:state" json:"state"`
	CreatedAt    time.Time `gorm:"column:created_at" json:"created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at" json:"updated_at"`
}

// APIKey authorises /admin_api/v1 calls as its user; only the hash is stored.
type APIKey struct {
	ID         int64      `gorm:"column:id;primaryKey" json:"id"`
	UserID     int64      `gorm:"column:user_id" json:"user_id"`
	Name       string     `gorm:"column:name" json:"name"`
	Prefix     string     `gorm:"column:prefix" json:"prefix"` // first characters, to recognise a key in the UI
	KeyHash    string     `gorm:"column:key_hash" json:"-"`
	CreatedAt  time.Time  `gorm:"column:created_at" json:"created_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at" json:"last_used_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at" json:"revoked_at"`
}

// Session is a logged-in browser; ID is the hash of the cookie value.
type Session struct {
	ID         string    `gorm:"column:id;primaryKey" json:"-"`
	UserID     int64     `gorm:"column:user_id" json:"user_id"`
	CSRFToken  string    `gorm:"column:csrf_token" json:"-"`
	CreatedAt  time.Time `gorm:"column:created_at" json:"created_at"`
	LastSeenAt time.Time `gorm:"column:last_seen_at" json:"last_seen_at"`
	RemoteIP   string    `gorm:"column:remote_ip" json:"remote_ip"`
}

// SavedReport is a report builder request a user keeps under a name.
type SavedReport struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	UserID    int64     `gorm:"column:user_id" json:"user_id"`
	Name      string    `gorm:"column:name" json:"name"`
	Request   JSONText  `gorm:"column:request" json:"request"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

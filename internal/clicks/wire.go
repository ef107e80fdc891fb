package clicks

import (
	json "github.com/goccy/go-json"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// wireClick is model.Click with short JSON keys and empty fields left out:
// the form kept in Redis (click hash, stream) and in the spool. A typical
// click shrinks from ~1.3 KB to ~300 bytes, which matters for a click hash
// that lives for the whole attribution window. Its fields mirror
// model.Click exactly (Go converts between the two), so a new field in the
// model fails to compile here until it is added.
type wireClick struct {
	ID                 string         `json:"id,omitempty"`
	CreatedAt          time.Time      `json:"t"`
	CampaignID         int64          `json:"cmp,omitempty"`
	StreamID           int64          `json:"str,omitempty"`
	OfferID            int64          `json:"off,omitempty"`
	LandingID          int64          `json:"lnd,omitempty"`
	TrafficSourceID    int64          `json:"ts,omitempty"`
	AffiliateNetworkID int64          `json:"an,omitempty"`
	VisitorCode        string         `json:"vc,omitempty"`
	IP                 string         `json:"ip,omitempty"`
	UserAgent          string         `json:"ua,omitempty"`
	Referrer           string         `json:"ref,omitempty"`
	Language           string         `json:"lang,omitempty"`
	Country            string         `json:"cc,omitempty"`
	Region             string         `json:"reg,omitempty"`
	City               string         `json:"city,omitempty"`
	ISP                string         `json:"isp,omitempty"`
	ConnectionType     string         `json:"ct,omitempty"`
	DeviceType         string         `json:"dt,omitempty"`
	DeviceModel        string         `json:"dm,omitempty"`
	OS                 string         `json:"os,omitempty"`
	OSVersion          string         `json:"osv,omitempty"`
	Browser            string         `json:"br,omitempty"`
	BrowserVersion     string         `json:"brv,omitempty"`
	IsBot              bool           `json:"bot,omitempty"`
	IsUniqueCampaign   bool           `json:"uc,omitempty"`
	IsUniqueStream     bool           `json:"ust,omitempty"`
	IsUniqueGlobal     bool           `json:"ug,omitempty"`
	Keyword            string         `json:"kw,omitempty"`
	Source             string         `json:"src,omitempty"`
	ExternalID         string         `json:"ext,omitempty"`
	CreativeID         string         `json:"cr,omitempty"`
	AdCampaignID       string         `json:"adc,omitempty"`
	Cost               float64        `json:"cost,omitempty"`
	SubID1             string         `json:"s1,omitempty"`
	SubID2             string         `json:"s2,omitempty"`
	SubID3             string         `json:"s3,omitempty"`
	SubID4             string         `json:"s4,omitempty"`
	SubID5             string         `json:"s5,omitempty"`
	SubID6             string         `json:"s6,omitempty"`
	SubID7             string         `json:"s7,omitempty"`
	SubID8             string         `json:"s8,omitempty"`
	SubID9             string         `json:"s9,omitempty"`
	SubID10            string         `json:"s10,omitempty"`
	SubID11            string         `json:"s11,omitempty"`
	SubID12            string         `json:"s12,omitempty"`
	SubID13            string         `json:"s13,omitempty"`
	SubID14            string         `json:"s14,omitempty"`
	SubID15            string         `json:"s15,omitempty"`
	SubID16            string         `json:"s16,omitempty"`
	SubID17            string         `json:"s17,omitempty"`
	SubID18            string         `json:"s18,omitempty"`
	SubID19            string         `json:"s19,omitempty"`
	SubID20            string         `json:"s20,omitempty"`
	SubID21            string         `json:"s21,omitempty"`
	SubID22            string         `json:"s22,omitempty"`
	SubID23            string         `json:"s23,omitempty"`
	SubID24            string         `json:"s24,omitempty"`
	SubID25            string         `json:"s25,omitempty"`
	SubID26            string         `json:"s26,omitempty"`
	SubID27            string         `json:"s27,omitempty"`
	SubID28            string         `json:"s28,omitempty"`
	SubID29            string         `json:"s29,omitempty"`
	SubID30            string         `json:"s30,omitempty"`
	UTMSource          string         `json:"utms,omitempty"`
	UTMMedium          string         `json:"utmm,omitempty"`
	UTMCampaign        string         `json:"utmc,omitempty"`
	UTMTerm            string         `json:"utmt,omitempty"`
	UTMContent         string         `json:"utmx,omitempty"`
	ExtraParams        model.JSONText `json:"xp,omitempty"`
	Destination        string         `json:"dst,omitempty"`
	LPClickedAt        *time.Time     `json:"lp,omitempty"`
}

func marshalClick(c *model.Click) ([]byte, error) { return json.Marshal((*wireClick)(c)) }

func unmarshalClick(b []byte, c *model.Click) error { return json.Unmarshal(b, (*wireClick)(c)) }

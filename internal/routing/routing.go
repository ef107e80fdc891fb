// Package routing decides where a visitor of a campaign goes: which stream,
// landing and offer, and with which action. It is pure: no I/O and no clock.
// The caller brings the visitor, the request parameters, the time, a random
// source and the Redis counters (uniqueness, limits, caps, binding) it read
// beforehand, so a decision is reproducible in tests and in the simulator.
package routing

import (
	"net/netip"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// MaxHops is how many times a `campaign` action may chain to another campaign.
const MaxHops = 10

// Stream types and campaign rotation types (Keitaro's words).
const (
	StreamForced  = "forced"
	StreamRegular = "regular"
	StreamDefault = "default"

	RotatePosition = "position"
	RotateWeight   = "weight"
)

// Stream schemas.
const (
	SchemaRedirect = "redirect"
	SchemaLandings = "landings"
	SchemaAction   = "action"
)

// Action types a decision can end in.
const (
	ActionHTTP          = "http"
	ActionMeta          = "meta"
	ActionDoubleMeta    = "double_meta"
	ActionJS            = "js"
	ActionBlankReferrer = "blank_referrer"
	ActionIframe        = "iframe"
	ActionFormSubmit    = "formsubmit"
	ActionShowText      = "show_text"
	ActionShowHTML      = "show_html"
	ActionStatus404     = "status404"
	ActionDoNothing     = "do_nothing"
	ActionCampaign      = "campaign"
	ActionRemote        = "remote"
)

// Visitor is what routing knows about the person behind a click.
type Visitor struct {
	IP             netip.Addr
	Country        string
	Region         string
	City           string
	ISP            string
	ConnectionType string
	DeviceType     string
	DeviceModel    string
	OS             string
	OSVersion      string
	Browser        string
	BrowserVersion string
	Language       string
	UserAgent      string
	Referrer       string
	IsBot          bool
	IsProxy        bool
}

// Input is everything one routing decision depends on.
type Input struct {
	Visitor Visitor
	// Params holds the query parameters under their own names and, after the
	// traffic source template, under Kite's names (sub_id_1, keyword, ...).
	Params   map[string]string
	Now      time.Time
	Rand     func() float64 // uniform in [0,1)
	Counters Counters
	// Quiet leaves Decision.Reasons empty: the click path never shows them,
	// only the simulator does, and building them costs every click.
	Quiet bool
}

// Counters are the Redis-backed facts a decision needs, read before routing.
// Zero values mean "unique, not limited, not capped, not bound", which is
// also what a failing Redis yields: traffic keeps flowing.
type Counters struct {
	Seen   map[UniqKey]bool     // true: the visitor was already counted there
	Limits map[int64]LimitCount // per stream id
	Caps   map[int64]int64      // conversions today per offer id
	Bound  Binding              // stream/landing/offer the visitor is bound to
}

// UniqKey names one uniqueness counter. StreamID is 0 for the campaign and
// global scopes; CampaignID is 0 for the global scope.
type UniqKey struct {
	Scope      string // campaign | stream | global
	Method     string // ip | ip_ua | cookie
	CampaignID int64
	StreamID   int64
}

// LimitCount is a stream's clicks in the current hour, day and ever.
type LimitCount struct{ Hour, Day, Total int64 }

// Binding is where a returning visitor was sent before (bind_visitors).
type Binding struct{ StreamID, LandingID, OfferID int64 }

// Decision is the outcome of routing one click through one campaign.
type Decision struct {
	Campaign *Campaign
	Stream   *Stream // nil when no stream took the visitor
	Landing  *model.Landing
	Offer    *model.Offer
	Action   string // one of the Action* types
	Payload  string // URL template, text, HTML, or campaign id/alias
	Reasons  []Reason
}

// Reason explains what happened to one stream during a decision.
type Reason struct {
	StreamID int64  `json:"stream_id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Outcome  string `json:"outcome"` // chosen | passed | rejected | skipped | not_reached
	Detail   string `json:"detail,omitempty"`
}

// Outcomes of a stream in Reason.
const (
	OutcomeChosen     = "chosen"
	OutcomePassed     = "passed" // filters passed but another stream won the weighted draw
	OutcomeRejected   = "rejected"
	OutcomeSkipped    = "skipped"
	OutcomeNotReached = "not_reached"
)

// Route runs the visitor through the campaign: every forced stream in order
// whose filters pass (the first usable one wins), then regular streams (first
// passing by position, or weighted random among passing by weight), then the
// default stream; with none, do_nothing.
func Route(c *Campaign, in *Input) Decision {
	d := Decision{Campaign: c, Action: ActionDoNothing}
	if s := c.routeBound(in, &d); s != nil {
		d = c.decide(s, in, d)
		if !in.Quiet {
			d.Reasons[len(d.Reasons)-1].Detail = "returning visitor (bind_visitors)"
		}
		return d
	}
	for _, s := range c.Forced {
		if c.admit(s, in, &d) {
			return c.decide(s, in, d)
		}
	}
	if s := c.pickRegular(in, &d); s != nil {
		return c.decide(s, in, d)
	}
	if c.Default != nil && c.admit(c.Default, in, &d) {
		return c.decide(c.Default, in, d)
	}
	return d
}

// admit evaluates a stream's filters and usability and notes the reason.
func (c *Campaign) admit(s *Stream, in *Input, d *Decision) bool {
	if s.Unusable != "" {
		c.note(in, d, s, OutcomeSkipped, s.Unusable)
		return false
	}
	ok, why := s.pass(c, in, false, !in.Quiet)
	if !ok {
		c.note(in, d, s, OutcomeRejected, why)
		return false
	}
	return true
}

// note adds a stream's reason unless the caller is quiet. Every stream gets
// at most one reason per decision, so one allocation holds them all.
func (c *Campaign) note(in *Input, d *Decision, s *Stream, outcome, detail string) {
	if in.Quiet {
		return
	}
	if d.Reasons == nil {
		d.Reasons = make([]Reason, 0, c.streams)
	}
	d.Reasons = append(d.Reasons, Reason{StreamID: s.Model.ID, Name: s.Model.Name, Type: s.Model.Type, Outcome: outcome, Detail: detail})
}

// routeBound honours bind_visitors: a returning visitor goes back to the
// regular or default stream they saw, if it still exists and still admits
// them. Forced streams (bot traps, ...) are never bypassed.
func (c *Campaign) routeBound(in *Input, d *Decision) *Stream {
	if !c.BindStream || in.Counters.Bound.StreamID == 0 {
		return nil
	}
	for _, s := range c.Forced {
		if s.Unusable == "" {
			if ok, _ := s.pass(c, in, false, false); ok {
				return nil
			}
		}
	}
	s := c.byID[in.Counters.Bound.StreamID]
	if s == nil || s.Model.Type == StreamForced || s.Unusable != "" {
		return nil
	}
	if ok, _ := s.pass(c, in, true, false); !ok {
		return nil
	}
	return s
}

package routing

import (
	"fmt"
	"sort"

	"github.com/kite-tracker/kite/internal/model"
)

// Catalog is the configuration a campaign's streams point into: active
// offers, landings and traffic sources by id. Anything missing from it is
// treated as deleted.
type Catalog struct {
	Offers   map[int64]*model.Offer
	Landings map[int64]*model.Landing
	Sources  map[int64]*model.TrafficSource
}

// Campaign is a campaign compiled for routing: streams sorted and split by
// type, filters parsed once, offers and landings resolved.
type Campaign struct {
	Model   *model.Campaign
	Source  *model.TrafficSource // nil without a traffic source
	Forced  []*Stream
	Regular []*Stream
	Default *Stream
	// ParamMap maps a source's query name onto Kite's name (sub_id_1, ...),
	// the traffic source template overridden by the campaign's own.
	ParamMap map[string]string
	// BindStream, BindLanding, BindOffer come from bind_visitors s / sl / slo.
	BindStream, BindLanding, BindOffer bool
	Needs                              Needs

	byID    map[int64]*Stream
	streams int // how many streams routing can give a reason for
}

// Stream is a stream compiled for routing.
type Stream struct {
	Model    *model.Stream
	Filters  []*Filter
	Offers   []Weighted[*OfferChoice]
	Landings []Weighted[*model.Landing]
	// Unusable says why the stream can never take a visitor (all its offers
	// deleted, ...); such a stream is skipped with this reason.
	Unusable string
}

// OfferChoice is an offer of a stream with its capped-out replacement.
type OfferChoice struct {
	Offer       *model.Offer
	Alternative *model.Offer // nil when none or not active
}

// Needs lists the counters routing will look at, so the caller can read them
// all from Redis in one round trip.
type Needs struct {
	// Uniq holds the uniqueness counters filters ask about, plus the
	// default-method campaign, global and per-stream ones the click's
	// is_unique_* flags come from.
	Uniq         []UniqKey
	LimitStreams []int64   // streams with a limit filter
	Caps         []CapNeed // offers with a daily conversion cap
}

// CapNeed is an offer whose daily conversion count routing needs.
type CapNeed struct {
	OfferID  int64
	Timezone string
}

// Stream returns the campaign's stream with that id, or nil.
func (c *Campaign) Stream(id int64) *Stream { return c.byID[id] }

// Compile builds the routing form of a campaign from its active streams.
// Problems (a bad regex, an unknown filter) do not stop compilation: the
// filter concerned never passes, and the problem is returned for the log.
func Compile(mc *model.Campaign, streams []model.Stream, cat *Catalog) (*Campaign, []error) {
	c := &Campaign{Model: mc, byID: map[int64]*Stream{}}
	if mc.TrafficSourceID != nil && cat.Sources != nil {
		c.Source = cat.Sources[*mc.TrafficSourceID]
	}
	c.ParamMap = paramMap(c.Source, mc)
	c.BindStream = mc.BindVisitors != ""
	c.BindLanding = mc.BindVisitors == "sl" || mc.BindVisitors == "slo"
	c.BindOffer = mc.BindVisitors == "slo"
	sorted := append([]model.Stream(nil), streams...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Position < sorted[j].Position })
	var errs []error
	for i := range sorted {
		s, serrs := compileStream(&sorted[i], cat)
		errs = append(errs, serrs...)
		c.byID[s.Model.ID] = s
		switch s.Model.Type {
		case StreamForced:
			c.Forced = append(c.Forced, s)
		case StreamDefault:
			if c.Default == nil {
				c.Default = s
			}
		default:
			c.Regular = append(c.Regular, s)
		}
	}
	c.Needs = c.collectNeeds()
	c.streams = len(c.all())
	return c, errs
}

func compileStream(ms *model.Stream, cat *Catalog) (*Stream, []error) {
	s := &Stream{Model: ms}
	var errs []error
	for i := range ms.Filters {
		f := CompileFilter(&ms.Filters[i])
		if f.Err != nil {
			errs = append(errs, fmt.Errorf("stream %d filter %q: %w", ms.ID, f.Name, f.Err))
		}
		s.Filters = append(s.Filters, f)
	}
	configured := 0
	for _, so := range ms.Offers {
		if so.State != "" && so.State != model.StateActive {
			continue
		}
		configured++
		o := cat.Offers[so.OfferID]
		if o == nil {
			continue
		}
		ch := &OfferChoice{Offer: o}
		if o.AlternativeOfferID != nil {
			ch.Alternative = cat.Offers[*o.AlternativeOfferID]
		}
		s.Offers = append(s.Offers, Weighted[*OfferChoice]{Item: ch, Share: so.Share})
	}
	landings := 0
	for _, sl := range ms.Landings {
		if sl.State != "" && sl.State != model.StateActive {
			continue
		}
		landings++
		if l := cat.Landings[sl.LandingID]; l != nil {
			s.Landings = append(s.Landings, Weighted[*model.Landing]{Item: l, Share: sl.Share})
		}
	}
	s.Unusable = unusable(ms.Schema, configured, len(s.Offers), landings, len(s.Landings))
	if s.Unusable != "" {
		errs = append(errs, fmt.Errorf("stream %d (%s) is skipped: %s", ms.ID, ms.Name, s.Unusable))
	}
	return s, errs
}

// unusable tells why a stream cannot send anyone anywhere, or "".
func unusable(schema string, offers, liveOffers, landings, liveLandings int) string {
	switch schema {
	case SchemaAction:
		return ""
	case SchemaLandings:
		if landings > 0 && liveLandings == 0 {
			return "all landings of the stream were deleted"
		}
		if liveLandings == 0 {
			return "the stream has no landings"
		}
	default:
		if offers > 0 && liveOffers == 0 {
			return "all offers of the stream were deleted"
		}
		if liveOffers == 0 {
			return "the stream has no offers"
		}
	}
	return ""
}

// paramMap merges the traffic source template and the campaign's overrides
// into "source query name -> Kite name".
func paramMap(ts *model.TrafficSource, mc *model.Campaign) map[string]string {
	merged := model.SourceParameters{}
	if ts != nil {
		_ = ts.Parameters.Decode(&merged)
	}
	var own model.SourceParameters
	if err := mc.Parameters.Decode(&own); err == nil {
		for k, v := range own {
			merged[k] = v
		}
	}
	out := make(map[string]string, len(merged))
	for kite, p := range merged {
		if p.Name != "" && p.Name != kite {
			out[p.Name] = kite
		}
	}
	return out
}

package routing

import (
	"github.com/kite-tracker/kite/internal/model"
)

// Weighted is an item drawn with probability share / sum of shares.
type Weighted[T any] struct {
	Item  T
	Share int
}

// Pick draws one item by share using r in [0,1). When every share is zero
// the draw is uniform. It returns false for an empty list.
func Pick[T any](items []Weighted[T], r float64) (T, bool) {
	var zero T
	if len(items) == 0 {
		return zero, false
	}
	total := 0
	for _, it := range items {
		if it.Share > 0 {
			total += it.Share
		}
	}
	if total == 0 {
		return items[min(int(r*float64(len(items))), len(items)-1)].Item, true
	}
	x := r * float64(total)
	acc := 0
	for _, it := range items {
		if it.Share <= 0 {
			continue
		}
		acc += it.Share
		if x < float64(acc) {
			return it.Item, true
		}
	}
	return items[len(items)-1].Item, true
}

// pickRegular chooses among regular streams: the first passing one by
// position, or a weighted draw among all passing ones by weight.
func (c *Campaign) pickRegular(in *Input, d *Decision) *Stream {
	if c.Model.Type != RotateWeight {
		for i, s := range c.Regular {
			if c.admit(s, in, d) {
				for _, rest := range c.Regular[i+1:] {
					c.note(in, d, rest, OutcomeNotReached, "")
				}
				return s
			}
		}
		return nil
	}
	var buf [8]Weighted[*Stream] // most campaigns have few streams: no allocation
	passing := buf[:0]
	for _, s := range c.Regular {
		if c.admit(s, in, d) {
			passing = append(passing, Weighted[*Stream]{Item: s, Share: weightShare(s.Model.Weight)})
		}
	}
	s, ok := Pick(passing, in.Rand())
	if !ok {
		return nil
	}
	for _, p := range passing {
		if p.Item != s {
			c.note(in, d, p.Item, OutcomePassed, "lost the weighted draw")
		}
	}
	return s
}

// weightShare turns a stream weight (a float in Keitaro) into a share with
// enough resolution for fractional weights.
func weightShare(w float64) int {
	if w <= 0 {
		return 0
	}
	return int(w*100 + 0.5)
}

// decide fills the decision for the chosen stream.
func (c *Campaign) decide(s *Stream, in *Input, d Decision) Decision {
	d.Stream = s
	c.note(in, &d, s, OutcomeChosen, "")
	d.Action = s.Model.ActionType
	if d.Action == "" {
		d.Action = ActionHTTP
	}
	switch s.Model.Schema {
	case SchemaAction:
		d.Payload = s.Model.ActionPayload
	case SchemaLandings:
		d.Landing = c.pickLanding(s, in)
		d.Payload = d.Landing.ActionPayload
	default:
		d.Offer = c.pickBoundOffer(s, in)
		d.Payload = d.Offer.ActionPayload
	}
	return d
}

func (c *Campaign) pickLanding(s *Stream, in *Input) *model.Landing {
	if c.BindLanding && in.Counters.Bound.StreamID == s.Model.ID {
		for _, l := range s.Landings {
			if l.Item.ID == in.Counters.Bound.LandingID {
				return l.Item
			}
		}
	}
	l, _ := Pick(s.Landings, in.Rand())
	return l
}

func (c *Campaign) pickBoundOffer(s *Stream, in *Input) *model.Offer {
	if c.BindOffer && in.Counters.Bound.StreamID == s.Model.ID {
		for _, o := range s.Offers {
			if o.Item.Offer.ID == in.Counters.Bound.OfferID {
				return capped(o.Item, in.Counters.Caps)
			}
		}
	}
	return PickOffer(s, 0, in.Counters.Caps, in.Rand())
}

// PickOffer chooses the stream's offer: the one with offerID if the stream
// has it (a multi-offer landing's `offer_id`), else a draw by share; an offer
// past its daily conversion cap is replaced by its alternative offer. It
// returns nil when the stream has no live offer.
func PickOffer(s *Stream, offerID int64, caps map[int64]int64, r float64) *model.Offer {
	if offerID != 0 {
		for _, o := range s.Offers {
			if o.Item.Offer.ID == offerID {
				return capped(o.Item, caps)
			}
		}
	}
	o, ok := Pick(s.Offers, r)
	if !ok {
		return nil
	}
	return capped(o, caps)
}

// capped applies the conversion cap. Without an alternative the offer keeps
// its traffic: a cap is a routing preference, not a reason to drop visitors.
func capped(o *OfferChoice, caps map[int64]int64) *model.Offer {
	m := o.Offer
	if m.ConversionCapEnabled && m.DailyCap > 0 && caps[m.ID] >= int64(m.DailyCap) && o.Alternative != nil {
		return o.Alternative
	}
	return m
}

// collectNeeds walks the compiled filters and offers once at compile time.
func (c *Campaign) collectNeeds() Needs {
	var n Needs
	seenUniq := map[UniqKey]bool{}
	seenCap := map[int64]bool{}
	add := func(k UniqKey) {
		if !seenUniq[k] {
			seenUniq[k] = true
			n.Uniq = append(n.Uniq, k)
		}
	}
	// The click's is_unique_* flags always use the default method.
	add(UniqKey{Scope: ScopeCampaign, Method: DefaultUniqMethod, CampaignID: c.Model.ID})
	add(UniqKey{Scope: ScopeGlobal, Method: DefaultUniqMethod})
	for _, s := range c.all() {
		add(UniqKey{Scope: ScopeStream, Method: DefaultUniqMethod, CampaignID: c.Model.ID, StreamID: s.Model.ID})
		for _, f := range s.Filters {
			if f.uniq != nil && f.Err == nil {
				add(f.uniq.key(c.Model.ID, s.Model.ID))
			}
			if f.limit != nil && f.Err == nil {
				n.LimitStreams = append(n.LimitStreams, s.Model.ID)
			}
		}
		for _, o := range s.Offers {
			m := o.Item.Offer
			if m.ConversionCapEnabled && m.DailyCap > 0 && !seenCap[m.ID] {
				seenCap[m.ID] = true
				n.Caps = append(n.Caps, CapNeed{OfferID: m.ID, Timezone: m.ConversionTimezone})
			}
		}
	}
	return n
}

// all lists every stream: forced, regular, then default.
func (c *Campaign) all() []*Stream {
	out := append(append([]*Stream{}, c.Forced...), c.Regular...)
	if c.Default != nil {
		out = append(out, c.Default)
	}
	return out
}

// Streams lists every stream in routing order: forced, regular, default.
func (c *Campaign) Streams() []*Stream { return c.all() }

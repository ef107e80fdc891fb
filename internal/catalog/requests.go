package catalog

// Validate methods check a request as a new object, field by field, without
// the database: a form can show every field's problem before saving. Saving
// runs the same checks on the request merged with the stored object, plus the
// ones that need the database (referenced ids exist, the alias is free).

// Validate checks r as a new campaign.
func (r CampaignRequest) Validate() error {
	m := newCampaign()
	r.apply(&m)
	if m.Alias == "" {
		m.Alias = "generated"
	}
	return checkCampaign(nil, &m)
}

// Validate checks r as a new stream.
func (r StreamRequest) Validate() error {
	if r.CampaignID == nil {
		return Invalid("campaign_id", "is required")
	}
	m := newStream()
	r.apply(&m)
	m.CampaignID = *r.CampaignID
	return checkStream(nil, &m)
}

// Validate checks r as a new offer.
func (r OfferRequest) Validate() error {
	m := newOffer()
	r.apply(&m)
	return checkOffer(nil, &m)
}

// Validate checks r as a new landing page.
func (r LandingRequest) Validate() error {
	m := newLanding()
	r.apply(&m)
	return checkLanding(nil, &m)
}

// Validate checks r as a new affiliate network.
func (r AffiliateNetworkRequest) Validate() error {
	m := newAffiliateNetwork()
	r.apply(&m)
	return checkAffiliateNetwork(&m)
}

// Validate checks r as a new traffic source.
func (r TrafficSourceRequest) Validate() error {
	m := newTrafficSource()
	r.apply(&m)
	return checkTrafficSource(&m)
}

// Validate checks r as a new group.
func (r GroupRequest) Validate() error {
	m := newGroup()
	r.apply(&m)
	return checkGroup(&m)
}

// Validate checks the entries of a bot list request.
func (r BotListRequest) Validate() error {
	_, _, err := r.parse()
	return err
}

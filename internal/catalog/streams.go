package catalog

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kite-tracker/kite/internal/model"
)

// StreamRequest creates or updates a stream. Filters, offers and landings,
// when present, replace the stream's whole set in the same transaction.
type StreamRequest struct {
	CampaignID    *int64                  `json:"campaign_id"`
	Type          *string                 `json:"type"`
	Name          *string                 `json:"name"`
	Position      *int                    `json:"position"`
	Weight        *float64                `json:"weight"`
	ActionType    *string                 `json:"action_type"`
	ActionPayload *string                 `json:"action_payload"`
	ActionOptions json.RawMessage         `json:"action_options"`
	Schema        *string                 `json:"schema"`
	CollectClicks *bool                   `json:"collect_clicks"`
	FilterOr      *bool                   `json:"filter_or"`
	Comments      *string                 `json:"comments"`
	State         *string                 `json:"state"`
	Filters       *[]FilterRequest        `json:"filters"`
	Offers        *[]StreamOfferRequest   `json:"offers"`
	Landings      *[]StreamLandingRequest `json:"landings"`
}

// FilterRequest is one stream filter.
type FilterRequest struct {
	Name    string          `json:"name"`
	Mode    string          `json:"mode"`
	Payload json.RawMessage `json:"payload"`
}

// StreamOfferRequest links an offer with a share.
type StreamOfferRequest struct {
	OfferID int64   `json:"offer_id"`
	Share   *int    `json:"share"`
	State   *string `json:"state"`
}

// StreamLandingRequest links a landing page with a share.
type StreamLandingRequest struct {
	LandingID int64   `json:"landing_id"`
	Share     *int    `json:"share"`
	State     *string `json:"state"`
}

func (r *StreamRequest) apply(m *model.Stream) {
	setStr(&m.Type, r.Type)
	setStr(&m.Name, r.Name)
	setVal(&m.Position, r.Position)
	setVal(&m.Weight, r.Weight)
	setStr(&m.ActionType, r.ActionType)
	setStr(&m.ActionPayload, r.ActionPayload)
	if r.ActionOptions != nil {
		m.ActionOptions = rawOrEmpty(r.ActionOptions)
	}
	setStr(&m.Schema, r.Schema)
	setVal(&m.CollectClicks, r.CollectClicks)
	setVal(&m.FilterOr, r.FilterOr)
	setStr(&m.Comments, r.Comments)
	setStr(&m.State, r.State)
	if r.Filters != nil {
		m.Filters = make([]model.StreamFilter, 0, len(*r.Filters))
		for _, f := range *r.Filters {
			mode := f.Mode
			if mode == "" {
				mode = "accept"
			}
			payload := model.JSONText("null")
			if !isNull(f.Payload) {
				payload = model.JSONText(f.Payload)
			}
			m.Filters = append(m.Filters, model.StreamFilter{Name: f.Name, Mode: mode, Payload: payload})
		}
	}
	if r.Offers != nil {
		m.Offers = make([]model.StreamOffer, 0, len(*r.Offers))
		for _, o := range *r.Offers {
			m.Offers = append(m.Offers, model.StreamOffer{OfferID: o.OfferID, Share: shareOr(o.Share), State: stateOr(o.State)})
		}
	}
	if r.Landings != nil {
		m.Landings = make([]model.StreamLanding, 0, len(*r.Landings))
		for _, l := range *r.Landings {
			m.Landings = append(m.Landings, model.StreamLanding{LandingID: l.LandingID, Share: shareOr(l.Share), State: stateOr(l.State)})
		}
	}
}

func shareOr(v *int) int {
	if v == nil {
		return 100
	}
	return *v
}

func stateOr(v *string) string {
	if v == nil {
		return model.StateActive
	}
	return *v
}

func newStream() model.Stream {
	return model.Stream{Type: "regular", Weight: 100, ActionType: "http", ActionOptions: "{}", Schema: "redirect",
		CollectClicks: true, State: model.StateActive,
		Filters: []model.StreamFilter{}, Offers: []model.StreamOffer{}, Landings: []model.StreamLanding{}}
}

// ListStreams returns a campaign's streams in routing order.
func (c *Catalog) ListStreams(ctx context.Context, campaignID int64, state string) ([]model.Stream, error) {
	db := c.db(ctx)
	if ok, err := exists(db, "campaigns", campaignID); err != nil || !ok {
		if err == nil {
			err = notFound("campaign", campaignID)
		}
		return nil, err
	}
	var out []model.Stream
	err := preloadStream(byState(db, state)).Where("campaign_id = ?", campaignID).
		Order("position, id").Find(&out).Error
	return out, err
}

func preloadStream(db *gorm.DB) *gorm.DB {
	return db.Preload("Filters", orderByID).Preload("Offers", orderByID).Preload("Landings", orderByID)
}

func orderByID(db *gorm.DB) *gorm.DB { return db.Order("id") }

// GetStream returns one stream with its filters, offers and landings.
func (c *Catalog) GetStream(ctx context.Context, id int64) (*model.Stream, error) {
	return getStream(c.db(ctx), id)
}

func getStream(db *gorm.DB, id int64) (*model.Stream, error) {
	var m model.Stream
	if err := first(preloadStream(db), &m, "stream", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateStream stores a new stream of r.CampaignID; a missing position puts it last.
func (c *Catalog) CreateStream(ctx context.Context, r StreamRequest) (*model.Stream, error) {
	m := newStream()
	r.apply(&m)
	if r.CampaignID == nil {
		return nil, Invalid("campaign_id", "is required")
	}
	m.CampaignID = *r.CampaignID
	err := c.write(ctx, func(tx *gorm.DB) error {
		if ok, err := exists(tx, "campaigns", m.CampaignID); err != nil || !ok {
			if err == nil {
				err = Invalid("campaign_id", "refers to "+strconv.FormatInt(m.CampaignID, 10)+", which does not exist")
			}
			return err
		}
		if r.Position == nil {
			var max *int
			if err := tx.Model(&model.Stream{}).Where("campaign_id = ?", m.CampaignID).
				Select("MAX(position)").Scan(&max).Error; err != nil {
				return err
			}
			if max != nil {
				m.Position = *max + 1
			}
		}
		if err := checkStream(tx, &m); err != nil {
			return err
		}
		return saveStream(tx, &m, true)
	})
	if err != nil {
		return nil, err
	}
	return c.GetStream(ctx, m.ID)
}

// UpdateStream applies the fields present in r; the campaign cannot change.
func (c *Catalog) UpdateStream(ctx context.Context, id int64, r StreamRequest) (*model.Stream, error) {
	err := c.write(ctx, func(tx *gorm.DB) error {
		m, err := getStream(tx, id)
		if err != nil {
			return err
		}
		if r.CampaignID != nil && *r.CampaignID != m.CampaignID {
			return Invalid("campaign_id", "a stream cannot move to another campaign")
		}
		r.apply(m)
		if err := checkStream(tx, m); err != nil {
			return err
		}
		return saveStream(tx, m, r.Filters != nil || r.Offers != nil || r.Landings != nil)
	})
	if err != nil {
		return nil, err
	}
	return c.GetStream(ctx, id)
}

// SetStreamState enables, disables, deletes (soft) or restores a stream.
func (c *Catalog) SetStreamState(ctx context.Context, id int64, state string) (*model.Stream, error) {
	if err := c.setState(ctx, "streams", "stream", id, state); err != nil {
		return nil, err
	}
	return c.GetStream(ctx, id)
}

// saveStream writes the row and, when replaceSets, its filters, offers and landings.
func saveStream(tx *gorm.DB, m *model.Stream, replaceSets bool) error {
	if err := tx.Omit(clause.Associations).Save(m).Error; err != nil {
		return err
	}
	if !replaceSets {
		return nil
	}
	for _, child := range []any{&model.StreamFilter{}, &model.StreamOffer{}, &model.StreamLanding{}} {
		if err := tx.Where("stream_id = ?", m.ID).Delete(child).Error; err != nil {
			return err
		}
	}
	for i := range m.Filters {
		m.Filters[i].ID, m.Filters[i].StreamID = 0, m.ID
	}
	for i := range m.Offers {
		m.Offers[i].ID, m.Offers[i].StreamID = 0, m.ID
	}
	for i := range m.Landings {
		m.Landings[i].ID, m.Landings[i].StreamID = 0, m.ID
	}
	if err := createAll(tx, m.Filters); err != nil {
		return err
	}
	if err := createAll(tx, m.Offers); err != nil {
		return err
	}
	return createAll(tx, m.Landings)
}

func createAll[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(&rows).Error
}

// cloneStreams copies every stream of campaign from (with its sets) to campaign to.
func cloneStreams(tx *gorm.DB, from, to int64) error {
	var streams []model.Stream
	if err := preloadStream(tx).Where("campaign_id = ?", from).Order("position, id").Find(&streams).Error; err != nil {
		return err
	}
	for i := range streams {
		s := &streams[i]
		s.ID, s.CampaignID = 0, to
		if err := saveStream(tx, s, true); err != nil {
			return err
		}
	}
	return nil
}

// checkStream validates the merged stream, its filters and its references.
func checkStream(tx *gorm.DB, m *model.Stream) error {
	c := newChecker()
	c.enum("type", m.Type, StreamTypes)
	c.enum("schema", m.Schema, StreamSchemas)
	c.enum("action_type", m.ActionType, ActionTypes())
	c.enum("state", m.State, States)
	c.maxLen("name", m.Name, MaxName)
	c.position("position", m.Position)
	c.object("action_options", m.ActionOptions)
	c.maxLen("comments", m.Comments, MaxNotes)
	c.between("weight", m.Weight, 0, 1e6)
	if err := checkAction(tx, c, m); err != nil {
		return err
	}
	if err := checkOneDefault(tx, c, m); err != nil {
		return err
	}
	for i, f := range m.Filters {
		field := "filters[" + itoa(i) + "]"
		info, ok := filterByName(f.Name)
		if !ok {
			c.add(field+".name", "unknown filter %q", f.Name)
			continue
		}
		c.enum(field+".mode", f.Mode, FilterModes)
		if msg := checkFilterPayload(info, json.RawMessage(f.Payload)); msg != "" {
			c.add(field+".payload", "%s", msg)
		}
	}
	for i, o := range m.Offers {
		field := "offers[" + itoa(i) + "]"
		c.between(field+".share", float64(o.Share), 0, 100)
		c.enum(field+".state", o.State, States)
		if err := c.ref(tx, field+".offer_id", "offers", &o.OfferID); err != nil {
			return err
		}
	}
	for i, l := range m.Landings {
		field := "landings[" + itoa(i) + "]"
		c.between(field+".share", float64(l.Share), 0, 100)
		c.enum(field+".state", l.State, States)
		if err := c.ref(tx, field+".landing_id", "landing_pages", &l.LandingID); err != nil {
			return err
		}
	}
	return c.err()
}

// checkAction validates the payload of a stream with the action schema.
func checkAction(tx *gorm.DB, c *checker, m *model.Stream) error {
	if m.Schema != "action" {
		c.maxLen("action_payload", m.ActionPayload, MaxURL)
		return nil
	}
	switch actionField(m.ActionType) {
	case "url":
		c.required("action_payload", m.ActionPayload)
		c.url("action_payload", m.ActionPayload)
	case "text":
		c.maxLen("action_payload", m.ActionPayload, MaxNotes)
	case "campaign":
		id, err := strconv.ParseInt(strings.TrimSpace(m.ActionPayload), 10, 64)
		if err != nil {
			c.add("action_payload", "must be the id of the campaign to send visitors to")
			return nil
		}
		if id == m.CampaignID {
			c.add("action_payload", "a campaign cannot send visitors to itself")
			return nil
		}
		return c.ref(tx, "action_payload", "campaigns", &id)
	}
	return nil
}

// checkOneDefault keeps one default stream per campaign: routing falls back
// to "the" default stream, so a second one would never be reached.
func checkOneDefault(tx *gorm.DB, c *checker, m *model.Stream) error {
	if tx == nil || m.Type != "default" || m.State == model.StateDeleted {
		return nil
	}
	var n int64
	err := tx.Model(&model.Stream{}).Where("campaign_id = ? AND type = ? AND state <> ? AND id <> ?",
		m.CampaignID, "default", model.StateDeleted, m.ID).Count(&n).Error
	if n > 0 {
		c.add("type", "the campaign already has a default stream")
	}
	return err
}

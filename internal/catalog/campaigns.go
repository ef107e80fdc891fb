package catalog

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kite-tracker/kite/internal/model"
)

// CampaignRequest creates or updates a campaign. Absent (nil) fields keep their
// value on update and take defaults on create.
type CampaignRequest struct {
	Alias           *string                 `json:"alias"`
	Name            *string                 `json:"name"`
	Type            *string                 `json:"type"`
	CookiesTTL      *int                    `json:"cookies_ttl"`
	Position        *int                    `json:"position"`
	State           *string                 `json:"state"`
	CostType        *string                 `json:"cost_type"`
	CostValue       *float64                `json:"cost_value"`
	CostCurrency    *string                 `json:"cost_currency"`
	CostAuto        *bool                   `json:"cost_auto"`
	GroupID         *int64                  `json:"group_id"`
	BindVisitors    *string                 `json:"bind_visitors"`
	TrafficSourceID *int64                  `json:"traffic_source_id"`
	Token           *string                 `json:"token"`
	Parameters      *model.SourceParameters `json:"parameters"`
	Notes           *string                 `json:"notes"`
	Postbacks       *[]PostbackRequest      `json:"postbacks"`
}

// PostbackRequest is one S2S postback of a campaign.
type PostbackRequest struct {
	Method   string   `json:"method"`
	Statuses []string `json:"statuses"`
	URL      string   `json:"url"`
}

func (r *CampaignRequest) apply(m *model.Campaign) {
	setStr(&m.Alias, r.Alias)
	setStr(&m.Name, r.Name)
	setStr(&m.Type, r.Type)
	setVal(&m.CookiesTTL, r.CookiesTTL)
	setVal(&m.Position, r.Position)
	setStr(&m.State, r.State)
	setStr(&m.CostType, r.CostType)
	setVal(&m.CostValue, r.CostValue)
	setStr(&m.CostCurrency, r.CostCurrency)
	setVal(&m.CostAuto, r.CostAuto)
	if r.GroupID != nil {
		m.GroupID = groupID(r.GroupID)
	}
	setStr(&m.BindVisitors, r.BindVisitors)
	if r.TrafficSourceID != nil {
		m.TrafficSourceID = groupID(r.TrafficSourceID)
	}
	setStr(&m.Token, r.Token)
	if r.Parameters != nil {
		m.Parameters = model.MustJSON(*r.Parameters)
	}
	setStr(&m.Notes, r.Notes)
	if r.Postbacks != nil {
		m.Postbacks = make([]model.CampaignPostback, 0, len(*r.Postbacks))
		for _, p := range *r.Postbacks {
			method := strings.ToUpper(p.Method)
			if method == "" {
				method = "GET"
			}
			m.Postbacks = append(m.Postbacks, model.CampaignPostback{
				Method: method, Statuses: model.MustJSON(nonNil(p.Statuses)), URL: p.URL})
		}
	}
}

func newCampaign() model.Campaign {
	return model.Campaign{Type: "position", CookiesTTL: 24, State: model.StateActive, CostType: "CPC",
		Parameters: "{}", Postbacks: []model.CampaignPostback{}}
}

// checkCampaign validates the merged campaign against rules and references.
func checkCampaign(tx *gorm.DB, m *model.Campaign) error {
	c := newChecker()
	c.name("name", m.Name)
	if !aliasRe.MatchString(m.Alias) {
		c.add("alias", "must be 1-64 letters, digits, '_' or '-'")
	}
	c.enum("type", m.Type, CampaignTypes)
	c.enum("state", m.State, States)
	c.enum("cost_type", m.CostType, CostTypes)
	c.enum("bind_visitors", m.BindVisitors, BindVisitors)
	c.currency("cost_currency", m.CostCurrency)
	c.between("cookies_ttl", float64(m.CookiesTTL), 0, 24*365)
	c.between("cost_value", m.CostValue, 0, 1e9)
	c.position("position", m.Position)
	c.maxLen("token", m.Token, MaxName)
	c.maxLen("notes", m.Notes, MaxNotes)
	checkParameters(c, "parameters", m.Parameters)
	for i, p := range m.Postbacks {
		checkPostback(c, "postbacks["+itoa(i)+"]", p.Method, p.Statuses, p.URL, true)
	}
	if err := c.ref(tx, "group_id", "groups", m.GroupID); err != nil {
		return err
	}
	if err := c.ref(tx, "traffic_source_id", "traffic_sources", m.TrafficSourceID); err != nil {
		return err
	}
	if err := c.err(); err != nil {
		return err
	}
	if slices.Contains(ReservedAliases, strings.ToLower(m.Alias)) {
		return conflict("alias %q is reserved", m.Alias)
	}
	if tx == nil {
		return nil
	}
	var n int64
	if err := tx.Model(&model.Campaign{}).Where("alias = ? AND id <> ?", m.Alias, m.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return conflict("alias %q is taken by another campaign", m.Alias)
	}
	return nil
}

// checkPostback validates one S2S postback definition.
func checkPostback(c *checker, field, method string, statuses model.JSONText, url string, urlRequired bool) {
	c.enum(field+".method", method, PostbackMethods)
	if urlRequired {
		c.required(field+".url", url)
	}
	c.url(field+".url", url)
	var st []string
	if err := statuses.Decode(&st); err != nil {
		c.add(field+".statuses", "must be a list of statuses")
	}
	for _, s := range st {
		c.enum(field+".statuses", s, PostbackStatuses)
	}
}

// ListCampaigns returns campaigns in state (all but deleted when state is "").
func (c *Catalog) ListCampaigns(ctx context.Context, state string) ([]model.Campaign, error) {
	var out []model.Campaign
	err := byState(c.db(ctx), state).Preload("Postbacks").Order("position, id").Find(&out).Error
	return out, err
}

// GetCampaign returns one campaign with its postbacks.
func (c *Catalog) GetCampaign(ctx context.Context, id int64) (*model.Campaign, error) {
	return getCampaign(c.db(ctx), id)
}

func getCampaign(db *gorm.DB, id int64) (*model.Campaign, error) {
	var m model.Campaign
	if err := first(db.Preload("Postbacks"), &m, "campaign", id); err != nil {
		return nil, err
	}
	return &m, nil
}

// CreateCampaign validates r and stores a new campaign; an empty alias gets a random one.
func (c *Catalog) CreateCampaign(ctx context.Context, r CampaignRequest) (*model.Campaign, error) {
	m := newCampaign()
	r.apply(&m)
	if m.Alias == "" {
		m.Alias = randomToken(8)
	}
	if m.Token == "" {
		m.Token = randomToken(24)
	}
	err := c.write(ctx, func(tx *gorm.DB) error {
		if err := checkCampaign(tx, &m); err != nil {
			return err
		}
		return saveCampaign(tx, &m, true)
	})
	if err != nil {
		return nil, err
	}
	return c.GetCampaign(ctx, m.ID)
}

// UpdateCampaign applies the fields present in r; postbacks, when given, replace the set.
func (c *Catalog) UpdateCampaign(ctx context.Context, id int64, r CampaignRequest) (*model.Campaign, error) {
	err := c.write(ctx, func(tx *gorm.DB) error {
		m, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		r.apply(m)
		if err := checkCampaign(tx, m); err != nil {
			return err
		}
		return saveCampaign(tx, m, r.Postbacks != nil)
	})
	if err != nil {
		return nil, err
	}
	return c.GetCampaign(ctx, id)
}

// saveCampaign writes the row and, when replacePostbacks, its postback set.
func saveCampaign(tx *gorm.DB, m *model.Campaign, replacePostbacks bool) error {
	if err := tx.Omit(clause.Associations).Save(m).Error; err != nil {
		return err
	}
	if !replacePostbacks {
		return nil
	}
	if err := tx.Where("campaign_id = ?", m.ID).Delete(&model.CampaignPostback{}).Error; err != nil {
		return err
	}
	for i := range m.Postbacks {
		m.Postbacks[i].ID = 0
		m.Postbacks[i].CampaignID = m.ID
	}
	if len(m.Postbacks) == 0 {
		return nil
	}
	return tx.Create(&m.Postbacks).Error
}

// SetCampaignState enables, disables, deletes (soft) or restores a campaign.
func (c *Catalog) SetCampaignState(ctx context.Context, id int64, state string) (*model.Campaign, error) {
	if err := c.setState(ctx, "campaigns", "campaign", id, state); err != nil {
		return nil, err
	}
	return c.GetCampaign(ctx, id)
}

// CloneCampaign copies a campaign with its postbacks and streams (filters,
// offer and landing links) under a new alias.
func (c *Catalog) CloneCampaign(ctx context.Context, id int64) (*model.Campaign, error) {
	var newID int64
	err := c.write(ctx, func(tx *gorm.DB) error {
		src, err := getCampaign(tx, id)
		if err != nil {
			return err
		}
		cp := *src
		cp.ID, cp.Alias, cp.Token = 0, randomToken(8), randomToken(24)
		cp.Name = truncate(src.Name+" (copy)", MaxName)
		if cp.State == model.StateDeleted {
			cp.State = model.StateActive
		}
		cp.Postbacks = slices.Clone(src.Postbacks)
		if err := saveCampaign(tx, &cp, true); err != nil {
			return err
		}
		newID = cp.ID
		return cloneStreams(tx, src.ID, cp.ID)
	})
	if err != nil {
		return nil, err
	}
	return c.GetCampaign(ctx, newID)
}

// checkParameters validates a SourceParameters document.
func checkParameters(c *checker, field string, doc model.JSONText) {
	var p model.SourceParameters
	if err := doc.Decode(&p); err != nil {
		c.add(field, "must be an object of parameter -> {name, placeholder}")
		return
	}
	for k, v := range p {
		if !slices.Contains(ParameterKeys(), k) {
			c.add(field+"."+k, "is not a known parameter")
			continue
		}
		c.maxLen(field+"."+k+".name", v.Name, MaxName)
		c.maxLen(field+"."+k+".placeholder", v.Placeholder, MaxName)
	}
}

// ParameterKeys are the Kite parameters a source template may map.
func ParameterKeys() []string {
	keys := []string{"keyword", "cost", "currency", "external_id", "creative_id", "ad_campaign_id", "source"}
	for i := 1; i <= 30; i++ {
		keys = append(keys, "sub_id_"+itoa(i))
	}
	return keys
}

const tokenAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// randomToken returns n characters from an unambiguous alphabet.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// rawOrEmpty keeps a JSON object given by the client, "{}" when absent.
func rawOrEmpty(v json.RawMessage) model.JSONText {
	if isNull(v) {
		return "{}"
	}
	return model.JSONText(v)
}

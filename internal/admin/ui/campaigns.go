package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// campaignStatsMetrics are the "today" columns of the campaigns list.
var campaignStatsMetrics = []string{"clicks", "conversions", "revenue", "cost", "profit", "roi"}

func (u *UI) campaignsResource() *resource {
	cat := u.opt.Catalog
	return &resource{
		Path: "campaigns", Entity: "campaigns", Title: "nav.campaigns", New: "campaigns.new", Template: "campaign",
		fields: func(ctx context.Context) []fieldSpec {
			return []fieldSpec{
				{Name: "name", Label: "field.name", Kind: kindText, Required: true},
				{Name: "alias", Label: "field.alias", Kind: kindText, Hint: "hint.alias"},
				{Name: "traffic_source_id", Label: "field.traffic_source", Kind: kindRef, Options: refOptions(cat.ListTrafficSources(ctx, ""))},
				{Name: "group_id", Label: "field.group", Kind: kindRef, Options: u.groupOptions(ctx, "campaigns")},
				{Name: "type", Label: "field.rotation", Kind: kindSelect, Options: enumOptions("rotation.", catalog.CampaignTypes...)},
				{Name: "cost_type", Label: "field.cost_type", Kind: kindSelect, Options: enumOptions("", catalog.CostTypes...)},
				{Name: "cost_value", Label: "field.cost_value", Kind: kindNumber},
				{Name: "cost_currency", Label: "field.currency", Kind: kindText},
				{Name: "cost_auto", Label: "field.cost_auto", Kind: kindCheckbox, Hint: "hint.cost_auto"},
				{Name: "cookies_ttl", Label: "field.cookies_ttl", Kind: kindInt, Hint: "hint.cookies_ttl"},
				{Name: "bind_visitors", Label: "field.bind_visitors", Kind: kindSelect, Options: enumOptions("bind.", catalog.BindVisitors...)},
				stateField(),
				{Name: "postbacks", Label: "field.campaign_postbacks", Kind: kindPostbacks, Wide: true, Hint: "hint.campaign_postbacks"},
				{Name: "notes", Label: "field.notes", Kind: kindTextarea, Wide: true},
			}
		},
		list: func(ctx context.Context) ([]any, error) { return anySlice(cat.ListCampaigns(ctx, "")) },
		get:  func(ctx context.Context, id int64) (any, error) { return cat.GetCampaign(ctx, id) },
		create: func(ctx context.Context, doc []byte) (int64, error) {
			return created(ctx, doc, cat.CreateCampaign, func(o *model.Campaign) int64 { return o.ID })
		},
		update: func(ctx context.Context, id int64, doc []byte) error {
			return updated(ctx, id, doc, cat.UpdateCampaign)
		},
		state: func(ctx context.Context, id int64, s string) error {
			_, err := cat.SetCampaignState(ctx, id, s)
			return err
		},
		clone: func(ctx context.Context, id int64) (int64, error) {
			o, err := cat.CloneCampaign(ctx, id)
			return idOf(o, err, func(o *model.Campaign) int64 { return o.ID })
		},
		extra: u.campaignExtra,
	}
}

// campaignRow is one line of the campaigns list.
type campaignRow struct {
	model.Campaign
	Group string
	Stats []string // formatted campaignStatsMetrics, or nil without reports
}

type campaignListData struct {
	Rows    []campaignRow
	Query   string
	GroupID string
	State   string
	Groups  []option
	Metrics []string
	Stats   bool
	Write   bool
	// Total campaigns that match; the page shows campaignPageSize of them.
	Total, Page, Pages int
	PrevHref, NextHref string
	// Button labels, translated once rather than once per row.
	Enable, Disable, Clone string
}

// campaignPageSize is how many campaigns one list page shows: enough to scan
// by eye, few enough that the page renders in a few milliseconds.
const campaignPageSize = 100

// campaignList is the campaigns list, a page at a time, with today's numbers
// of the page's campaigns from one grouped report query.
func (u *UI) campaignList(c echo.Context) error {
	ctx := c.Request().Context()
	all, err := u.opt.Catalog.ListCampaigns(ctx, "")
	if err != nil {
		return err
	}
	d := &campaignListData{Query: c.QueryParam("q"), GroupID: c.QueryParam("group"), State: c.QueryParam("state"),
		Groups: u.groupOptions(ctx, "campaigns"), Metrics: campaignStatsMetrics,
		Write: u.opt.Access(currentUser(c), "campaigns", true, 0, nil)}
	lang := u.lang(c)
	d.Enable, d.Disable, d.Clone = u.views.translate(lang, "btn.enable"), u.views.translate(lang, "btn.disable"), u.views.translate(lang, "form.clone")
	q, user := strings.ToLower(d.Query), currentUser(c)
	matching := all[:0]
	for _, cp := range all {
		if u.opt.Access(user, "campaigns", false, cp.ID, cp.GroupID) && campaignMatches(cp, q, d.GroupID, d.State) {
			matching = append(matching, cp)
		}
	}
	page := d.paginate(len(matching), c.QueryParam("page"))
	groupNames := map[string]string{}
	for _, g := range d.Groups {
		groupNames[g.Value] = g.Text
	}
	stats := u.todayByCampaign(c, page(matching))
	d.Stats = stats != nil
	for _, cp := range page(matching) {
		row := campaignRow{Campaign: cp}
		if cp.GroupID != nil {
			row.Group = groupNames[itoa64(*cp.GroupID)]
		}
		if stats != nil {
			s := stats[cp.ID]
			for _, m := range campaignStatsMetrics {
				row.Stats = append(row.Stats, formatMetric(m, orZero(s[m])))
			}
		}
		d.Rows = append(d.Rows, row)
	}
	return u.render(c, http.StatusOK, "campaigns", &Page{Title: "nav.campaigns", Nav: "campaigns", Data: d})
}

// paginate sets the page numbers and links for total matching campaigns and
// returns the slicer of the current page.
func (d *campaignListData) paginate(total int, raw string) func([]model.Campaign) []model.Campaign {
	d.Total, d.Pages = total, max(1, (total+campaignPageSize-1)/campaignPageSize)
	d.Page, _ = strconv.Atoi(raw)
	d.Page = min(max(d.Page, 1), d.Pages)
	link := func(p int) string {
		v := url.Values{}
		for k, val := range map[string]string{"q": d.Query, "group": d.GroupID, "state": d.State} {
			if val != "" {
				v.Set(k, val)
			}
		}
		v.Set("page", strconv.Itoa(p))
		return "/admin/campaigns?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevHref = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextHref = link(d.Page + 1)
	}
	from := (d.Page - 1) * campaignPageSize
	return func(list []model.Campaign) []model.Campaign {
		return list[min(from, len(list)):min(from+campaignPageSize, len(list))]
	}
}

func orZero(v any) any {
	if v == nil {
		return 0.0
	}
	return v
}

// campaignMatches applies the list's search box (name or alias), group and state filters.
func campaignMatches(cp model.Campaign, q, group, state string) bool {
	if q != "" && !strings.Contains(strings.ToLower(cp.Name), q) && !strings.Contains(strings.ToLower(cp.Alias), q) {
		return false
	}
	if group != "" && (cp.GroupID == nil || itoa64(*cp.GroupID) != group) {
		return false
	}
	if state == "" {
		return true
	}
	return cp.State == state
}

// todayByCampaign is today's report of the listed campaigns grouped by
// campaign, one query; nil when reports are not connected or fail (the list
// still works without numbers).
func (u *UI) todayByCampaign(c echo.Context, list []model.Campaign) map[int64]map[string]any {
	if u.opt.Reports == nil || len(list) == 0 {
		return nil
	}
	ids := make([]any, len(list))
	for i, cp := range list {
		ids[i] = cp.ID
	}
	res, err := u.opt.Reports.Report(c.Request().Context(), ReportQuery{
		Range:    ReportRange{Interval: "today", Timezone: u.timezone(c)},
		Grouping: []string{"campaign"}, Metrics: campaignStatsMetrics, Limit: len(list),
		Filters: []ReportFilter{{Name: "campaign_id", Operator: "IN_LIST", Expression: ids}},
	})
	if err != nil {
		u.log.Warn("campaign list stats", "err", err)
		return nil
	}
	out := make(map[int64]map[string]any, len(res.Rows))
	for _, row := range res.Rows {
		out[int64(toFloat(firstOf(row, "campaign_id", "campaign")))] = row
	}
	return out
}

func firstOf(row map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := row[k]; ok {
			if _, isNum := number(v); isNum {
				return v
			}
		}
	}
	return nil
}

// campaignExtra is the campaign editor's tracking link builder and streams.
type campaignExtra struct {
	Base    string         `json:"base"`
	Alias   string         `json:"alias"`
	Params  []linkParam    `json:"params"`
	Streams []model.Stream `json:"-"`
}

type linkParam struct {
	Key   string `json:"key"`   // Kite parameter (sub_id_1, external_id, ...)
	Name  string `json:"name"`  // the source's query name
	Macro string `json:"macro"` // the source's own macro
}

func (u *UI) campaignExtra(c echo.Context, obj any) any {
	cp, ok := obj.(*model.Campaign)
	if !ok {
		return nil
	}
	ctx := c.Request().Context()
	ex := &campaignExtra{Base: u.trackerBase(c), Alias: cp.Alias}
	params := model.SourceParameters{}
	if cp.TrafficSourceID != nil {
		if ts, err := u.opt.Catalog.GetTrafficSource(ctx, *cp.TrafficSourceID); err == nil {
			_ = ts.Parameters.Decode(&params)
		}
	}
	var own model.SourceParameters
	_ = cp.Parameters.Decode(&own) // the campaign's own template overrides the source's
	for k, v := range own {
		params[k] = v
	}
	for k, p := range params {
		if p.Name != "" {
			ex.Params = append(ex.Params, linkParam{Key: k, Name: p.Name, Macro: p.Placeholder})
		}
	}
	sort.Slice(ex.Params, func(i, j int) bool { return ex.Params[i].Key < ex.Params[j].Key })
	ex.Streams, _ = u.opt.Catalog.ListStreams(ctx, cp.ID, "")
	return ex
}

// reorderStreams saves the order the buyer dragged the streams into, in one
// catalog transaction (a list that is not exactly the campaign's streams is refused).
func (u *UI) reorderStreams(c echo.Context) error {
	campaignID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
	}
	ids := make([]int64, 0, len(form["stream_id"]))
	for _, raw := range form["stream_id"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
		}
		ids = append(ids, id)
	}
	if err := u.opt.Catalog.ReorderStreams(c.Request().Context(), campaignID, ids); err != nil {
		var ve *catalog.ValidationError
		if errors.As(err, &ve) {
			return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
		}
		return domainError(err)
	}
	if c.Request().Header.Get("HX-Request") != "" {
		return c.NoContent(http.StatusNoContent)
	}
	u.flash(c, "form.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/campaigns/"+c.Param("id"))
}

package ui

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// nameColumns are the first columns of every list.
var nameColumns = []column{{"id", "field.id", "text"}, {"name", "field.name", "name"}}

func stateField() fieldSpec {
	return fieldSpec{Name: "state", Label: "field.state", Kind: kindSelect, Options: enumOptions("state.", catalog.States...)}
}

// refOptions lists objects as <option>s, with "none" first.
func refOptions[T any](objs []T, err error) []option {
	out := []option{{Value: "", Key: "form.none"}}
	if err != nil {
		return out
	}
	for _, o := range objs {
		m := objectMap(o)
		out = append(out, option{Value: cellText(m["id"]), Text: cellText(m["name"])})
	}
	return out
}

func (u *UI) groupOptions(ctx context.Context, typ string) []option {
	return refOptions(u.opt.Catalog.ListGroups(ctx, typ))
}

func (u *UI) offersResource() *resource {
	cat := u.opt.Catalog
	return &resource{
		Path: "offers", Entity: "offers", Title: "nav.offers", New: "offers.new",
		Columns: append(nameColumns[:2:2], column{"payout_value", "field.payout_value", "money"},
			column{"payout_currency", "field.currency", "text"}, column{"action_payload", "field.url", "text"}, column{"state", "field.state", "state"}),
		fields: func(ctx context.Context) []fieldSpec {
			return []fieldSpec{
				{Name: "name", Label: "field.name", Kind: kindText, Required: true},
				{Name: "group_id", Label: "field.group", Kind: kindRef, Options: u.groupOptions(ctx, "offers")},
				{Name: "affiliate_network_id", Label: "field.affiliate_network", Kind: kindRef, Options: refOptions(cat.ListAffiliateNetworks(ctx, ""))},
				{Name: "action_type", Label: "field.action_type", Kind: kindSelect, Options: enumOptions("action.", catalog.ActionTypes()...)},
				{Name: "action_payload", Label: "field.url", Kind: kindText, Wide: true, Hint: "hint.offer_url"},
				{Name: "payout_value", Label: "field.payout_value", Kind: kindNumber},
				{Name: "payout_currency", Label: "field.currency", Kind: kindText},
				{Name: "payout_type", Label: "field.payout_type", Kind: kindSelect, Options: enumOptions("", catalog.PayoutTypes...)},
				{Name: "payout_auto", Label: "field.payout_auto", Kind: kindCheckbox},
				{Name: "country", Label: "field.countries", Kind: kindLines, Hint: "hint.countries"},
				{Name: "conversion_cap_enabled", Label: "field.cap_enabled", Kind: kindCheckbox},
				{Name: "daily_cap", Label: "field.daily_cap", Kind: kindInt},
				{Name: "conversion_timezone", Label: "field.timezone", Kind: kindText},
				{Name: "alternative_offer_id", Label: "field.alternative_offer", Kind: kindRef, Options: refOptions(cat.ListOffers(ctx, ""))},
				stateField(),
				{Name: "notes", Label: "field.notes", Kind: kindTextarea, Wide: true},
			}
		},
		list: func(ctx context.Context) ([]any, error) { return anySlice(cat.ListOffers(ctx, "")) },
		get:  func(ctx context.Context, id int64) (any, error) { return cat.GetOffer(ctx, id) },
		create: func(ctx context.Context, doc []byte) (int64, error) {
			return created(ctx, doc, cat.CreateOffer, func(o *model.Offer) int64 { return o.ID })
		},
		update: func(ctx context.Context, id int64, doc []byte) error {
			return updated(ctx, id, doc, cat.UpdateOffer)
		},
		state: func(ctx context.Context, id int64, s string) error {
			_, err := cat.SetOfferState(ctx, id, s)
			return err
		},
		clone: func(ctx context.Context, id int64) (int64, error) {
			o, err := cat.CloneOffer(ctx, id)
			return idOf(o, err, func(o *model.Offer) int64 { return o.ID })
		},
	}
}

func (u *UI) landingsResource() *resource {
	cat := u.opt.Catalog
	return &resource{
		Path: "landings", Entity: "landings", Title: "nav.landings", New: "landings.new",
		Columns: append(nameColumns[:2:2], column{"action_payload", "field.url", "text"}, column{"state", "field.state", "state"}),
		fields: func(ctx context.Context) []fieldSpec {
			return []fieldSpec{
				{Name: "name", Label: "field.name", Kind: kindText, Required: true},
				{Name: "group_id", Label: "field.group", Kind: kindRef, Options: u.groupOptions(ctx, "landings")},
				{Name: "action_type", Label: "field.action_type", Kind: kindSelect, Options: enumOptions("action.", catalog.ActionTypes()...)},
				{Name: "action_payload", Label: "field.url", Kind: kindText, Wide: true, Hint: "hint.landing_url"},
				{Name: "offer_count", Label: "field.offer_count", Kind: kindInt},
				stateField(),
				{Name: "notes", Label: "field.notes", Kind: kindTextarea, Wide: true},
			}
		},
		list: func(ctx context.Context) ([]any, error) { return anySlice(cat.ListLandings(ctx, "")) },
		get:  func(ctx context.Context, id int64) (any, error) { return cat.GetLanding(ctx, id) },
		create: func(ctx context.Context, doc []byte) (int64, error) {
			return created(ctx, doc, cat.CreateLanding, func(o *model.Landing) int64 { return o.ID })
		},
		update: func(ctx context.Context, id int64, doc []byte) error { return updated(ctx, id, doc, cat.UpdateLanding) },
		state: func(ctx context.Context, id int64, s string) error {
			_, err := cat.SetLandingState(ctx, id, s)
			return err
		},
		clone: func(ctx context.Context, id int64) (int64, error) {
			o, err := cat.CloneLanding(ctx, id)
			return idOf(o, err, func(o *model.Landing) int64 { return o.ID })
		},
	}
}

func (u *UI) networksResource() *resource {
	cat := u.opt.Catalog
	return &resource{
		Path: "affiliate_networks", Entity: "affiliate_networks", Title: "nav.networks", New: "networks.new",
		Columns: append(nameColumns[:2:2], column{"offer_param", "field.offer_param", "text"}, column{"state", "field.state", "state"}),
		fields: func(ctx context.Context) []fieldSpec {
			return []fieldSpec{
				{Name: "name", Label: "field.name", Kind: kindText, Required: true},
				{Name: "offer_param", Label: "field.offer_param", Kind: kindText, Hint: "hint.offer_param"},
				{Name: "postback_url", Label: "field.network_postback_template", Kind: kindText, Wide: true, Hint: "hint.network_postback"},
				{Name: "duplicate_policy", Label: "field.duplicate_policy", Kind: kindSelect, Options: enumOptions("dup.", catalog.DuplicatePolicies...)},
				{Name: "allowed_ips", Label: "field.allowed_ips", Kind: kindLines, Hint: "hint.allowed_ips"},
				{Name: "postback_token", Label: "field.postback_token", Kind: kindText, Hint: "hint.postback_token"},
				stateField(),
				{Name: "notes", Label: "field.notes", Kind: kindTextarea, Wide: true},
			}
		},
		list: func(ctx context.Context) ([]any, error) { return anySlice(cat.ListAffiliateNetworks(ctx, "")) },
		get:  func(ctx context.Context, id int64) (any, error) { return cat.GetAffiliateNetwork(ctx, id) },
		create: func(ctx context.Context, doc []byte) (int64, error) {
			return created(ctx, doc, cat.CreateAffiliateNetwork, func(o *model.AffiliateNetwork) int64 { return o.ID })
		},
		update: func(ctx context.Context, id int64, doc []byte) error {
			return updated(ctx, id, doc, cat.UpdateAffiliateNetwork)
		},
		state: func(ctx context.Context, id int64, s string) error {
			_, err := cat.SetAffiliateNetworkState(ctx, id, s)
			return err
		},
		clone: func(ctx context.Context, id int64) (int64, error) {
			o, err := cat.CloneAffiliateNetwork(ctx, id)
			return idOf(o, err, func(o *model.AffiliateNetwork) int64 { return o.ID })
		},
		panel: u.networkPanel,
		presets: func() []preset {
			var out []preset
			for _, p := range catalog.AffiliateNetworkPresets() {
				out = append(out, preset{Name: p.Name, Values: map[string]string{
					"name": p.Name, "offer_param": p.OfferParam, "postback_url": p.PostbackURL, "duplicate_policy": "ignore"}})
			}
			return out
		},
	}
}

// networkPanel shows the exact postback URL to paste into the network: the
// tracker's base and postback key filled in, the network's own macros kept.
func (u *UI) networkPanel(c echo.Context, obj any) *infoPanel {
	n, ok := obj.(*model.AffiliateNetwork)
	if !ok {
		return nil
	}
	key := n.PostbackToken
	if key == "" {
		if s, err := u.opt.Catalog.GetSettings(c.Request().Context()); err == nil {
			key = s.PostbackKey
		}
	}
	base := u.trackerBase(c)
	url := base + "/" + key + "/postback?subid={subid}&status={status}&payout={payout}&tid={tid}"
	if tmpl := n.PostbackURL; tmpl != "" {
		url = strings.NewReplacer("https://YOUR_TRACKER", base, "http://YOUR_TRACKER", base,
			"YOUR_TRACKER", strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://"),
			"YOUR_POSTBACK_KEY", key).Replace(tmpl)
	}
	items := []infoItem{{Label: "network.postback_url", Value: url, Hint: "hint.paste_postback"}}
	if n.OfferParam != "" {
		items = append(items, infoItem{Label: "field.offer_param", Value: n.OfferParam, Hint: "hint.offer_param"})
	}
	return &infoPanel{Title: "network.paste_title", Items: items}
}

// trackerBase is the public base URL of tracking links and postbacks.
func (u *UI) trackerBase(c echo.Context) string {
	if u.opt.TrackerURL != "" {
		return strings.TrimRight(u.opt.TrackerURL, "/")
	}
	scheme := "http"
	if u.overTLS(c.Request()) {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host
}

func (u *UI) sourcesResource() *resource {
	cat := u.opt.Catalog
	return &resource{
		Path: "traffic_sources", Entity: "traffic_sources", Title: "nav.sources", New: "sources.new",
		Columns: append(nameColumns[:2:2], column{"postback_url", "field.s2s_postback", "text"}, column{"state", "field.state", "state"}),
		fields: func(ctx context.Context) []fieldSpec {
			return []fieldSpec{
				{Name: "name", Label: "field.name", Kind: kindText, Required: true},
				{Name: "postback_url", Label: "field.s2s_postback", Kind: kindText, Wide: true, Hint: "hint.s2s_postback"},
				{Name: "postback_method", Label: "field.method", Kind: kindSelect, Options: enumOptions("", catalog.PostbackMethods...)},
				{Name: "postback_statuses", Label: "field.statuses", Kind: kindLines, Hint: "hint.statuses"},
				{Name: "accept_parameters", Label: "field.accept_parameters", Kind: kindCheckbox},
				{Name: "traffic_loss", Label: "field.traffic_loss", Kind: kindNumber},
				{Name: "parameters", Label: "field.parameters", Kind: kindParams, Wide: true, Hint: "hint.parameters"},
				stateField(),
				{Name: "notes", Label: "field.notes", Kind: kindTextarea, Wide: true},
			}
		},
		list: func(ctx context.Context) ([]any, error) { return anySlice(cat.ListTrafficSources(ctx, "")) },
		get:  func(ctx context.Context, id int64) (any, error) { return cat.GetTrafficSource(ctx, id) },
		create: func(ctx context.Context, doc []byte) (int64, error) {
			return created(ctx, doc, cat.CreateTrafficSource, func(o *model.TrafficSource) int64 { return o.ID })
		},
		update: func(ctx context.Context, id int64, doc []byte) error {
			return updated(ctx, id, doc, cat.UpdateTrafficSource)
		},
		state: func(ctx context.Context, id int64, s string) error {
			_, err := cat.SetTrafficSourceState(ctx, id, s)
			return err
		},
		clone: func(ctx context.Context, id int64) (int64, error) {
			o, err := cat.CloneTrafficSource(ctx, id)
			return idOf(o, err, func(o *model.TrafficSource) int64 { return o.ID })
		},
		presets: func() []preset {
			var out []preset
			for _, p := range catalog.TrafficSourcePresets() {
				params, _ := json.MarshalIndent(p.Parameters, "", "  ")
				out = append(out, preset{Name: p.Name, Values: map[string]string{
					"name": p.Name, "postback_url": p.PostbackURL, "postback_method": p.PostbackMethod,
					"postback_statuses": strings.Join(p.PostbackStatuses, "\n"), "parameters": string(params),
					"accept_parameters": "1"}})
			}
			return out
		},
	}
}

// created decodes doc into the request type of a catalog create function and calls it.
func created[Req, Obj any](ctx context.Context, doc []byte, fn func(context.Context, Req) (Obj, error), id func(Obj) int64) (int64, error) {
	var req Req
	if err := decodeRequest(doc, &req); err != nil {
		return 0, catalog.Invalid("", err.Error())
	}
	obj, err := fn(ctx, req)
	if err != nil {
		return 0, err
	}
	return id(obj), nil
}

// updated decodes doc into the request type of a catalog update function and calls it.
func updated[Req, Obj any](ctx context.Context, id int64, doc []byte, fn func(context.Context, int64, Req) (Obj, error)) error {
	var req Req
	if err := decodeRequest(doc, &req); err != nil {
		return catalog.Invalid("", err.Error())
	}
	_, err := fn(ctx, id, req)
	return err
}

func idOf[Obj any](o Obj, err error, id func(Obj) int64) (int64, error) {
	if err != nil {
		return 0, err
	}
	return id(o), nil
}

func anySlice[T any](xs []T, err error) ([]any, error) {
	out := make([]any, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out, err
}

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

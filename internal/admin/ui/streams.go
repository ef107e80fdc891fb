package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// deviceTypes are the values the visitor package detects (internal/visitor).
var deviceTypes = []string{"desktop", "mobile", "tablet", "tv", "console", "wearable"}

// streamSets are the stream fields the Alpine editor edits as JSON documents.
var streamSets = []string{"filters", "offers", "landings"}

func (u *UI) streamsResource() *resource {
	cat := u.opt.Catalog
	return &resource{
		Path: "streams", Entity: "streams", Title: "streams.title", New: "streams.new", Template: "stream",
		fields: func(ctx context.Context) []fieldSpec {
			return []fieldSpec{
				{Name: "name", Label: "field.name", Kind: kindText},
				{Name: "type", Label: "field.stream_type", Kind: kindSelect, Options: enumOptions("stream_type.", catalog.StreamTypes...)},
				{Name: "weight", Label: "field.weight", Kind: kindNumber, Hint: "hint.weight"},
				{Name: "schema", Label: "field.schema", Kind: kindSelect, Options: enumOptions("schema.", catalog.StreamSchemas...)},
				{Name: "action_type", Label: "field.action_type", Kind: kindSelect, Options: enumOptions("action.", catalog.ActionTypes()...)},
				{Name: "action_payload", Label: "field.action_payload", Kind: kindText, Wide: true, Hint: "hint.action_payload"},
				{Name: "collect_clicks", Label: "field.collect_clicks", Kind: kindCheckbox},
				{Name: "filter_or", Label: "field.filter_or", Kind: kindCheckbox, Hint: "hint.filter_or"},
				stateField(),
				{Name: "comments", Label: "field.notes", Kind: kindTextarea, Wide: true},
				{Name: "filters", Label: "streams.filters", Kind: kindJSON},
				{Name: "offers", Label: "streams.offers", Kind: kindJSON},
				{Name: "landings", Label: "streams.landings", Kind: kindJSON},
			}
		},
		list: func(ctx context.Context) ([]any, error) { return nil, nil },
		get:  func(ctx context.Context, id int64) (any, error) { return cat.GetStream(ctx, id) },
		create: func(ctx context.Context, doc []byte) (int64, error) {
			return created(ctx, doc, cat.CreateStream, func(o *model.Stream) int64 { return o.ID })
		},
		update: func(ctx context.Context, id int64, doc []byte) error { return updated(ctx, id, doc, cat.UpdateStream) },
		state: func(ctx context.Context, id int64, s string) error {
			_, err := cat.SetStreamState(ctx, id, s)
			return err
		},
	}
}

// streamEditor is what the stream page's Alpine editor starts from.
type streamEditor struct {
	CampaignID int64                `json:"campaign_id"`
	Filters    any                  `json:"filters"`
	Offers     any                  `json:"offers"`
	Landings   any                  `json:"landings"`
	Meta       []catalog.FilterInfo `json:"meta"`
	OfferList  []option             `json:"offer_list"`
	LandList   []option             `json:"landing_list"`
	Devices    []string             `json:"devices"`
	DayNames   []string             `json:"day_names"` // the schedule grid's rows, Monday first
	Errors     catalog.FieldErrors  `json:"errors"`
}

// weekDays are the catalog keys of the schedule grid's rows, Monday first.
var weekDays = []string{"day.mon", "day.tue", "day.wed", "day.thu", "day.fri", "day.sat", "day.sun"}

// streamEditorData builds the editor state from the form values (what the
// user typed last, or the stored stream), so a failed save keeps every filter.
func (u *UI) streamEditorData(ctx context.Context, lang string, campaignID int64, values map[string]string, errs catalog.FieldErrors) *streamEditor {
	ed := &streamEditor{CampaignID: campaignID, Errors: errs, Meta: catalog.StreamFilters(), Devices: deviceTypes,
		OfferList: refOptions(u.opt.Catalog.ListOffers(ctx, ""))[1:], LandList: refOptions(u.opt.Catalog.ListLandings(ctx, ""))[1:]}
	for _, key := range weekDays {
		ed.DayNames = append(ed.DayNames, u.views.translate(lang, key))
	}
	docs := []*any{&ed.Filters, &ed.Offers, &ed.Landings}
	for i, name := range streamSets {
		var v any = []any{}
		if raw := values[name]; raw != "" {
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				v = []any{}
			}
		}
		*docs[i] = v
	}
	return ed
}

// streamNewForm opens an empty stream of a campaign.
func (u *UI) streamNewForm(c echo.Context) error {
	campaignID, err := u.campaignParam(c)
	if err != nil {
		return err
	}
	values := map[string]string{"type": "regular", "schema": "redirect", "action_type": "http", "weight": "100",
		"collect_clicks": "1", "state": model.StateActive}
	return u.renderStream(c, 0, campaignID, values, nil, http.StatusOK)
}

func (u *UI) campaignParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	if _, err := u.opt.Catalog.GetCampaign(c.Request().Context(), id); err != nil {
		return 0, domainError(err)
	}
	return id, nil
}

func (u *UI) renderStream(c echo.Context, id, campaignID int64, values map[string]string, errs catalog.FieldErrors, code int) error {
	r := u.streamsResource()
	ctx := c.Request().Context()
	d := &formData{R: r, ID: id, Fields: buildForm(r.fields(ctx), values, errs), Errors: errs,
		Extra: u.streamEditorData(ctx, u.lang(c), campaignID, values, errs),
		Write: u.opt.Access(currentUser(c), "streams", true, id, nil)}
	return u.render(c, code, "stream", &Page{Title: "streams.title", Nav: "campaigns", Data: d})
}

// streamEdit opens a stored stream.
func (u *UI) streamEdit(c echo.Context) error {
	r := u.streamsResource()
	id, obj, err := u.loadObject(c, r)
	if err != nil {
		return err
	}
	s := obj.(*model.Stream)
	return u.renderStream(c, id, s.CampaignID, valuesOf(r.fields(c.Request().Context()), obj), nil, http.StatusOK)
}

// streamSave creates a stream (route with the campaign's :id, path .../streams)
// or updates one (route /streams/:id); errors re-render with the typed values.
func (u *UI) streamSave(create bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		r := u.streamsResource()
		specs := r.fields(ctx)
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
		}
		var id, campaignID int64
		if create {
			if campaignID, err = u.campaignParam(c); err != nil {
				return err
			}
		} else {
			_, obj, err := u.loadObject(c, r)
			if err != nil {
				return err
			}
			id, campaignID = obj.(*model.Stream).ID, obj.(*model.Stream).CampaignID
		}
		doc, errs := parseForm(specs, form)
		if len(errs) == 0 {
			err = u.saveStream(ctx, id, campaignID, doc)
			if err == nil {
				u.flash(c, "form.saved")
				return c.Redirect(http.StatusSeeOther, "/admin/campaigns/"+itoa64(campaignID))
			}
			var ok bool
			if errs, ok = fieldErrors(err, specs); !ok {
				return domainError(err)
			}
		}
		return u.renderStream(c, id, campaignID, formValues(specs, form), errs, http.StatusUnprocessableEntity)
	}
}

func (u *UI) saveStream(ctx context.Context, id, campaignID int64, doc []byte) error {
	var req catalog.StreamRequest
	if err := decodeRequest(doc, &req); err != nil {
		return catalog.Invalid("", err.Error())
	}
	if id != 0 {
		_, err := u.opt.Catalog.UpdateStream(ctx, id, req)
		return err
	}
	req.CampaignID = &campaignID
	_, err := u.opt.Catalog.CreateStream(ctx, req)
	return err
}

package track

import (
	"context"
	"fmt"
	"html"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/macro"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/snapshot"
)

// answer prepares the response of a routed click. It resolves the
// destination first (so the click records it) and returns the writer to
// call once the click is handed to the recorder.
func (h *Handler) answer(c echo.Context, snap *snapshot.Snapshot, vis *visit, d *routing.Decision) func() error {
	switch d.Action {
	case routing.ActionShowText:
		body := macro.ExpandRaw(d.Payload, h.macros(c, snap, vis.click, d.Campaign.Model, vis.extra))
		return func() error { return text(c, body) }
	case routing.ActionShowHTML:
		m := h.macros(c, snap, vis.click, d.Campaign.Model, vis.extra)
		m.escape = true
		body := macro.ExpandRaw(d.Payload, m)
		return func() error { return htmlPage(c, body) }
	case routing.ActionStatus404, routing.ActionCampaign:
		return func() error { return page(c, http.StatusNotFound) }
	case routing.ActionDoNothing:
		return func() error { return empty(c) }
	}
	dest, err := h.resolve(c.Request().Context(), c, snap, vis, d)
	if err != nil {
		h.log.Error("track: no safe destination", "campaign_id", d.Campaign.Model.ID, "stream_id", vis.click.StreamID,
			"click_id", vis.click.ID, "err", err)
		return func() error { return page(c, http.StatusNotFound) }
	}
	vis.click.Destination = dest
	if d.Action == routing.ActionDoubleMeta {
		hop := h.doubleMetaLink(snap, dest)
		return func() error {
			c.Response().Header().Set("Referrer-Policy", "no-referrer")
			return render(c, http.StatusOK, "meta", pageData{URL: hop})
		}
	}
	action := d.Action
	if !knownAction(action) {
		h.log.Warn("track: unknown action type, answering with a 302", "action", action, "stream_id", vis.click.StreamID)
		action = routing.ActionHTTP
	}
	return func() error { return redirect(c, action, dest) }
}

// resolve expands the decision's URL; a `remote` action fetches it and the
// answer is the destination.
func (h *Handler) resolve(ctx context.Context, c echo.Context, snap *snapshot.Snapshot, vis *visit, d *routing.Decision) (string, error) {
	m := h.fillMacros(&vis.macros, c, snap, vis.click, d.Campaign.Model, vis.extra)
	u, err := destination(d.Payload, m)
	if err != nil || d.Action != routing.ActionRemote {
		return u, err
	}
	dest, err := h.remote.fetch(ctx, u, h.opt.Now())
	if err != nil {
		return "", fmt.Errorf("remote action %q: %w", u, err)
	}
	if _, err := checkURL(dest); err != nil {
		return "", fmt.Errorf("remote action %q answered: %w", u, err)
	}
	return dest, nil
}

// clickValues are the macros of one click: the click's own (lazily, see
// macro.Click) plus {offer} and the tracker-currency fallback of
// {currency}. With escape set every value is HTML-escaped (show_html).
type clickValues struct {
	macro.Click
	c        echo.Context
	currency string // fallback when the click has no currency parameter
	escape   bool
}

// Lookup answers {offer} and {currency} itself, the click's macros else.
func (v *clickValues) Lookup(name string) (string, bool) {
	val, ok := v.lookup(name)
	if ok && v.escape {
		val = html.EscapeString(val)
	}
	return val, ok
}

func (v *clickValues) lookup(name string) (string, bool) {
	switch name {
	case "offer":
		return offerLink(v.c, v.C.ID), true
	case "currency":
		if cur, _ := v.Click.Lookup(name); cur != "" {
			return cur, true
		}
		return v.currency, true
	}
	return v.Click.Lookup(name)
}

// macros are the click's macro values plus {offer} and the {currency}
// fallback. extra are the click's extra parameters when already parsed.
func (h *Handler) macros(c echo.Context, snap *snapshot.Snapshot, click *model.Click, camp *model.Campaign, extra map[string]string) *clickValues {
	return h.fillMacros(new(clickValues), c, snap, click, camp, extra)
}

// fillMacros is macros writing into v (a click's visit holds one, which
// saves an allocation per click).
func (h *Handler) fillMacros(v *clickValues, c echo.Context, snap *snapshot.Snapshot, click *model.Click, camp *model.Campaign, extra map[string]string) *clickValues {
	*v = clickValues{c: c, Click: macro.Click{C: click, CampaignName: camp.Name, Extra: extra}}
	if ts := snap.Sources[click.TrafficSourceID]; ts != nil {
		v.TrafficSourceName = ts.Name
	}
	v.currency = h.opt.Currency
	if v.currency == "" {
		v.currency = snap.Settings[model.SettingCurrency]
	}
	return v
}

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
		body := macro.ExpandRaw(d.Payload, h.macros(c, snap, vis.click, d.Campaign.Model))
		return func() error { return text(c, body) }
	case routing.ActionShowHTML:
		body := macro.ExpandRaw(d.Payload, htmlEscaped(h.macros(c, snap, vis.click, d.Campaign.Model)))
		return func() error { return htmlPage(c, body) }
	case routing.ActionStatus404, routing.ActionCampaign:
		return func() error { return page(c, http.StatusNotFound) }
	case routing.ActionDoNothing:
		return func() error { return empty(c) }
	}
	dest, err := h.resolve(c.Request().Context(), c, snap, vis.click, d)
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
func (h *Handler) resolve(ctx context.Context, c echo.Context, snap *snapshot.Snapshot, click *model.Click, d *routing.Decision) (string, error) {
	m := h.macros(c, snap, click, d.Campaign.Model)
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

// macros are the click's macro values plus {offer} and the {currency} fallback.
func (h *Handler) macros(c echo.Context, snap *snapshot.Snapshot, click *model.Click, camp *model.Campaign) macro.Map {
	tsName := ""
	if ts := snap.Sources[click.TrafficSourceID]; ts != nil {
		tsName = ts.Name
	}
	m := macro.ForClick(click, camp.Name, tsName)
	m["offer"] = offerLink(c, click.ID)
	if m["currency"] == "" {
		m["currency"] = h.opt.Currency
		if m["currency"] == "" {
			m["currency"] = snap.Settings[model.SettingCurrency]
		}
	}
	return m
}

// htmlEscaped copies m with every value HTML-escaped, for show_html pages.
func htmlEscaped(m macro.Map) macro.Map {
	out := make(macro.Map, len(m))
	for k, v := range m {
		out[k] = html.EscapeString(v)
	}
	return out
}

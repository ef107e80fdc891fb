package track

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/store"
)

var defaultRand = rand.Float64

// Root serves GET and HEAD /: the landing-to-offer click
// (?_lp=1&_token={click id}[&offer_id=N]) and the second hop of a double
// meta refresh (?_dm=...&_sig=...). Anything else is a 404.
func (h *Handler) Root(c echo.Context) error {
	req := c.Request()
	if len(req.URL.RawQuery) > maxQueryBytes {
		return page(c, http.StatusRequestURITooLong)
	}
	q := req.URL.Query()
	switch {
	case q.Get("_lp") != "" && q.Get("_token") != "":
		return h.landingClick(c, q.Get("_token"), q.Get("offer_id"), req.Method == http.MethodHead)
	case q.Get("_dm") != "":
		dest, err := h.openDoubleMeta(h.snap.Current(), q.Get("_dm"), q.Get("_sig"))
		if err != nil {
			h.log.Warn("track: refused double meta hop", "err", err)
			return page(c, http.StatusNotFound)
		}
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		return render(c, http.StatusOK, "blank", pageData{URL: dest})
	}
	return page(c, http.StatusNotFound)
}

// landingClick records that the visitor left the landing and sends them to
// the stream's offer (the one named by offer_id, else a draw by share).
func (h *Handler) landingClick(c echo.Context, token, offerParam string, dryRun bool) error {
	ctx := c.Request().Context()
	if _, err := uuid.Parse(token); err != nil {
		return page(c, http.StatusNotFound)
	}
	click, err := h.rec.Lookup(ctx, token)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.log.Error("track: landing click lookup failed", "click_id", token, "err", err)
		}
		return page(c, http.StatusNotFound)
	}
	snap := h.snap.Current()
	camp := snap.Campaigns[click.CampaignID]
	var stream *routing.Stream
	if camp != nil {
		stream = camp.Stream(click.StreamID)
	}
	if stream == nil {
		h.log.Warn("track: landing click of a campaign or stream no longer active", "click_id", token)
		return page(c, http.StatusNotFound)
	}
	counters := h.lpCounters(c, camp, click)
	offerID, _ := strconv.ParseInt(offerParam, 10, 64)
	if offerID == 0 && camp.BindOffer && counters.Bound.StreamID == stream.Model.ID {
		offerID = counters.Bound.OfferID // slo: a returning visitor gets the offer they saw
	}
	offer := routing.PickOffer(stream, offerID, counters.Caps, h.opt.Rand())
	if offer == nil {
		h.log.Warn("track: landing click without a live offer", "click_id", token, "stream_id", stream.Model.ID)
		return page(c, http.StatusNotFound)
	}
	now := h.opt.Now().UTC()
	if !dryRun {
		if err := h.rec.RecordLPClick(ctx, click.ID, now, offer.ID); err != nil {
			h.log.Error("track: landing click not recorded", "click_id", click.ID, "err", err)
		}
		h.bindOffer(c, camp, click, offer.ID)
	}
	click.OfferID = offer.ID
	click.AffiliateNetworkID = 0
	if offer.AffiliateNetworkID != nil {
		click.AffiliateNetworkID = *offer.AffiliateNetworkID
	}
	dest, err := destination(offer.ActionPayload, h.macros(c, snap, click, camp.Model, nil))
	if err != nil {
		h.log.Error("track: no safe offer destination", "offer_id", offer.ID, "click_id", click.ID, "err", err)
		return page(c, http.StatusNotFound)
	}
	return redirect(c, routing.ActionHTTP, dest)
}

// lpCounters reads, in one round trip, today's conversions of the
// campaign's capped offers and, under bind_visitors slo, the visitor's
// binding. Redis down: no caps, no binding.
func (h *Handler) lpCounters(c echo.Context, camp *routing.Campaign, click *model.Click) routing.Counters {
	bind := camp.BindOffer && click.VisitorCode != ""
	if (len(camp.Needs.Caps) == 0 && !bind) || !h.redisUp(time.Now()) {
		return routing.Counters{}
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), h.opt.RedisTimeout)
	defer cancel()
	counters, err := h.r.ReadCounters(ctx, hot.CounterRead{CampaignID: camp.Model.ID, Caps: camp.Needs.Caps,
		Visitor: hot.VisitorID{Code: click.VisitorCode}, Bind: bind, Now: h.opt.Now()})
	if err != nil {
		h.redisFailed(err, time.Now())
	}
	return counters
}

// bindOffer remembers the offer chosen at the landing (bind_visitors slo),
// so the visitor's next landing click goes to the same offer.
func (h *Handler) bindOffer(c echo.Context, camp *routing.Campaign, click *model.Click, offerID int64) {
	if !camp.BindOffer || click.VisitorCode == "" || !h.redisUp(time.Now()) {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), h.opt.RedisTimeout)
	defer cancel()
	err := h.r.WriteCounters(ctx, hot.CounterWrite{CampaignID: camp.Model.ID, Now: h.opt.Now(),
		Visitor: hot.VisitorID{Code: click.VisitorCode}, TTL: time.Duration(max(camp.Model.CookiesTTL, 1)) * time.Hour,
		Bind: &routing.Binding{StreamID: click.StreamID, LandingID: click.LandingID, OfferID: offerID}})
	if err != nil {
		h.redisFailed(err, time.Now())
	}
}

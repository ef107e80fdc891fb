package track

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/snapshot"
	"github.com/kite-tracker/kite/internal/visitor"
)

// Click serves GET and HEAD /{alias}. HEAD answers alike but records
// nothing and counts nothing.
func (h *Handler) Click(c echo.Context) error {
	req := c.Request()
	if len(req.URL.RawQuery) > maxQueryBytes {
		return page(c, http.StatusRequestURITooLong)
	}
	alias := c.Param("alias")
	snap := h.snap.Current()
	camp := snap.Campaign(alias)
	if camp == nil && !reserved[alias] {
		camp = snap.DefaultCampaign
	}
	if camp == nil || reserved[alias] {
		return page(c, http.StatusNotFound)
	}
	return h.serve(c, snap, camp, req.Method == http.MethodHead)
}

// visit is one click on its way through routing.
type visit struct {
	click  *model.Click
	in     routing.Input
	ident  visitorIdent
	extra  map[string]string // the click's extra parameters (ExtraParams, parsed)
	hops   [1]routing.Decision
	macros clickValues
	dryRun bool // HEAD: answer, but record and count nothing
}

func (h *Handler) serve(c echo.Context, snap *snapshot.Snapshot, entry *routing.Campaign, dryRun bool) error {
	req := c.Request()
	ctx := req.Context()
	v := h.vp.Parse(req, h.botsFor(snap))
	vis := h.newVisit(c, entry, &v, dryRun)
	trail, err := h.route(ctx, snap, entry, vis)
	d := trail[len(trail)-1]
	if err != nil {
		h.log.Error("track: routing failed", "alias", entry.Model.Alias, "click_id", vis.click.ID, "err", err)
		return page(c, http.StatusNotFound)
	}
	h.fillClick(snap, vis, &d)
	answer := h.answer(c, snap, vis, &d)
	if !dryRun && (d.Stream == nil || d.Stream.Model.CollectClicks) {
		h.rec.Record(vis.click)
	}
	return answer()
}

// newVisit mints the click id and fills what the request tells.
func (h *Handler) newVisit(c echo.Context, camp *routing.Campaign, v *visitor.Visitor, dryRun bool) *visit {
	id := uuid.Must(uuid.NewV7())
	sec, nsec := id.Time().UnixTime()
	click := &model.Click{ID: id.String(), CreatedAt: time.Unix(sec, nsec).UTC()}
	fillVisitor(click, v)
	code := h.visitorCode(c, camp, dryRun)
	click.VisitorCode = code
	vis := &visit{click: click, dryRun: dryRun}
	vis.ident = visitorIdent{IP: v.IPText, UA: v.UserAgent, Code: code}
	// Per-stream reasons are only read by the simulator (which builds its own input).
	vis.in = routing.Input{Visitor: routingVisitor(v), Now: h.opt.Now().UTC(), Rand: h.opt.Rand, Quiet: true}
	vis.in.Params, vis.extra = mapParams(c.Request().URL.RawQuery, camp.ParamMap, click)
	if camp.Source != nil {
		click.TrafficSourceID = camp.Source.ID
	}
	return vis
}

// fillClick copies the decision onto the click: ids, uniqueness, cost (in
// the tracker currency).
func (h *Handler) fillClick(snap *snapshot.Snapshot, vis *visit, d *routing.Decision) {
	c := vis.click
	camp := d.Campaign.Model
	c.CampaignID = camp.ID
	if d.Stream != nil {
		c.StreamID = d.Stream.Model.ID
	}
	if d.Landing != nil {
		c.LandingID = d.Landing.ID
	}
	if d.Offer != nil {
		c.OfferID = d.Offer.ID
		if d.Offer.AffiliateNetworkID != nil {
			c.AffiliateNetworkID = *d.Offer.AffiliateNetworkID
		}
	}
	seen := vis.in.Counters.Seen
	c.IsUniqueCampaign = !seen[routing.UniqKey{Scope: routing.ScopeCampaign, Method: routing.DefaultUniqMethod, CampaignID: camp.ID}]
	c.IsUniqueGlobal = !seen[routing.UniqKey{Scope: routing.ScopeGlobal, Method: routing.DefaultUniqMethod}]
	c.IsUniqueStream = d.Stream != nil &&
		!seen[routing.UniqKey{Scope: routing.ScopeStream, Method: routing.DefaultUniqMethod, CampaignID: camp.ID, StreamID: c.StreamID}]
	c.Cost = h.toTracker(snap, clickCost(camp, c.IsUniqueCampaign, vis.in.Params["cost"]), costCurrency(camp, vis.in.Params))
}

// costCurrency is the currency of a click's cost: the source's `currency`
// parameter beside its `cost` (cost_auto), else the campaign's cost_currency.
func costCurrency(camp *model.Campaign, params map[string]string) string {
	if camp.CostAuto {
		if cur := snapshot.NormCurrency(params["currency"]); cur != "" {
			return cur
		}
	}
	return camp.CostCurrency
}

// toTracker converts a cost into the tracker currency. A currency without a
// rate keeps its amount (a cost off by a rate beats a cost of zero) and is
// logged once per process.
func (h *Handler) toTracker(snap *snapshot.Snapshot, amount float64, currency string) float64 {
	v, ok := snap.ToTracker(amount, currency)
	if !ok {
		if _, seen := h.noRate.LoadOrStore(snapshot.NormCurrency(currency), true); !seen {
			h.log.Warn("track: no currency rate, click cost kept unconverted", "currency", currency,
				"tracker_currency", snap.Currency)
		}
	}
	return v
}

// clickCost applies the campaign cost model: CPC per click, CPUC per unique
// click, CPM per thousand; CPA, CPS and RevShare cost nothing per click.
// cost_auto takes the traffic source's own `cost` parameter.
func clickCost(camp *model.Campaign, unique bool, costParam string) float64 {
	if camp.CostAuto {
		return parseCost(costParam)
	}
	switch camp.CostType {
	case "CPC":
		return camp.CostValue
	case "CPUC":
		if unique {
			return camp.CostValue
		}
	case "CPM":
		return camp.CostValue / 1000
	}
	return 0
}

func fillVisitor(c *model.Click, v *visitor.Visitor) {
	c.IP, c.UserAgent, c.Referrer, c.Language = v.IPText, v.UserAgent, v.Referrer, v.Language
	c.Country, c.Region, c.City, c.ISP, c.ConnectionType = v.Country, v.Region, v.City, v.ISP, v.ConnectionType
	c.DeviceType, c.DeviceModel, c.OS, c.OSVersion = v.DeviceType, v.DeviceModel, v.OS, v.OSVersion
	c.Browser, c.BrowserVersion, c.IsBot = v.Browser, v.BrowserVersion, v.IsBot
}

func routingVisitor(v *visitor.Visitor) routing.Visitor {
	return routing.Visitor{
		IP: v.IP, Country: v.Country, Region: v.Region, City: v.City, ISP: v.ISP, ConnectionType: v.ConnectionType,
		DeviceType: v.DeviceType, DeviceModel: v.DeviceModel, OS: v.OS, OSVersion: v.OSVersion,
		Browser: v.Browser, BrowserVersion: v.BrowserVersion, Language: v.Language,
		UserAgent: v.UserAgent, Referrer: v.Referrer, IsBot: v.IsBot, IsProxy: v.IsProxy,
	}
}

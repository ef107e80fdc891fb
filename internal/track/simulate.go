package track

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/visitor"
)

// SimulateRequest is a made-up visitor for "which stream would they get".
type SimulateRequest struct {
	IP        string            `json:"ip"`
	UserAgent string            `json:"user_agent"`
	Referrer  string            `json:"referrer"`
	Language  string            `json:"language"`
	Params    map[string]string `json:"params"`
}

// Validate refuses what would make the simulation meaningless.
func (r *SimulateRequest) Validate() error {
	if r.IP != "" {
		if _, err := netip.ParseAddr(r.IP); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "ip must be an IPv4 or IPv6 address")
		}
	}
	if len(r.Params) > maxExtraParams {
		return echo.NewHTTPError(http.StatusBadRequest, "too many params")
	}
	return nil
}

// SimulateHop is one campaign the visitor went through.
type SimulateHop struct {
	CampaignID int64            `json:"campaign_id"`
	Alias      string           `json:"alias"`
	StreamID   int64            `json:"stream_id"`
	Action     string           `json:"action"`
	Reasons    []routing.Reason `json:"reasons"`
}

// SimulateResponse is the decision with the reason for each stream.
type SimulateResponse struct {
	CampaignID  int64         `json:"campaign_id"`
	StreamID    int64         `json:"stream_id"`
	StreamName  string        `json:"stream_name"`
	LandingID   int64         `json:"landing_id"`
	OfferID     int64         `json:"offer_id"`
	Action      string        `json:"action"`
	Destination string        `json:"destination,omitempty"`
	Error       string        `json:"error,omitempty"`
	Visitor     SimVisitor    `json:"visitor"`
	Hops        []SimulateHop `json:"hops"`
}

// SimVisitor is what Kite read from the made-up request.
type SimVisitor struct {
	IP             string `json:"ip"`
	Country        string `json:"country"`
	Region         string `json:"region"`
	City           string `json:"city"`
	DeviceType     string `json:"device_type"`
	OS             string `json:"os"`
	Browser        string `json:"browser"`
	Language       string `json:"language"`
	IsBot          bool   `json:"is_bot"`
	IsUniqueInCamp bool   `json:"is_unique_campaign"`
}

// Simulate serves POST /admin_api/v1/campaigns/:id/simulate: it routes a
// made-up visitor through the campaign exactly like a click (same filters,
// same live counters) and records nothing.
func (h *Handler) Simulate(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "campaign id must be a number")
	}
	var req SimulateRequest
	if err := c.Bind(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "body must be JSON")
	}
	if err := req.Validate(); err != nil {
		return err
	}
	snap := h.snap.Current()
	camp := snap.Campaigns[id]
	if camp == nil {
		return echo.NewHTTPError(http.StatusNotFound, "campaign not found or not active")
	}
	fake := req.httpRequest(c.Request())
	v := h.vp.Parse(fake, h.botsFor(snap))
	vis := &visit{dryRun: true}
	vis.click = newSimClick(&v)
	vis.ident = visitorIdent{IP: v.IPText, UA: v.UserAgent}
	vis.in = routing.Input{Visitor: routingVisitor(&v), Now: h.opt.Now().UTC(), Rand: h.opt.Rand}
	vis.in.Params, vis.extra = mapParams(fake.URL.RawQuery, camp.ParamMap, vis.click)
	trail, rerr := h.route(c.Request().Context(), snap, camp, vis)
	d := trail[len(trail)-1]
	h.fillClick(snap, vis, &d)
	resp := simResponse(trail, vis, &v)
	if rerr != nil {
		resp.Error = rerr.Error()
	} else if isRedirect(d.Action) && d.Action != routing.ActionRemote {
		resp.Destination, err = h.resolve(c.Request().Context(), c, snap, vis, &d)
		if err != nil {
			resp.Error = err.Error()
		}
	}
	return c.JSON(http.StatusOK, resp)
}

// httpRequest builds the request the simulated visitor would send.
func (r *SimulateRequest) httpRequest(orig *http.Request) *http.Request {
	q := url.Values{}
	for k, v := range r.Params {
		q.Set(k, v)
	}
	fake, _ := http.NewRequestWithContext(orig.Context(), http.MethodGet, "/?"+q.Encode(), nil)
	ip := r.IP
	if ip == "" {
		ip = "0.0.0.0"
	}
	fake.RemoteAddr = net.JoinHostPort(ip, "0")
	fake.Host = orig.Host
	fake.Header.Set("User-Agent", r.UserAgent)
	if r.Referrer != "" {
		fake.Header.Set("Referer", r.Referrer)
	}
	if r.Language != "" {
		fake.Header.Set("Accept-Language", r.Language)
	}
	return fake
}

func simResponse(trail []routing.Decision, vis *visit, v *visitor.Visitor) SimulateResponse {
	c := vis.click
	d := trail[len(trail)-1]
	resp := SimulateResponse{CampaignID: c.CampaignID, StreamID: c.StreamID, LandingID: c.LandingID, OfferID: c.OfferID,
		Action: d.Action, Visitor: SimVisitor{IP: v.IPText, Country: v.Country, Region: v.Region, City: v.City,
			DeviceType: v.DeviceType, OS: v.OS, Browser: v.Browser, Language: v.Language, IsBot: v.IsBot,
			IsUniqueInCamp: c.IsUniqueCampaign}}
	if d.Stream != nil {
		resp.StreamName = d.Stream.Model.Name
	}
	for _, hop := range trail {
		sh := SimulateHop{CampaignID: hop.Campaign.Model.ID, Alias: hop.Campaign.Model.Alias, Action: hop.Action, Reasons: hop.Reasons}
		if hop.Stream != nil {
			sh.StreamID = hop.Stream.Model.ID
		}
		resp.Hops = append(resp.Hops, sh)
	}
	return resp
}

// newSimClick is the click the simulated visitor would make (never recorded).
func newSimClick(v *visitor.Visitor) *model.Click {
	id := uuid.Must(uuid.NewV7())
	c := &model.Click{ID: id.String(), CreatedAt: time.Now().UTC()}
	fillVisitor(c, v)
	return c
}

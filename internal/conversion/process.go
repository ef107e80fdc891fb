package conversion

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/labstack/echo/v4"
)

// Postback is one received postback request.
type Postback struct {
	Key      string // from the path or ?key=
	Method   string
	RemoteIP string
	Raw      string // as logged
	Values   url.Values
	bad      *badInput // set when the body could not be read
}

// Result is what the network gets back with a 200.
type Result struct {
	Outcome      string `json:"outcome"`
	ConversionID int64  `json:"conversion_id,omitempty"`
	Status       string `json:"status,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// job carries one postback through the rules.
type job struct {
	in      *incoming
	snap    *snapshot
	click   *model.Click // nil: unattributed
	offer   *model.Offer
	network *model.AffiliateNetwork
	rp      *model.ReceivedPostback
	now     time.Time
}

// Process validates, authorises, resolves and applies one postback, and logs
// it. Refusals come back as *echo.HTTPError with a 4xx and a safe reason.
func (s *Service) Process(ctx context.Context, pb Postback) (Result, error) {
	now := receivedAt(ctx) // a replayed postback keeps the time it arrived
	rp := &model.ReceivedPostback{ReceivedAt: now, Method: pb.Method, RemoteIP: cut(pb.RemoteIP, maxRemoteIP, "", nil),
		RawRequest: pb.Raw, Status: cut(pb.Values.Get("status"), maxStatus, "", nil)}
	snap, err := s.cfg.get(ctx)
	if err != nil {
		s.log.Error("load postback config", "err", err)
		return Result{}, echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later").SetInternal(err)
	}
	in, bad := parseIncoming(pb.Values)
	rp.ClickID = in.clickID
	if pb.bad != nil {
		bad = pb.bad
	}
	if len(in.cuts) > 0 {
		s.log.Warn("postback values cut to column size", "fields", in.cuts, "subid", in.clickID)
	}
	j := &job{in: in, snap: snap, rp: rp, now: now}
	if fail := s.authorise(snap, pb, j); fail != nil {
		return Result{}, s.refused(ctx, rp, fail) // the key is checked first: strangers learn nothing
	}
	if bad != nil {
		return Result{}, s.refused(ctx, rp, bad)
	}
	if in.ignored {
		rp.Outcome, rp.Reason = model.PostbackIgnored, "status in ignore_status"
		s.logReceived(ctx, rp)
		return Result{Outcome: rp.Outcome, Reason: rp.Reason}, nil
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return Result{}, echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later")
	}
	if fail := s.resolveClick(ctx, j, pb.RemoteIP); fail != nil {
		return Result{}, s.refused(ctx, rp, fail)
	}
	s.refreshIfUnknownCampaign(ctx, j)
	res, err := s.apply(ctx, j)
	if err != nil {
		s.log.Error("apply postback", "subid", in.clickID, "err", err)
		rp.Outcome, rp.Reason, rp.HTTPStatus = model.PostbackRejected, "internal error", http.StatusServiceUnavailable
		s.logReceived(ctx, rp)
		return Result{}, echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later").SetInternal(err)
	}
	return res, nil
}

// authorise checks the key: the tracker's postback key, or a network's own
// postback token (then that network's IP allowlist applies right away).
func (s *Service) authorise(snap *snapshot, pb Postback, j *job) *badInput {
	if pb.Key != "" && snap.postbackKey != "" &&
		subtle.ConstantTimeCompare([]byte(pb.Key), []byte(snap.postbackKey)) == 1 {
		return nil
	}
	n := snap.byToken[pb.Key]
	if pb.Key == "" || n == nil {
		return refuse(http.StatusForbidden, "invalid postback key")
	}
	if !ipAllowed(snap.allowedIPs[n.ID], pb.RemoteIP) {
		return refuse(http.StatusForbidden, "IP not allowed for this affiliate network")
	}
	j.network = n
	return nil
}

// resolveClick finds the click, its offer and (with the tracker key) the
// offer's network, whose IP allowlist then applies too. A click that cannot
// be found, or not right now, leaves the conversion unattributed: the joiner
// attaches it later, so nothing is lost to a slow click writer.
func (s *Service) resolveClick(ctx context.Context, j *job, remoteIP string) *badInput {
	c, err := s.clicks.Lookup(ctx, j.in.clickID)
	if err != nil {
		if !isNotFound(err) {
			s.log.Warn("click lookup failed; storing unattributed", "subid", j.in.clickID, "err", err)
		}
		return nil
	}
	j.click = c
	j.offer = j.snap.offers[c.OfferID]
	if j.network != nil {
		return nil
	}
	netID := c.AffiliateNetworkID
	if netID == 0 && j.offer != nil && j.offer.AffiliateNetworkID != nil {
		netID = *j.offer.AffiliateNetworkID
	}
	if n := j.snap.networks[netID]; n != nil {
		if !ipAllowed(j.snap.allowedIPs[n.ID], remoteIP) {
			return refuse(http.StatusForbidden, "IP not allowed for this affiliate network")
		}
		j.network = n
	}
	return nil
}

// refused logs a refused postback and returns its HTTP error.
func (s *Service) refused(ctx context.Context, rp *model.ReceivedPostback, b *badInput) error {
	rp.Outcome, rp.Reason, rp.HTTPStatus = model.PostbackRejected, cut(b.reason, maxLogReason, "", nil), b.code
	s.logReceived(ctx, rp)
	return echo.NewHTTPError(b.code, b.reason)
}

// logReceived writes a log line outside any transaction; a failure to log
// must not change the answer. The line of an answer the network keeps (a
// refusal, an ignored status) waits in memory for the database
// (unlogged.go); a 503's line is not kept, as that postback is spooled or
// sent again, and logged then.
func (s *Service) logReceived(ctx context.Context, rp *model.ReceivedPostback) {
	if rp.HTTPStatus == 0 {
		rp.HTTPStatus = http.StatusOK
	}
	err := s.db.WithContext(ctx).Create(rp).Error
	if err == nil {
		return
	}
	if rp.HTTPStatus < http.StatusInternalServerError && s.unlogged.keep(rp) {
		s.log.Warn("log received postback: kept until the database answers", "err", err, "subid", rp.ClickID, "outcome", rp.Outcome)
		return
	}
	s.log.Error("log received postback", "err", err, "subid", rp.ClickID, "outcome", rp.Outcome)
}

// refreshIfUnknownCampaign reloads the cached configuration once when the
// click names a campaign it does not know (created moments ago, and the change
// signal missed): otherwise the conversion would be stored without its S2S
// postbacks, and nothing would ever queue them.
func (s *Service) refreshIfUnknownCampaign(ctx context.Context, j *job) {
	c := j.click
	if c == nil || c.CampaignID == 0 || j.snap.campaigns[c.CampaignID] != nil {
		return
	}
	s.cfg.invalidate()
	if fresh, err := s.cfg.get(ctx); err == nil {
		j.snap = fresh
	}
}

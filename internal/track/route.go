package track

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/routing"
	"github.com/kite-tracker/kite/internal/snapshot"
)

type visitorIdent = hot.VisitorID

var errTooManyHops = fmt.Errorf("campaign action chained more than %d times", routing.MaxHops)

// route runs the visitor through the entry campaign and any campaigns its
// `campaign` actions chain to. It returns every hop's decision; the last one
// is where the visitor goes.
func (h *Handler) route(ctx context.Context, snap *snapshot.Snapshot, entry *routing.Campaign, vis *visit) ([]routing.Decision, error) {
	camp := entry
	trail := vis.hops[:0] // one hop, the usual case, needs no slice of its own
	for hop := 0; ; hop++ {
		vis.in.Counters = h.readCounters(ctx, camp, vis)
		d := routing.Route(camp, &vis.in)
		trail = append(trail, d)
		if d.Action != routing.ActionCampaign {
			h.writeCounters(camp, vis, &d)
			return trail, nil
		}
		if hop == routing.MaxHops {
			return trail, errTooManyHops
		}
		next := snap.CampaignRef(strings.TrimSpace(d.Payload))
		if next == nil {
			return trail, fmt.Errorf("campaign action points at unknown campaign %q", d.Payload)
		}
		camp = next
	}
}

// redisUp tells whether Redis may be asked now (see redisDownUntil).
func (h *Handler) redisUp(now time.Time) bool {
	return h.r != nil && now.UnixNano() >= h.redisDownUntil.Load()
}

func (h *Handler) redisFailed(err error, now time.Time) {
	if errors.Is(err, context.Canceled) {
		return
	}
	if h.redisDownUntil.Swap(now.Add(time.Second).UnixNano()) < now.UnixNano() {
		h.log.Warn("track: redis counters unavailable, treating visitors as unique and streams as unlimited for 1s", "err", err)
	}
}

// readCounters reads the campaign's uniqueness, limit, cap and binding
// counters in one round trip; on failure every visitor is unique.
func (h *Handler) readCounters(ctx context.Context, camp *routing.Campaign, vis *visit) routing.Counters {
	if h.r == nil {
		return routing.Counters{}
	}
	now := time.Now()
	if !h.redisUp(now) {
		return routing.Counters{}
	}
	n := &camp.Needs
	c, err := h.counters.Read(ctx, hot.CounterRead{
		Visitor: vis.ident, CampaignID: camp.Model.ID, Uniq: n.Uniq, LimitStreams: n.LimitStreams,
		Caps: n.Caps, Bind: camp.BindStream, Now: vis.in.Now,
	})
	if err != nil {
		h.redisFailed(err, now)
	}
	return c
}

// writeCounters marks the visitor as seen in the campaign, globally and in
// the chosen stream, counts the click against the stream's limits and
// remembers the binding. The write is queued and sent after the answer,
// with other clicks' writes: a redirect waits for one Redis round trip (the
// read), not two. The cost is that the same visitor clicking again within
// that round trip (about a millisecond) still counts as unique.
func (h *Handler) writeCounters(camp *routing.Campaign, vis *visit, d *routing.Decision) {
	if vis.dryRun || d.Stream == nil || h.r == nil || !h.redisUp(time.Now()) {
		return
	}
	h.counters.Write(counterWrite(camp, vis, d.Stream.Model.ID, d))
}

// counterWrite is what a click routed to stream sid changes in Redis.
func counterWrite(camp *routing.Campaign, vis *visit, sid int64, d *routing.Decision) hot.CounterWrite {
	w := hot.CounterWrite{Visitor: vis.ident, CampaignID: camp.Model.ID, Now: vis.in.Now,
		TTL: time.Duration(max(camp.Model.CookiesTTL, 1)) * time.Hour}
	// Sized once: growing it by append cost three allocations a click.
	w.Mark = make([]routing.UniqKey, 0, len(camp.Needs.Uniq))
	for _, k := range camp.Needs.Uniq {
		if k.Scope != routing.ScopeStream || k.StreamID == sid {
			w.Mark = append(w.Mark, k)
		}
	}
	for _, ls := range camp.Needs.LimitStreams {
		if ls == sid {
			w.LimitStream = sid
		}
	}
	if camp.BindStream {
		b := routing.Binding{StreamID: sid}
		if d.Landing != nil {
			b.LandingID = d.Landing.ID
		}
		if d.Offer != nil {
			b.OfferID = d.Offer.ID
		} else if old := vis.in.Counters.Bound; old.StreamID == sid {
			b.OfferID = old.OfferID // chosen at the landing click: keep it (slo)
		}
		w.Bind = &b
	}
	return w
}

// Drain waits for the counter writes still in flight (each bounded by
// Options.RedisTimeout); call it on shutdown after the server stopped.
func (h *Handler) Drain() {
	if h.counters != nil {
		h.counters.Drain()
	}
}

// validVisitorCode accepts what we mint (32 hex digits) and what other
// trackers plausibly set: 8-64 of [A-Za-z0-9_-].
func validVisitorCode(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// visitorCode reads the visitor's cookie, or mints a code and sets it for
// the campaign's cookies_ttl (not on HEAD: nothing is recorded there).
func (h *Handler) visitorCode(c echo.Context, camp *routing.Campaign, dryRun bool) string {
	if ck, err := c.Cookie(h.opt.CookieName); err == nil && validVisitorCode(ck.Value) {
		return ck.Value
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	var b [128]byte
	buf := append(b[:0], h.opt.CookieName...)
	buf = append(buf, '=')
	start := len(buf)
	buf = hex.AppendEncode(buf, raw[:])
	end := len(buf)
	if dryRun {
		return string(buf[start:end])
	}
	ttl := max(camp.Model.CookiesTTL, 1) * 3600
	buf = append(buf, "; Path=/; Max-Age="...)
	buf = strconv.AppendInt(buf, int64(ttl), 10)
	buf = append(buf, "; HttpOnly; SameSite=Lax"...)
	cookie := string(buf)
	hdr := c.Response().Header()
	hdr["Set-Cookie"] = append(hdr["Set-Cookie"], cookie)
	return cookie[start:end] // the code shares the header's bytes
}

// Package track serves the public tracking link: GET /{alias} resolves the
// campaign from the in-memory snapshot, reads the visitor, routes them through
// the streams, hands the click to the recorder and answers with the stream's
// action. It also serves the landing-to-offer click (/?_lp=1&_token=...) and
// the admin routing simulator. Nothing here runs SQL.
package track

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/snapshot"
	"github.com/kite-tracker/kite/internal/visitor"
)

// ClickRecorder stores clicks; internal/clicks provides the real one.
type ClickRecorder interface {
	Record(c *model.Click) // never blocks on Redis
	RecordLPClick(ctx context.Context, clickID string, at time.Time, offerID int64) error
	Lookup(ctx context.Context, id string) (*model.Click, error) // store.ErrNotFound if unknown
}

// Options tune the tracking handler; zero values are sensible defaults.
type Options struct {
	// AllowPrivate lists networks a `remote` action may fetch from despite
	// the SSRF guard (KITE_S2S_ALLOW_PRIVATE).
	AllowPrivate []netip.Prefix
	// RedisTimeout bounds each counters round trip (default 50 ms).
	RedisTimeout time.Duration
	// RemoteTimeout bounds a `remote` action fetch (default 3 s).
	RemoteTimeout time.Duration
	// CookieName is the visitor code cookie (default "kite_vc").
	CookieName string
	// Currency is the {currency} macro's fallback; empty: the tracker
	// currency from settings.
	Currency string
	// LinkSecret signs the second hop of double_meta; all nodes behind one
	// load balancer must share it. Empty: derived from the postback key
	// (shared through the database), else random per process.
	LinkSecret []byte
	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
	// Rand returns a uniform float in [0,1) (default math/rand/v2).
	Rand func() float64
}

// Handler serves the tracking link. Safe for concurrent use.
type Handler struct {
	opt       Options
	ownSecret bool // Options.LinkSecret was given
	snap      *snapshot.Holder
	vp        *visitor.Parser
	rec       ClickRecorder
	r         *hot.Redis
	log       *slog.Logger
	remote    *remoteFetcher
	bots      atomic.Pointer[botCache]
	// redisDownUntil (unix nanos) skips Redis for a moment after a failure,
	// so a dead Redis costs one timeout per second, not one per click.
	redisDownUntil atomic.Int64
	// noRate holds currencies already logged as lacking a rate.
	noRate sync.Map
	// counters coalesces the Redis traffic of concurrent clicks (nil
	// without Redis).
	counters *hot.Counters
}

// New builds the handler. r may be nil (no counters: every visitor unique).
func New(opt Options, snap *snapshot.Holder, vp *visitor.Parser, rec ClickRecorder, r *hot.Redis, log *slog.Logger) *Handler {
	if opt.RedisTimeout <= 0 {
		opt.RedisTimeout = 50 * time.Millisecond
	}
	if opt.RemoteTimeout <= 0 {
		opt.RemoteTimeout = 3 * time.Second
	}
	if opt.CookieName == "" {
		opt.CookieName = "kite_vc"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Rand == nil {
		opt.Rand = defaultRand
	}
	ownSecret := len(opt.LinkSecret) > 0
	if !ownSecret {
		opt.LinkSecret = make([]byte, 32)
		_, _ = rand.Read(opt.LinkSecret)
	}
	if log == nil {
		log = slog.Default()
	}
	h := &Handler{opt: opt, ownSecret: ownSecret, snap: snap, vp: vp, rec: rec, r: r, log: log,
		remote: newRemoteFetcher(opt.AllowPrivate, opt.RemoteTimeout)}
	if r != nil {
		h.counters = hot.NewCounters(r, opt.RedisTimeout, func(err error) { h.redisFailed(err, time.Now()) })
	}
	return h
}

// Register mounts the public tracking routes. The lead mounts admin,
// postback and the other reserved paths; their static routes win in echo.
func (h *Handler) Register(e *echo.Echo) {
	e.GET("/", h.Root)
	e.HEAD("/", h.Root)
	e.GET("/:alias", h.Click)
	e.HEAD("/:alias", h.Click)
}

// reserved first path segments are never campaign aliases.
var reserved = map[string]bool{
	"admin": true, "admin_api": true, "postback": true, "click_api": true, "lp": true,
	"static": true, "healthz": true, "readyz": true, "metrics": true,
}

// botCache keeps the compiled bot list of one snapshot.
type botCache struct {
	snap *snapshot.Snapshot
	bots *visitor.BotList
}

// botsFor compiles the snapshot's bot list once per snapshot.
func (h *Handler) botsFor(s *snapshot.Snapshot) *visitor.BotList {
	if c := h.bots.Load(); c != nil && c.snap == s {
		return c.bots
	}
	c := &botCache{snap: s, bots: visitor.NewBotList(s.BotList)}
	h.bots.Store(c)
	return c.bots
}

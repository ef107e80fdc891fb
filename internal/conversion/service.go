// Package conversion takes postbacks from affiliate networks: it parses and
// validates them, maps statuses, joins each to its click (or keeps it
// unattributed until the click shows up), applies the conversion rules in one
// SQL transaction together with the S2S postbacks owed to traffic sources,
// and logs every postback received. It also serves the currency rates and the
// postback logs of the admin API.
package conversion

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// ClickFinder finds a recorded click by id (Redis first, then SQL); it
// returns store.ErrNotFound for an unknown id. internal/clicks' Recorder
// satisfies it.
type ClickFinder interface {
	Lookup(ctx context.Context, id string) (*model.Click, error)
}

// Options tune the service; zero values take the defaults.
type Options struct {
	CacheTTL   time.Duration // configuration cache lifetime; default 5s
	JoinEvery  time.Duration // how often RunJoiner looks for clicks; default 10s
	JoinBatch  int           // unattributed conversions looked at per round; default 200
	JoinMaxAge time.Duration // unattributed conversions older than this are left alone; default 30 days
	// MaxConcurrent bounds the postbacks applied at once (default 64): past
	// it requests queue in memory instead of taking every pooled database
	// connection, so the S2S worker and the joiner still get theirs. First
	// postbacks share groupInFlight connections, so only status changes
	// (a tenth of a network's postbacks) hold one each; a larger bound lets
	// more first postbacks share a statement.
	MaxConcurrent int
	// TrustedProxies are the proxies whose X-Forwarded-For / X-Real-IP name
	// the sender (KITE_TRUSTED_PROXIES); empty = the TCP peer is the sender.
	TrustedProxies []netip.Prefix
	// OnOutbox is called (never blocking) after a commit that queued S2S
	// postbacks; wire it to s2s.Worker.Notify for sub-poll delivery latency.
	OnOutbox func()
	// Handoff, when set, takes the S2S rows of new conversions straight to
	// this node's sender (s2s.Worker), which then needs no claim to send
	// them; wire it only when this node runs the S2S worker.
	Handoff Handoff
	// SpoolDir is the local spool of postbacks accepted while the database
	// is unavailable ("" = no spool: such postbacks are refused with 503).
	// One directory per node.
	SpoolDir string
	// SpoolMaxBytes caps the spool (default 256 MiB); past it postbacks are
	// refused with 503 + Retry-After again.
	SpoolMaxBytes int64
	// ReplayEvery is how often RunSpool probes the database while postbacks
	// wait (default 1s).
	ReplayEvery time.Duration
	// QueueAfter (with a spool): a postback not applied within this is
	// queued to the spool and answered, instead of holding the network's
	// request while the box is overloaded (default 3s; p99 is ~25 ms).
	QueueAfter time.Duration
}

func (o *Options) defaults() {
	if o.CacheTTL <= 0 {
		o.CacheTTL = 5 * time.Second
	}
	if o.JoinEvery <= 0 {
		o.JoinEvery = 10 * time.Second
	}
	if o.JoinBatch <= 0 {
		o.JoinBatch = 200
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 64
	}
	if o.JoinMaxAge <= 0 {
		o.JoinMaxAge = 30 * 24 * time.Hour
	}
	if o.SpoolMaxBytes <= 0 {
		o.SpoolMaxBytes = 256 << 20
	}
	if o.ReplayEvery <= 0 {
		o.ReplayEvery = time.Second
	}
	if o.QueueAfter <= 0 {
		o.QueueAfter = 3 * time.Second
	}
}

// Group commit of first postbacks (groupwrite.go): statements running at
// once, and postbacks per statement. One at a time: at 2,000 postbacks/s two
// statements running side by side each took half the batch, and Postgres
// spent 12% more CPU per postback (fewer, larger statements share the fixed
// cost of each); the postbacks' latency did not get worse. A statement
// stuck on a row lock holds the others back for at most QueueAfter, after
// which they are spooled.
const (
	groupInFlight = 1
	groupMaxBatch = 64
)

// Service is the conversion path. It is safe for concurrent use.
type Service struct {
	opt    Options
	st     *store.Store
	db     *gorm.DB // st.DB for transactions and the postback path (txDB)
	redis  *hot.Redis
	clicks ClickFinder
	log    *slog.Logger
	cfg    *configCache
	ids    idBlock       // conversion ids reserved for insertFirst (Postgres)
	group  *groupWriter  // insertFirst's statements, shared by concurrent postbacks
	slots  chan struct{} // MaxConcurrent
	joinMu sync.Mutex
	joinAt int64 // id cursor of the joiner, under joinMu
	// rulesOnly skips insertFirst (tests compare both paths).
	rulesOnly bool

	spool      *postbackSpool // nil without SpoolDir
	spoolM     *spoolMetrics
	fullLogged atomic.Bool // "spool full" logged once per episode
	noRate     sync.Map    // currencies logged as having no rate (once per process)
	unlogged   unloggedLines
}

// NewService builds the service. clicks may be nil: clicks are then looked up
// in SQL only (fine for tests and single-node setups without a recorder).
func NewService(opt Options, st *store.Store, r *hot.Redis, clicks ClickFinder, log *slog.Logger) *Service {
	opt.defaults()
	if log == nil {
		log = slog.Default()
	}
	s := &Service{opt: opt, st: st, db: st.DB, redis: r, log: log.With("component", "conversion")}
	if clicks == nil {
		clicks = sqlClicks{st: st, db: s.db}
	}
	s.clicks = clicks
	s.cfg = &configCache{s: s, ttl: opt.CacheTTL}
	s.slots = make(chan struct{}, opt.MaxConcurrent)
	s.group = &groupWriter{run: s.runBatch, maxInFlight: groupInFlight, maxBatch: groupMaxBatch}
	if opt.SpoolDir != "" {
		sp, err := openPostbackSpool(opt.SpoolDir, opt.SpoolMaxBytes)
		if err != nil {
			s.log.Error("read the postback spool; it will be replayed when readable", "dir", opt.SpoolDir, "err", err)
		}
		s.spool, s.spoolM = sp, newSpoolMetrics(sp)
	}
	return s
}

// Invalidate drops the cached configuration (call on an admin change; the
// cache also expires on its own after CacheTTL).
func (s *Service) Invalidate() { s.cfg.invalidate() }

// Register mounts the public postback endpoints (no auth: the key is in the URL).
func (s *Service) Register(e *echo.Echo) {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		e.Add(m, "/:key/postback", s.HandlePostback)
		e.Add(m, "/postback", s.HandlePostback)
	}
}

// HandlePostback is GET|POST /{key}/postback and /postback?key=. While
// postbacks wait in the spool, a new one queues behind them; one the
// database cannot take now, or not within QueueAfter, is queued too, so
// the network gets a 200.
func (s *Service) HandlePostback(c echo.Context) error {
	r := c.Request()
	at := time.Now().UTC()
	vals, body, bad := readValues(r)
	key := c.Param("key")
	if key == "" {
		key = vals.Get("key")
	}
	pb := Postback{Key: key, Method: r.Method, RemoteIP: s.remoteIP(r), Raw: rawRequest(r, body, key),
		Values: vals, bad: bad}
	res, queued, err := Result{}, false, error(nil)
	if s.spool != nil && s.spool.inBacklog() {
		res, queued, err = s.queue(r.Context(), pb, at, true)
	}
	if !queued && s.spool == nil {
		res, err = s.Process(r.Context(), pb)
	} else if !queued {
		ctx, cancel := context.WithTimeout(r.Context(), s.opt.QueueAfter)
		res, err = s.Process(ctx, pb)
		late := ctx.Err() != nil
		cancel()
		if err != nil && s.outage(r.Context(), err, late) {
			res, _, err = s.queue(r.Context(), pb, at, false)
		}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// rawRequest is the request as logged: method, URI and body, with the key
// masked (the log is readable by every admin user), cut to maxRaw.
func rawRequest(r *http.Request, body []byte, key string) string {
	s := r.Method + " " + r.URL.RequestURI()
	if len(body) > 0 {
		s += "\n" + string(body)
	}
	if len(key) >= 4 {
		s = strings.ReplaceAll(s, key, "***")
	}
	return cut(s, maxRaw, "", nil)
}

// sqlClicks finds clicks in SQL only.
type sqlClicks struct {
	st *store.Store
	db *gorm.DB
}

func (f sqlClicks) Lookup(ctx context.Context, id string) (*model.Click, error) {
	var c model.Click
	q := f.db.WithContext(ctx).Where("id = ?", id)
	if u, err := uuid.Parse(id); err == nil && u.Version() == 7 && f.st.IsPostgres() {
		// created_at is the time inside a UUIDv7: naming it lets Postgres
		// look in one day partition instead of all of them.
		sec, nsec := u.Time().UnixTime()
		at := time.Unix(sec, nsec).UTC()
		q = q.Where("created_at BETWEEN ? AND ?", at.Add(-time.Minute), at.Add(time.Minute))
	}
	err := q.Limit(1).Find(&c).Error
	if err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, store.ErrNotFound
	}
	return &c, nil
}

// isNotFound tells an unknown click from a lookup failure.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// WatchConfig drops the cached configuration whenever a node announces a
// change (hot.PublishConfigChanged), until ctx ends. The TTL covers a
// signal lost while Redis was away.
func (s *Service) WatchConfig(ctx context.Context) error {
	if s.redis == nil {
		<-ctx.Done()
		return nil
	}
	changed := s.redis.SubscribeConfigChanged(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
			s.Invalidate()
		}
	}
}

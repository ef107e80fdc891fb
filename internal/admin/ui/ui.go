// Package ui is the admin web UI for media buyers: server-rendered
// html/template pages with htmx, mounted under /admin. Handlers parse a form,
// call the domain packages (catalog, auth, report, conversion, track) and
// render; no business rule lives here or in the templates.
package ui

import (
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// AccessFunc decides whether u may read (write=false) or change an entity;
// the lead passes auth.Can, THE one access check shared with the admin API.
type AccessFunc func(u *model.User, entity string, write bool, objectID int64, groupID *int64) bool

// Options configure the UI. Store, Users and Catalog are required; the
// report, postback and simulation services are optional and their pages say
// "not connected" until the lead plugs them in.
type Options struct {
	Store    *store.Store
	Users    *auth.Service    // users, passwords, API keys (required)
	Access   AccessFunc       // default auth.Can
	Catalog  *catalog.Catalog // configuration CRUD (required)
	Reports  ReportRunner     // dashboard, report builder, clicks/conversions logs (internal/report)
	Postback PostbackLogs     // received/sent postback logs + resend (internal/conversion)
	Simulate VisitorSimulator // "test a visitor" panel (internal/track)
	Rates    CurrencyRates    // currency rates; default StoreRates on the currency_rates table
	Log      *slog.Logger

	// IdleTimeout ends a session nobody used for this long (default 12h).
	IdleTimeout time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For / X-Forwarded-Proto are believed.
	TrustedProxies []netip.Prefix
	// LoginFailures per LoginWindow, per IP and per account, before logins are refused (default 5 / 15 min).
	LoginFailures int
	LoginWindow   time.Duration
	// TrackerURL is the public base of tracking links and postbacks (e.g. https://trk.example.com);
	// empty = the host the admin was reached on.
	TrackerURL string
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
}

// UI is the admin web UI. Create it with New and mount it with Register.
type UI struct {
	opt      Options
	log      *slog.Logger
	sessions *Sessions
	limiter  *Limiter
	views    *views
	now      func() time.Time
	// rendered, when set (tests), hears the name of every template rendered.
	rendered func(name string)
}

// New checks the options and parses every template once.
func New(opt Options) (*UI, error) {
	if opt.Store == nil || opt.Users == nil || opt.Catalog == nil {
		return nil, errors.New("ui: Store, Users and Catalog are required")
	}
	if opt.Access == nil {
		opt.Access = auth.Can
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 12 * time.Hour
	}
	if opt.LoginFailures <= 0 {
		opt.LoginFailures = 5
	}
	if opt.LoginWindow <= 0 {
		opt.LoginWindow = 15 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	v, err := loadViews()
	if err != nil {
		return nil, err
	}
	return &UI{
		opt:      opt,
		log:      opt.Log.With("component", "admin_ui"),
		sessions: &Sessions{st: opt.Store, idle: opt.IdleTimeout, now: opt.Now},
		limiter:  NewLimiter(opt.LoginFailures, opt.LoginWindow, opt.Now),
		views:    v,
		now:      opt.Now,
	}, nil
}

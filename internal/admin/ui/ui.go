// Package ui is the admin web UI for media buyers: server-rendered
// html/template pages with htmx, mounted under /admin. Handlers parse a form,
// call the domain packages (catalog, auth, report, conversion, track) and
// render; no business rule lives here or in the templates.
package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// AccessFunc decides whether u may read (write=false) or change an entity;
// the lead passes auth.Can, THE one access check shared with the admin API.
type AccessFunc func(u *model.User, entity string, write bool, objectID int64, groupID *int64) bool

// Accounts is what the UI needs from the users domain (internal/auth).
type Accounts interface {
	// Authenticate returns the active user whose password matches, or an error.
	Authenticate(ctx context.Context, login, password string) (*model.User, error)
	// UserByID loads a user (for the session's owner).
	UserByID(ctx context.Context, id int64) (*model.User, error)
	// HasAdmin tells whether an ADMIN user exists (else the first-run screen shows).
	HasAdmin(ctx context.Context) (bool, error)
	// CreateAdmin creates the first ADMIN user.
	CreateAdmin(ctx context.Context, login, password string) (*model.User, error)
	// ChangePassword checks the old password and stores the new one.
	ChangePassword(ctx context.Context, userID int64, oldPassword, newPassword string) error
}

// Options configure the UI. Store, Accounts and Access are required; the
// other domain services are optional and their pages say "not available"
// until the lead plugs them in.
type Options struct {
	Store    *store.Store
	Accounts Accounts
	Access   AccessFunc
	Catalog  *catalog.Catalog // configuration CRUD (required)
	Reports  ReportRunner     // dashboard, report builder, clicks/conversions logs (internal/report)
	Postback PostbackLogs     // received/sent postback logs + resend (internal/conversion)
	Simulate VisitorSimulator // "test a visitor" panel (internal/track)
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
}

// New checks the options and parses every template once.
func New(opt Options) (*UI, error) {
	if opt.Store == nil || opt.Accounts == nil || opt.Access == nil || opt.Catalog == nil {
		return nil, errors.New("ui: Store, Accounts, Access and Catalog are required")
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

package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/report"
)

// Keys of request-scoped values in echo.Context.
const (
	ctxUser    = "ui.user"
	ctxSession = "ui.session"
)

// Page is what every template receives: the layout's needs plus the page's Data.
type Page struct {
	Title     string // catalog key
	Nav       string // active navigation item
	User      *model.User
	CSRF      string
	Flash     string // catalog key of a one-time message
	Lang      string
	Languages []string
	Data      any
}

func currentUser(c echo.Context) *model.User {
	u, _ := c.Get(ctxUser).(*model.User)
	return u
}

func currentSession(c echo.Context) *model.Session {
	s, _ := c.Get(ctxSession).(*model.Session)
	return s
}

// fillPage adds the layout's request-scoped parts.
func (u *UI) fillPage(c echo.Context, p *Page, lang string) {
	p.User = currentUser(c)
	p.Lang, p.Languages = lang, languages
	if s := currentSession(c); s != nil {
		p.CSRF = s.CSRFToken
	} else {
		p.CSRF = u.anonCSRF(c)
	}
	if p.Flash == "" {
		if key := cookieValue(c, flashCookie); key != "" {
			if _, known := u.views.messages[languages[0]][key]; known {
				p.Flash = key // only catalog keys: a forged cookie cannot inject text
			}
			u.setCookie(c, flashCookie, "", -1)
		}
	}
}

// flash shows key once on the next page.
func (u *UI) flash(c echo.Context, key string) { u.setCookie(c, flashCookie, key, 60) }

// loadSession attaches the session and its user, if the cookie names a live one.
func (u *UI) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		sess, err := u.sessions.Lookup(ctx, cookieValue(c, sessionCookie))
		if err != nil && !errors.Is(err, ErrNoSession) {
			u.log.Error("session lookup", "err", err)
		}
		if sess != nil {
			user, err := u.opt.Users.GetUser(ctx, sess.UserID)
			if err == nil && user.State == model.StateActive {
				c.Set(ctxSession, sess)
				c.Set(ctxUser, user)
				if err := u.scopeReports(c, user); err != nil {
					return err
				}
			}
		}
		return next(c)
	}
}

// scopeReports limits every report, log and dashboard figure the page
// shows to the campaigns the user may see (auth.Service.CampaignScope).
func (u *UI) scopeReports(c echo.Context, user *model.User) error {
	ctx := c.Request().Context()
	ids, limited, err := u.opt.Users.CampaignScope(ctx, user)
	if err != nil {
		u.log.Error("campaign scope", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "error.unavailable")
	}
	if limited {
		c.SetRequest(c.Request().WithContext(report.WithCampaigns(ctx, ids)))
	}
	return nil
}

// checkCSRF refuses a state-changing request without the right token: the
// session's token when logged in, the double-submit cookie before login.
func (u *UI) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !unsafeMethod(c.Request().Method) {
			return next(c)
		}
		want := cookieValue(c, anonCSRFCookie)
		if s := currentSession(c); s != nil {
			want = s.CSRFToken
		}
		if !tokensEqual(want, submittedCSRF(c)) {
			return echo.NewHTTPError(http.StatusForbidden, "error.csrf")
		}
		return next(c)
	}
}

// requireLogin sends anonymous visitors to the login page (htmx gets a 401
// with HX-Redirect, so a fragment swap does not put the login page in a table cell).
func (u *UI) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		req := c.Request()
		login := "/admin/login"
		if req.Method == http.MethodGet {
			login += "?next=" + url.QueryEscape(req.URL.RequestURI())
		}
		if req.Header.Get("HX-Request") != "" {
			c.Response().Header().Set("HX-Redirect", login)
			return c.NoContent(http.StatusUnauthorized)
		}
		if req.Method != http.MethodGet {
			return echo.NewHTTPError(http.StatusUnauthorized, "error.login_required")
		}
		return c.Redirect(http.StatusSeeOther, login)
	}
}

// requireAccess asks THE access check (auth.Can) whether the user may read or
// write entity; the object id comes from the route's :id when it has one.
func (u *UI) requireAccess(entity string, write bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
			if !u.opt.Access(currentUser(c), entity, write, id, nil) {
				return echo.NewHTTPError(http.StatusForbidden, "error.forbidden")
			}
			return next(c)
		}
	}
}

// errorPage renders an error as the UI's error page. Messages are catalog
// keys; anything else (a raw error) is logged and shown as a generic failure.
func (u *UI) errorPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		code, key := http.StatusInternalServerError, "error.internal"
		var he *echo.HTTPError
		if errors.As(err, &he) {
			code = he.Code
			key = statusText(code)
			if msg, ok := he.Message.(string); ok {
				if _, known := u.views.messages[languages[0]][msg]; known {
					key = msg
				}
			}
		}
		if code >= 500 {
			u.log.Error("admin ui", "method", c.Request().Method, "path", c.Path(), "err", err)
		}
		if c.Request().Header.Get("HX-Request") != "" {
			c.Response().Header().Set("HX-Retarget", "#flash")
			c.Response().Header().Set("HX-Reswap", "innerHTML")
		}
		rerr := u.render(c, code, "error", &Page{Title: statusText(code), Data: map[string]any{"Code": code, "Message": key}})
		if rerr != nil {
			u.log.Error("admin ui error page", "err", rerr)
			return c.String(code, http.StatusText(code))
		}
		return nil
	}
}

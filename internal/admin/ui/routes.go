package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/web"
)

// Route is one line of the UI route table: who may call it is on the line.
type Route struct {
	Method  string
	Path    string // under /admin
	Entity  string // auth.Can entity; Public = no login; AnyUser = any logged-in user
	Write   bool
	Handler echo.HandlerFunc
}

// Access levels of a route besides an auth.Can entity.
const (
	Public  = "-"
	AnyUser = "*"
)

const (
	read  = false
	write = true
	GET   = http.MethodGet
	POST  = http.MethodPost
)

// Routes is the whole UI, top to bottom. Every POST also passes the CSRF check.
func (u *UI) Routes() []Route {
	return []Route{
		{GET, "/login", Public, read, u.loginForm},
		{POST, "/login", Public, write, u.login},
		{GET, "/setup", Public, read, u.setupForm},
		{POST, "/setup", Public, write, u.setup},
		{POST, "/logout", AnyUser, write, u.logout},
		{POST, "/lang", Public, write, u.setLanguage},
		{GET, "/password", AnyUser, read, u.passwordForm},
		{POST, "/password", AnyUser, write, u.changePassword},

		{GET, "/", "reports", read, u.dashboard},
	}
}

// Register mounts the UI under /admin: static assets, then every route of
// Routes wrapped with the error page, session, CSRF, login and access checks.
func (u *UI) Register(e *echo.Echo) {
	e.GET("/admin", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/admin/") })
	static := http.StripPrefix("/admin/static/", http.FileServer(http.FS(web.Static)))
	e.GET("/admin/static/*", echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		static.ServeHTTP(w, r)
	})))
	g := e.Group("/admin", securityHeaders, u.errorPage, u.loadSession, u.checkCSRF)
	for _, r := range u.Routes() {
		g.Add(r.Method, r.Path, r.Handler, u.guard(r)...)
	}
}

// guard is the login and access wrapper of one route.
func (u *UI) guard(r Route) []echo.MiddlewareFunc {
	switch r.Entity {
	case Public:
		return nil
	case AnyUser:
		return []echo.MiddlewareFunc{u.requireLogin}
	}
	return []echo.MiddlewareFunc{u.requireLogin, u.requireAccess(r.Entity, r.Write)}
}

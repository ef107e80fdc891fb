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
	campaigns, streams := u.campaignsResource(), u.streamsResource()
	offers, landings := u.offersResource(), u.landingsResource()
	networks, sources := u.networksResource(), u.sourcesResource()
	return []Route{
		{GET, "/login", Public, read, u.loginForm},
		{POST, "/login", Public, write, u.login},
		{GET, "/setup", Public, read, u.setupForm},
		{POST, "/setup", Public, write, u.setup},
		{POST, "/lang", Public, write, u.setLanguage},
		{POST, "/logout", AnyUser, write, u.logout},
		{GET, "/password", AnyUser, read, u.passwordForm},
		{POST, "/password", AnyUser, write, u.changePassword},

		{GET, "/", "reports", read, u.dashboard},

		{GET, "/campaigns", "campaigns", read, u.campaignList},
		{GET, "/campaigns/new", "campaigns", write, u.newForm(campaigns)},
		{POST, "/campaigns", "campaigns", write, u.saveForm(campaigns)},
		{GET, "/campaigns/:id", "campaigns", read, u.editForm(campaigns)},
		{POST, "/campaigns/:id", "campaigns", write, u.saveForm(campaigns)},
		{POST, "/campaigns/:id/state", "campaigns", write, u.setState(campaigns)},
		{POST, "/campaigns/:id/clone", "campaigns", write, u.cloneObject(campaigns)},
		{POST, "/campaigns/:id/simulate", "campaigns", read, u.simulate},
		{POST, "/campaigns/:id/streams/order", "streams", write, u.reorderStreams},
		{GET, "/campaigns/:id/streams/new", "streams", write, u.streamNewForm},
		{POST, "/campaigns/:id/streams", "streams", write, u.streamSave(true)},
		{GET, "/streams/:id", "streams", read, u.streamEdit},
		{POST, "/streams/:id", "streams", write, u.streamSave(false)},
		{POST, "/streams/:id/state", "streams", write, u.setState(streams)},

		{GET, "/groups", "campaigns", read, u.groupsPage},               // also checks the group type's entity
		{POST, "/groups", "campaigns", write, u.createGroup},            // also checks the group type's entity
		{POST, "/groups/:id/delete", "campaigns", write, u.deleteGroup}, // also checks the group type's entity

		{GET, "/offers", "offers", read, u.listPage(offers)},
		{GET, "/offers/new", "offers", write, u.newForm(offers)},
		{POST, "/offers", "offers", write, u.saveForm(offers)},
		{GET, "/offers/:id", "offers", read, u.editForm(offers)},
		{POST, "/offers/:id", "offers", write, u.saveForm(offers)},
		{POST, "/offers/:id/state", "offers", write, u.setState(offers)},
		{POST, "/offers/:id/clone", "offers", write, u.cloneObject(offers)},

		{GET, "/landings", "landings", read, u.listPage(landings)},
		{GET, "/landings/new", "landings", write, u.newForm(landings)},
		{POST, "/landings", "landings", write, u.saveForm(landings)},
		{GET, "/landings/:id", "landings", read, u.editForm(landings)},
		{POST, "/landings/:id", "landings", write, u.saveForm(landings)},
		{POST, "/landings/:id/state", "landings", write, u.setState(landings)},
		{POST, "/landings/:id/clone", "landings", write, u.cloneObject(landings)},

		{GET, "/affiliate_networks", "affiliate_networks", read, u.listPage(networks)},
		{GET, "/affiliate_networks/new", "affiliate_networks", write, u.newForm(networks)},
		{POST, "/affiliate_networks", "affiliate_networks", write, u.saveForm(networks)},
		{GET, "/affiliate_networks/:id", "affiliate_networks", read, u.editForm(networks)},
		{POST, "/affiliate_networks/:id", "affiliate_networks", write, u.saveForm(networks)},
		{POST, "/affiliate_networks/:id/state", "affiliate_networks", write, u.setState(networks)},
		{POST, "/affiliate_networks/:id/clone", "affiliate_networks", write, u.cloneObject(networks)},

		{GET, "/traffic_sources", "traffic_sources", read, u.listPage(sources)},
		{GET, "/traffic_sources/new", "traffic_sources", write, u.newForm(sources)},
		{POST, "/traffic_sources", "traffic_sources", write, u.saveForm(sources)},
		{GET, "/traffic_sources/:id", "traffic_sources", read, u.editForm(sources)},
		{POST, "/traffic_sources/:id", "traffic_sources", write, u.saveForm(sources)},
		{POST, "/traffic_sources/:id/state", "traffic_sources", write, u.setState(sources)},
		{POST, "/traffic_sources/:id/clone", "traffic_sources", write, u.cloneObject(sources)},

		{GET, "/reports", "reports", read, u.reportsPage},
		{GET, "/reports/export.csv", "reports", read, u.reportCSV},
		{POST, "/reports/save", "reports", read, u.saveReport},                    // a user's own saved reports
		{POST, "/reports/saved/:id/delete", "reports", read, u.deleteSavedReport}, // only their own

		{GET, "/logs/clicks", "logs", read, u.clicksLog},
		{GET, "/logs/conversions", "logs", read, u.conversionsLog},
		{GET, "/logs/postbacks", "logs", read, u.receivedLog},
		{GET, "/logs/s2s", "logs", read, u.sentLog},
		{POST, "/logs/s2s/:id/resend", "logs", write, u.resend},

		{GET, "/users", "users", read, u.usersPage},
		{GET, "/users/new", "users", write, u.userNewForm},
		{POST, "/users", "users", write, u.saveUser},
		{GET, "/users/:id", "users", read, u.userEditForm},
		{POST, "/users/:id", "users", write, u.saveUser},
		{POST, "/users/:id/api_keys", "users", write, u.createAPIKey},
		{POST, "/users/:id/api_keys/:key/revoke", "users", write, u.revokeAPIKey},

		{GET, "/settings", "settings", read, u.settingsPage},
		{POST, "/settings", "settings", write, u.saveSettings},
		{POST, "/settings/postback_key", "settings", write, u.regeneratePostbackKey},
		{POST, "/settings/rates", "settings", write, u.saveRate},
		{POST, "/settings/bots", "settings", write, u.editBots},
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

// Package api is the admin API at /admin_api/v1: Keitaro's resources and field
// names over JSON, authorised by the Api-Key header. Handlers parse into the
// catalog's request structs, call the catalog or auth, and respond; every
// access decision is auth.Can, applied by the route table.
//
// Beyond Keitaro's paths: /users/me/api_keys (GET list, POST create,
// DELETE /users/me/api_keys/:id revoke) lets every active user, a USER too,
// manage their own API keys; /users/:id/api_keys and /api_keys/:id are the
// ADMIN's view of everyone's. group_id is accepted as a number or a string.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// Base is where the admin API is mounted.
const Base = "/admin_api/v1"

// Route is one line of the route table: method, path (relative to Base, with
// :id style parameters), handler, the auth.Can entity it touches (e.g.
// "reports", "logs", "campaigns"; "" means ADMIN only) and whether it writes.
// Handlers may return catalog errors; they are mapped to 404/409/422.
type Route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	Entity  string
	Write   bool
}

// API serves /admin_api/v1.
type API struct {
	cat   *catalog.Catalog
	users *auth.Service
	log   *slog.Logger
}

// New returns the admin API over the catalog and the user service.
func New(cat *catalog.Catalog, users *auth.Service, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	return &API{cat: cat, users: users, log: log}
}

// Register mounts the route table plus extra routes (other packages'
// handlers, e.g. report/build) under Base, each behind the Api-Key check and
// the access check of its entity.
func (a *API) Register(e *echo.Echo, extra ...Route) {
	g := e.Group(Base, a.requireKey)
	for _, r := range append(a.routes(), extra...) {
		g.Add(r.Method, r.Path, a.guard(r))
	}
}

const userKey = "kite.user"

// UserFrom returns the caller authenticated by the Api-Key middleware.
func UserFrom(c echo.Context) *model.User {
	u, _ := c.Get(userKey).(*model.User)
	return u
}

// requireKey authenticates the Api-Key header; the key itself is never logged.
func (a *API) requireKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Api-Key")
		if key == "" {
			return echo.NewHTTPError(http.StatusUnauthorized, "missing Api-Key header")
		}
		u, err := a.users.UserForAPIKey(c.Request().Context(), key)
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return echo.NewHTTPError(http.StatusUnauthorized, "invalid API key")
		}
		if err != nil {
			a.log.Error("admin api: api key lookup", "err", err)
			return echo.NewHTTPError(http.StatusServiceUnavailable, "authentication unavailable")
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// guard applies auth.Can for the route's entity, then runs the handler and
// turns domain errors into HTTP errors.
func (a *API) guard(r Route) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := UserFrom(c)
		objectID, groupID := a.scope(c.Request().Context(), u, r.Entity, c.Param("id"))
		if !auth.Can(u, r.Entity, r.Write, objectID, groupID) {
			return echo.NewHTTPError(http.StatusForbidden, "access denied")
		}
		return a.fail(c, r.Handler(c))
	}
}

// scope finds the object a route's :id names and its group, for users whose
// access depends on the object (ADMIN needs no lookup).
func (a *API) scope(ctx context.Context, u *model.User, entity, param string) (int64, *int64) {
	id, err := strconv.ParseInt(param, 10, 64)
	if err != nil || id <= 0 || u == nil || u.Type == model.UserTypeAdmin {
		return 0, nil
	}
	switch entity {
	case auth.EntityCampaigns:
		if m, err := a.cat.GetCampaign(ctx, id); err == nil {
			return id, m.GroupID
		}
	case auth.EntityStreams:
		if s, err := a.cat.GetStream(ctx, id); err == nil {
			if m, err := a.cat.GetCampaign(ctx, s.CampaignID); err == nil {
				return m.ID, m.GroupID
			}
		}
	case auth.EntityOffers:
		if m, err := a.cat.GetOffer(ctx, id); err == nil {
			return id, m.GroupID
		}
	case auth.EntityLandings:
		if m, err := a.cat.GetLanding(ctx, id); err == nil {
			return id, m.GroupID
		}
	}
	return id, nil
}

// fail maps an error from a handler to the response: typed domain errors to
// 404/409/422 with a safe message, anything unknown to a logged 500.
func (a *API) fail(c echo.Context, err error) error {
	if err == nil {
		return nil
	}
	var he *echo.HTTPError
	var ve *catalog.ValidationError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &ve):
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{"error": ve.Error(), "fields": ve.Fields})
	case errors.Is(err, catalog.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	case errors.Is(err, catalog.ErrConflict):
		return echo.NewHTTPError(http.StatusConflict, err.Error())
	case errors.Is(err, auth.ErrInvalidCredentials):
		return echo.NewHTTPError(http.StatusUnauthorized, "invalid credentials")
	case errors.Is(err, context.Canceled):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "request cancelled")
	}
	a.log.Error("admin api", "method", c.Request().Method, "path", c.Path(), "err", err)
	return echo.NewHTTPError(http.StatusInternalServerError, "internal error")
}

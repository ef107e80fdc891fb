package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// The caller's own API keys, at /users/me/api_keys: any active user, ADMIN
// or USER, lists, creates and revokes their own keys there. Another user's
// key id reads as 404.

func (a *API) listOwnAPIKeys(c echo.Context) error {
	out, err := a.users.ListAPIKeys(c.Request().Context(), UserFrom(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

// createOwnAPIKey answers the one response that ever shows the key in clear.
func (a *API) createOwnAPIKey(c echo.Context) error {
	var req apiKeyRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	out, err := a.users.CreateAPIKey(c.Request().Context(), UserFrom(c).ID, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) revokeOwnAPIKey(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	out, err := a.users.RevokeOwnAPIKey(c.Request().Context(), UserFrom(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

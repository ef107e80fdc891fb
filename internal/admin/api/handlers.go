package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// listCampaigns shows a USER with selected access only their campaigns.
func (a *API) listCampaigns(c echo.Context) error {
	state, err := stateQuery(c)
	if err != nil {
		return err
	}
	out, err := a.cat.ListCampaigns(c.Request().Context(), state)
	if err != nil {
		return err
	}
	u := UserFrom(c)
	out = slices.DeleteFunc(out, func(m model.Campaign) bool { return !auth.Can(u, campaigns, read, m.ID, m.GroupID) })
	return c.JSON(http.StatusOK, nonNil(out))
}

// listOffers shows a USER with selected access only their offers.
func (a *API) listOffers(c echo.Context) error {
	state, err := stateQuery(c)
	if err != nil {
		return err
	}
	out, err := a.cat.ListOffers(c.Request().Context(), state)
	if err != nil {
		return err
	}
	u := UserFrom(c)
	out = slices.DeleteFunc(out, func(m model.Offer) bool { return !auth.Can(u, offers, read, m.ID, m.GroupID) })
	return c.JSON(http.StatusOK, nonNil(out))
}

// campaignStreams lists a campaign's streams (?state= as for every list).
func (a *API) campaignStreams(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	state, err := stateQuery(c)
	if err != nil {
		return err
	}
	out, err := a.cat.ListStreams(c.Request().Context(), id, state)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

// listGroups lists groups, optionally of one ?type=.
func (a *API) listGroups(c echo.Context) error {
	typ := c.QueryParam("type")
	if typ != "" && !slices.Contains(catalog.GroupTypes, typ) {
		return catalog.Invalid("type", "must be one of campaigns, offers, landings, sources")
	}
	out, err := a.cat.ListGroups(c.Request().Context(), typ)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

func (a *API) deleteGroup(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := a.cat.DeleteGroup(c.Request().Context(), id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true})
}

// botListResponse is the bot list as Keitaro shows it (one entry per line)
// plus the entries themselves.
type botListResponse struct {
	Value   string               `json:"value"`
	Entries []model.BotListEntry `json:"entries"`
}

func (a *API) getBotList(c echo.Context) error {
	out, err := a.cat.ListBots(c.Request().Context())
	if err != nil {
		return err
	}
	resp := botListResponse{Entries: nonNil(out)}
	for i, e := range out {
		if i > 0 {
			resp.Value += "\n"
		}
		resp.Value += e.Value
	}
	return c.JSON(http.StatusOK, resp)
}

func (a *API) botListChange(fn func(context.Context, catalog.BotListRequest) (int, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req catalog.BotListRequest
		if err := bind(c, &req); err != nil {
			return err
		}
		n, err := fn(c.Request().Context(), req)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "count": n})
	}
}

func (a *API) clearBotList(c echo.Context) error {
	if err := a.cat.ClearBots(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true})
}

func (a *API) getSettings(c echo.Context) error {
	out, err := a.cat.GetSettings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) regeneratePostbackKey(c echo.Context) error {
	out, err := a.cat.RegeneratePostbackKey(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listUsers(c echo.Context) error {
	out, err := a.users.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

// apiKeyRequest names a new key.
type apiKeyRequest struct {
	Name string `json:"name"`
}

// createAPIKey answers the one response that ever shows a key in clear.
func (a *API) createAPIKey(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req apiKeyRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	out, err := a.users.CreateAPIKey(c.Request().Context(), id, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

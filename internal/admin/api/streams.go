package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/model"
)

// listDeletedStreams is Keitaro's /streams/deleted.
func (a *API) listDeletedStreams(c echo.Context) error {
	out, err := a.cat.ListDeletedStreams(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(a.visibleStreams(c, out)))
}

// searchStreams is Keitaro's /streams/search?query=.
func (a *API) searchStreams(c echo.Context) error {
	out, err := a.cat.SearchStreams(c.Request().Context(), c.QueryParam("query"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(a.visibleStreams(c, out)))
}

// visibleStreams drops the streams whose campaign the caller may not read:
// a stream's access is its campaign's.
func (a *API) visibleStreams(c echo.Context, in []model.Stream) []model.Stream {
	u := UserFrom(c)
	if u != nil && u.Type == model.UserTypeAdmin {
		return in
	}
	groups := map[int64]*int64{}
	return slices.DeleteFunc(in, func(s model.Stream) bool {
		g, ok := groups[s.CampaignID]
		if !ok {
			g = a.campaignGroup(c.Request().Context(), s.CampaignID)
			groups[s.CampaignID] = g
		}
		return !auth.Can(u, streams, read, s.CampaignID, g)
	})
}

func (a *API) campaignGroup(ctx context.Context, id int64) *int64 {
	if m, err := a.cat.GetCampaign(ctx, id); err == nil {
		return m.GroupID
	}
	return nil
}

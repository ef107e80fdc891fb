package clicks

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/kite-tracker/kite/internal/store"
	"github.com/labstack/echo/v4"
)

// ClickHandler serves GET /admin_api/v1/clicks/:subid: the click as JSON,
// found wherever it is right now (memory, Redis, SQL, spool).
func ClickHandler(rec *Recorder) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok := canonicalID(c.Param("subid"))
		if !ok {
			return echo.NewHTTPError(http.StatusBadRequest, "malformed click id (sub_id)")
		}
		click, err := rec.Lookup(c.Request().Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return echo.NewHTTPError(http.StatusNotFound, "click not found")
		case err != nil:
			slog.Error("click lookup failed", "click_id", id, "err", err)
			return echo.NewHTTPError(http.StatusServiceUnavailable, "click storage unavailable, retry later")
		}
		return c.JSON(http.StatusOK, click)
	}
}

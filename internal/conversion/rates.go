package conversion

import (
	"math"
	"net/http"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm/clause"
)

// ratesResponse lists the rates with the tracker currency they convert into.
type ratesResponse struct {
	Currency string               `json:"currency"`
	Rates    []model.CurrencyRate `json:"rates"`
}

// ListRates is GET /admin_api/v1/currency_rates.
func (s *Service) ListRates(c echo.Context) error {
	ctx := c.Request().Context()
	snap, err := s.cfg.get(ctx)
	if err != nil {
		s.log.Error("load config", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	rates := []model.CurrencyRate{}
	if err := s.st.DB.WithContext(ctx).Order("currency").Find(&rates).Error; err != nil {
		s.log.Error("list currency rates", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	return c.JSON(http.StatusOK, ratesResponse{Currency: snap.currency, Rates: rates})
}

// putRateRequest is the body of PUT /currency_rates/:currency.
type putRateRequest struct {
	Currency string  `json:"-"`
	Rate     float64 `json:"rate"`
}

// Validate checks the code and that the rate is a usable positive number.
func (r *putRateRequest) Validate() error {
	if r.Currency = normCurrency(r.Currency); r.Currency == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "currency must be an ISO 4217 code like EUR")
	}
	if math.IsNaN(r.Rate) || math.IsInf(r.Rate, 0) || r.Rate <= 0 || r.Rate > 1e9 {
		return echo.NewHTTPError(http.StatusBadRequest, "rate must be a positive number")
	}
	return nil
}

// PutRate is PUT /admin_api/v1/currency_rates/:currency {"rate": n}: one unit
// of the currency is worth rate units of the tracker currency.
func (s *Service) PutRate(c echo.Context) error {
	var req putRateRequest
	if err := c.Bind(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid JSON body")
	}
	req.Currency = c.Param("currency")
	if err := req.Validate(); err != nil {
		return err
	}
	row := model.CurrencyRate{Currency: req.Currency, Rate: req.Rate, UpdatedAt: time.Now().UTC()}
	err := s.st.DB.WithContext(c.Request().Context()).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "currency"}},
		DoUpdates: clause.AssignmentColumns([]string{"rate", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		s.log.Error("save currency rate", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	s.Invalidate()
	return c.JSON(http.StatusOK, row)
}

// DeleteRate is DELETE /admin_api/v1/currency_rates/:currency.
func (s *Service) DeleteRate(c echo.Context) error {
	cur := normCurrency(c.Param("currency"))
	if cur == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "currency must be an ISO 4217 code like EUR")
	}
	res := s.st.DB.WithContext(c.Request().Context()).Where("currency = ?", cur).Delete(&model.CurrencyRate{})
	if res.Error != nil {
		s.log.Error("delete currency rate", "err", res.Error)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	if res.RowsAffected == 0 {
		return echo.NewHTTPError(http.StatusNotFound, "no rate for "+cur)
	}
	s.Invalidate()
	return c.NoContent(http.StatusNoContent)
}

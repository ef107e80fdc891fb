package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm/clause"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// CurrencyRates reads and sets the conversion rates into the tracker currency.
type CurrencyRates interface {
	List(ctx context.Context) ([]model.CurrencyRate, error)
	Set(ctx context.Context, currency string, rate float64) error
}

// StoreRates keeps rates in the currency_rates table; it is the default
// CurrencyRates until a rates service exists.
type StoreRates struct{ St *store.Store }

// List returns every rate by currency code.
func (s StoreRates) List(ctx context.Context) ([]model.CurrencyRate, error) {
	var out []model.CurrencyRate
	return out, s.St.DB.WithContext(ctx).Order("currency").Find(&out).Error
}

// Set upserts one rate; a rate of 0 deletes it.
func (s StoreRates) Set(ctx context.Context, currency string, rate float64) error {
	db := s.St.DB.WithContext(ctx)
	if rate == 0 {
		return db.Where("currency = ?", currency).Delete(&model.CurrencyRate{}).Error
	}
	row := model.CurrencyRate{Currency: currency, Rate: rate}
	return db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "currency"}},
		DoUpdates: clause.AssignmentColumns([]string{"rate", "updated_at"})}).Create(&row).Error
}

type settingsData struct {
	Settings *catalog.Settings
	Fields   []formField
	Errors   catalog.FieldErrors
	Rates    []model.CurrencyRate
	Bots     []model.BotListEntry
	BotError string
	Example  string // a postback URL with the key, to show what it is for
}

var settingsFields = []fieldSpec{
	{Name: "currency", Label: "field.currency", Kind: kindText, Required: true},
	{Name: "timezone", Label: "field.timezone", Kind: kindText, Required: true, Hint: "hint.timezone"},
	{Name: "trusted_proxies", Label: "field.trusted_proxies", Kind: kindLines, Wide: true, Hint: "hint.trusted_proxies"},
}

func (u *UI) rates() CurrencyRates {
	if u.opt.Rates != nil {
		return u.opt.Rates
	}
	return StoreRates{u.opt.Store}
}

func (u *UI) settingsPage(c echo.Context) error {
	return u.renderSettings(c, nil, nil, "", http.StatusOK)
}

func (u *UI) renderSettings(c echo.Context, values map[string]string, errs catalog.FieldErrors, botErr string, code int) error {
	ctx := c.Request().Context()
	s, err := u.opt.Catalog.GetSettings(ctx)
	if err != nil {
		return err
	}
	if values == nil {
		values = valuesOf(settingsFields, s)
	}
	d := &settingsData{Settings: s, Fields: buildForm(settingsFields, values, errs), Errors: errs, BotError: botErr,
		Example: u.trackerBase(c) + "/" + s.PostbackKey + "/postback?subid={subid}&status={status}&payout={payout}"}
	d.Rates, _ = u.rates().List(ctx)
	d.Bots, _ = u.opt.Catalog.ListBots(ctx)
	return u.render(c, code, "settings", &Page{Title: "nav.settings", Nav: "settings", Data: d})
}

func (u *UI) saveSettings(c echo.Context) error {
	form, _ := c.FormParams()
	doc, errs := parseForm(settingsFields, form)
	if len(errs) == 0 {
		var req catalog.SettingsRequest
		err := decodeRequest(doc, &req)
		if err == nil {
			_, err = u.opt.Catalog.UpdateSettings(c.Request().Context(), req)
		}
		if err == nil {
			u.flash(c, "form.saved")
			return c.Redirect(http.StatusSeeOther, "/admin/settings")
		}
		var ok bool
		if errs, ok = fieldErrors(err, settingsFields); !ok {
			return err
		}
	}
	return u.renderSettings(c, formValues(settingsFields, form), errs, "", http.StatusUnprocessableEntity)
}

func (u *UI) regeneratePostbackKey(c echo.Context) error {
	if _, err := u.opt.Catalog.RegeneratePostbackKey(c.Request().Context()); err != nil {
		return err
	}
	u.flash(c, "settings.key_regenerated")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}

// saveRate sets one currency rate (0 removes it).
func (u *UI) saveRate(c echo.Context) error {
	cur := strings.ToUpper(strings.TrimSpace(c.FormValue("currency")))
	rate, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(c.FormValue("rate")), ",", "."), 64)
	if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || err != nil || rate < 0 || rate > 1e9 {
		return u.renderSettings(c, nil, catalog.FieldErrors{"rate": "settings.bad_rate"}, "", http.StatusUnprocessableEntity)
	}
	if err := u.rates().Set(c.Request().Context(), cur, rate); err != nil {
		return err
	}
	u.flash(c, "form.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#rates")
}

// editBots adds entries to, or excludes them from, the bot list.
func (u *UI) editBots(c echo.Context) error {
	ctx := c.Request().Context()
	req := catalog.BotListRequest{Value: c.FormValue("value"), Kind: c.FormValue("kind")}
	var err error
	if c.FormValue("op") == "exclude" {
		_, err = u.opt.Catalog.ExcludeBots(ctx, req)
	} else {
		_, err = u.opt.Catalog.AddBots(ctx, req)
	}
	if errs, ok := fieldErrors(err, nil); ok {
		var msgs []string
		for k, m := range errs {
			if k != "" {
				msgs = append(msgs, k+": "+m)
			} else {
				msgs = append(msgs, m)
			}
		}
		return u.renderSettings(c, nil, nil, strings.Join(msgs, "; "), http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	u.flash(c, "form.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/settings#bots")
}

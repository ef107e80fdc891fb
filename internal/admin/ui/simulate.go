package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// simulateData is the "test a visitor" answer fragment.
type simulateData struct {
	Available bool
	Error     string
	Result    *SimulationResult
}

// simulate routes the described visitor through the campaign (nothing is
// recorded) and answers an htmx fragment with the stream chosen and why.
func (u *UI) simulate(c echo.Context) error {
	campaignID, err := u.campaignParam(c)
	if err != nil {
		return err
	}
	d := &simulateData{Available: u.opt.Simulate != nil}
	if d.Available {
		v := TestVisitor{IP: strings.TrimSpace(c.FormValue("ip")), UserAgent: c.FormValue("user_agent"),
			Referrer: c.FormValue("referrer"), Language: strings.TrimSpace(c.FormValue("language"))}
		v.Params = parseParams(c.FormValue("params"))
		d.Result, err = u.opt.Simulate.Simulate(c.Request().Context(), campaignID, v)
		if err != nil {
			d.Result, d.Error = nil, reportErrorMessage(err)
			u.log.Info("simulate", "campaign", campaignID, "err", err)
		}
	}
	return u.fragment(c, http.StatusOK, "simulate_result", d)
}

// parseParams reads "a=1&b=2" (a query string, with or without "?").
func parseParams(s string) map[string]string {
	q, err := url.ParseQuery(strings.TrimPrefix(strings.TrimSpace(s), "?"))
	if err != nil || len(q) == 0 {
		return nil
	}
	out := make(map[string]string, len(q))
	for k, v := range q {
		if len(out) >= 50 {
			break
		}
		out[k] = v[0]
	}
	return out
}

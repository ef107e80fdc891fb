package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/model"
)

// savedReportView is a saved report as a link.
type savedReportView struct {
	ID   int64
	Name string
	Link string
}

// savedRequest is what saved_reports.request holds: the report builder's
// query string, and the same report as an API request for scripts.
type savedRequest struct {
	Query   string      `json:"ui_query"`
	Request ReportQuery `json:"request"`
}

// savedReports lists the current user's saved reports, newest first.
func (u *UI) savedReports(c echo.Context) ([]savedReportView, error) {
	var rows []model.SavedReport
	err := u.opt.Store.DB.WithContext(c.Request().Context()).Where("user_id = ?", currentUser(c).ID).
		Order("id DESC").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]savedReportView, 0, len(rows))
	for _, r := range rows {
		var s savedRequest
		_ = r.Request.Decode(&s)
		out = append(out, savedReportView{ID: r.ID, Name: r.Name, Link: "/admin/reports?" + s.Query})
	}
	return out, nil
}

// saveReport keeps the current report under a name.
func (u *UI) saveReport(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || len(name) > 255 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "reports.name_required")
	}
	q, err := url.ParseQuery(c.FormValue("query"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "error.bad_request")
	}
	f := readReportForm(q, u.timezone(c))
	doc, _ := json.Marshal(savedRequest{Query: f.values().Encode(), Request: f.query(1000)})
	row := &model.SavedReport{UserID: currentUser(c).ID, Name: name, Request: model.JSONText(doc), CreatedAt: u.now().UTC()}
	if err := u.opt.Store.DB.WithContext(c.Request().Context()).Create(row).Error; err != nil {
		return err
	}
	u.flash(c, "reports.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/reports?"+f.values().Encode())
}

// deleteSavedReport removes one of the user's own saved reports.
func (u *UI) deleteSavedReport(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	res := u.opt.Store.DB.WithContext(c.Request().Context()).
		Where("id = ? AND user_id = ?", id, currentUser(c).ID).Delete(&model.SavedReport{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	u.flash(c, "reports.deleted")
	return c.Redirect(http.StatusSeeOther, "/admin/reports")
}

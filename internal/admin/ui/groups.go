package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// groupEntity is the auth.Can entity whose objects a group type folds.
var groupEntity = map[string]string{"campaigns": "campaigns", "offers": "offers", "landings": "landings", "sources": "traffic_sources"}

type groupsData struct {
	Type   string
	Types  []string
	Groups []model.Group
	Error  string
	Name   string
	Write  bool
}

// groupType reads ?type= (or the form's type), campaigns by default.
func groupType(c echo.Context) string {
	t := c.QueryParam("type")
	if t == "" {
		t = c.FormValue("type")
	}
	if _, ok := groupEntity[t]; !ok {
		return "campaigns"
	}
	return t
}

// groupsPage lists the groups of one type; the route checks campaigns access,
// and the page checks the group type's own entity too.
func (u *UI) groupsPage(c echo.Context) error {
	return u.renderGroups(c, groupType(c), "", "", http.StatusOK)
}

func (u *UI) renderGroups(c echo.Context, typ, name, errMsg string, code int) error {
	if !u.opt.Access(currentUser(c), groupEntity[typ], false, 0, nil) {
		return echo.NewHTTPError(http.StatusForbidden, "error.forbidden")
	}
	groups, err := u.opt.Catalog.ListGroups(c.Request().Context(), typ)
	if err != nil {
		return err
	}
	d := &groupsData{Type: typ, Types: catalog.GroupTypes, Groups: groups, Error: errMsg, Name: name,
		Write: u.opt.Access(currentUser(c), groupEntity[typ], true, 0, nil)}
	return u.render(c, code, "groups", &Page{Title: "groups.title", Nav: "campaigns", Data: d})
}

func (u *UI) createGroup(c echo.Context) error {
	typ, name := groupType(c), strings.TrimSpace(c.FormValue("name"))
	if !u.opt.Access(currentUser(c), groupEntity[typ], true, 0, nil) {
		return echo.NewHTTPError(http.StatusForbidden, "error.forbidden")
	}
	_, err := u.opt.Catalog.CreateGroup(c.Request().Context(), catalog.GroupRequest{Name: &name, Type: &typ})
	if errs, ok := fieldErrors(err, nil); ok {
		return u.renderGroups(c, typ, name, errs[""], http.StatusUnprocessableEntity)
	}
	if err != nil {
		return domainError(err)
	}
	u.flash(c, "form.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/groups?type="+typ)
}

func (u *UI) deleteGroup(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	g, err := u.opt.Catalog.GetGroup(c.Request().Context(), id)
	if err != nil {
		return domainError(err)
	}
	if !u.opt.Access(currentUser(c), groupEntity[g.Type], true, 0, nil) {
		return echo.NewHTTPError(http.StatusForbidden, "error.forbidden")
	}
	if err := u.opt.Catalog.DeleteGroup(c.Request().Context(), id); err != nil {
		return domainError(err)
	}
	u.flash(c, "form.saved")
	return c.Redirect(http.StatusSeeOther, "/admin/groups?type="+g.Type)
}

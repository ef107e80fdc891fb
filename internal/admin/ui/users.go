package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// accessEntities are the per-entity access selects of the user form: form
// name -> catalog key of its label.
var accessEntities = []struct{ Name, Label string }{
	{"campaigns_access_type", "nav.campaigns"}, {"streams_access_type", "streams.title"},
	{"offers_access_type", "nav.offers"}, {"landings_access_type", "nav.landings"},
	{"traffic_sources_access_type", "nav.sources"}, {"affiliate_networks_access_type", "nav.networks"},
}

var accessTypes = []string{"", model.AccessFull, model.AccessReadOnly, model.AccessSelected}

// userForm is the user editor: what was typed, and the errors.
type userForm struct {
	ID       int64
	Values   map[string]string
	Errors   catalog.FieldErrors
	Entities []accessField
	Keys     []model.APIKey
	NewKey   string // an API key just created: shown this once
}

type accessField struct {
	Name, Label, Value string
	Options            []option
}

type usersData struct {
	Users []model.User
	Me    int64
}

func (u *UI) usersPage(c echo.Context) error {
	users, err := u.opt.Users.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	return u.render(c, http.StatusOK, "users", &Page{Title: "nav.users", Nav: "users", Data: &usersData{Users: users, Me: currentUser(c).ID}})
}

func (u *UI) userValues(usr *model.User) map[string]string {
	v := map[string]string{"login": usr.Login, "type": usr.Type, "state": usr.State}
	var ad model.AccessData
	_ = usr.AccessData.Decode(&ad)
	m := objectMap(ad)
	for _, e := range accessEntities {
		v[e.Name] = cellText(m[e.Name])
	}
	if ad.Reports {
		v["reports_access"] = "1"
	}
	v["campaigns"], v["campaign_groups"] = joinIDs(ad.Campaigns), joinIDs(ad.CampaignGroups)
	v["offers"], v["offer_groups"] = joinIDs(ad.Offers), joinIDs(ad.OfferGroups)
	return v
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = itoa64(id)
	}
	return strings.Join(parts, ", ")
}

func (u *UI) renderUser(c echo.Context, f *userForm, code int) error {
	for _, e := range accessEntities {
		af := accessField{Name: e.Name, Label: e.Label, Value: f.Values[e.Name]}
		for _, t := range accessTypes {
			af.Options = append(af.Options, option{Value: t, Key: "access." + t, Selected: t == af.Value})
		}
		f.Entities = append(f.Entities, af)
	}
	if f.ID != 0 {
		f.Keys, _ = u.opt.Users.ListAPIKeys(c.Request().Context(), f.ID)
	}
	return u.render(c, code, "user", &Page{Title: "nav.users", Nav: "users", Data: f})
}

func (u *UI) userNewForm(c echo.Context) error {
	return u.renderUser(c, &userForm{Values: map[string]string{"type": model.UserTypeUser, "state": model.StateActive}}, http.StatusOK)
}

func (u *UI) userEditForm(c echo.Context) error {
	usr, err := u.userParam(c)
	if err != nil {
		return err
	}
	return u.renderUser(c, &userForm{ID: usr.ID, Values: u.userValues(usr)}, http.StatusOK)
}

func (u *UI) userParam(c echo.Context) (*model.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	usr, err := u.opt.Users.GetUser(c.Request().Context(), id)
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	return usr, nil
}

// userRequest reads the user form into auth's request; an empty password
// keeps the current one.
func userRequest(form url.Values) (auth.UserRequest, catalog.FieldErrors) {
	errs := catalog.FieldErrors{}
	login, typ, state := strings.TrimSpace(form.Get("login")), form.Get("type"), form.Get("state")
	req := auth.UserRequest{Login: &login, Type: &typ, State: &state}
	if pw := form.Get("password"); pw != "" {
		req.Password = &pw
	}
	ad := model.AccessData{Reports: form.Get("reports_access") != ""}
	sel := map[string]*string{"campaigns_access_type": &ad.CampaignsAccessType, "streams_access_type": &ad.StreamsAccessType,
		"offers_access_type": &ad.OffersAccessType, "landings_access_type": &ad.LandingsAccessType,
		"traffic_sources_access_type": &ad.TrafficSourcesAccessType, "affiliate_networks_access_type": &ad.AffiliateNetworksAccessType}
	for name, dst := range sel {
		*dst = form.Get(name)
	}
	lists := map[string]*[]int64{"campaigns": &ad.Campaigns, "campaign_groups": &ad.CampaignGroups,
		"offers": &ad.Offers, "offer_groups": &ad.OfferGroups}
	for name, dst := range lists {
		for _, s := range splitLines(form.Get(name)) {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				errs[name] = "form.invalid_number"
				break
			}
			*dst = append(*dst, id)
		}
	}
	req.AccessData = &ad
	return req, errs
}

// saveUser creates (no :id) or updates a user.
func (u *UI) saveUser(c echo.Context) error {
	ctx := c.Request().Context()
	form, _ := c.FormParams()
	req, errs := userRequest(form)
	f := &userForm{Values: map[string]string{}, Errors: errs}
	for k := range form {
		if k != "password" && k != csrfField {
			f.Values[k] = form.Get(k)
		}
	}
	if c.Param("id") != "" {
		usr, err := u.userParam(c)
		if err != nil {
			return err
		}
		f.ID = usr.ID
	}
	if len(errs) == 0 {
		var usr *model.User
		var err error
		if f.ID == 0 {
			usr, err = u.opt.Users.CreateUser(ctx, req)
		} else {
			usr, err = u.opt.Users.UpdateUser(ctx, f.ID, req)
		}
		if err == nil {
			u.flash(c, "form.saved")
			return c.Redirect(http.StatusSeeOther, "/admin/users/"+itoa64(usr.ID))
		}
		var ve *catalog.ValidationError
		switch {
		case errors.As(err, &ve):
			f.Errors = ve.Fields
		case errors.Is(err, catalog.ErrConflict):
			f.Errors = catalog.FieldErrors{"login": err.Error()}
		default:
			return err
		}
	}
	return u.renderUser(c, f, http.StatusUnprocessableEntity)
}

// createAPIKey makes a key for the user and shows it once, on this response
// only (it is stored hashed and can never be shown again).
func (u *UI) createAPIKey(c echo.Context) error {
	usr, err := u.userParam(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if len(name) > 255 {
		name = name[:255]
	}
	key, err := u.opt.Users.CreateAPIKey(c.Request().Context(), usr.ID, name)
	if err != nil {
		return err
	}
	return u.renderUser(c, &userForm{ID: usr.ID, Values: u.userValues(usr), NewKey: key.Key}, http.StatusOK)
}

// revokeAPIKey revokes one of the user's keys.
func (u *UI) revokeAPIKey(c echo.Context) error {
	usr, err := u.userParam(c)
	if err != nil {
		return err
	}
	keyID, err := strconv.ParseInt(c.Param("key"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	key, err := u.opt.Users.GetAPIKey(c.Request().Context(), keyID)
	if err != nil || key.UserID != usr.ID {
		return echo.NewHTTPError(http.StatusNotFound, "error.not_found")
	}
	if _, err := u.opt.Users.RevokeAPIKey(c.Request().Context(), keyID); err != nil {
		return err
	}
	u.flash(c, "users.key_revoked")
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+itoa64(usr.ID))
}

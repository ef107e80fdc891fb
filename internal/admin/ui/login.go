package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// minPasswordLen is the shortest password the first-run and change-password forms accept.
const minPasswordLen = 8

// authForm is the login, first-run and change-password forms: what the user
// typed (never the password) and the field errors to show beside it.
type authForm struct {
	Login  string
	Next   string
	Errors map[string]string // field -> catalog key
}

func (f *authForm) fail(field, key string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.Errors[field] = key
}

// safeNext keeps a post-login redirect inside the admin (no open redirect).
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}

// hasAdmin tells whether an active ADMIN exists; without one the first-run screen shows.
func (u *UI) hasAdmin(ctx context.Context) (bool, error) {
	users, err := u.opt.Users.ListUsers(ctx)
	if err != nil {
		return false, err
	}
	for _, x := range users {
		if x.Type == model.UserTypeAdmin {
			return true, nil
		}
	}
	return false, nil
}

func (u *UI) loginForm(c echo.Context) error {
	if has, err := u.hasAdmin(c.Request().Context()); err == nil && !has {
		return c.Redirect(http.StatusSeeOther, "/admin/setup")
	}
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/admin/")
	}
	return u.render(c, http.StatusOK, "login", &Page{Title: "login.title", Data: &authForm{Next: c.QueryParam("next")}})
}

func (u *UI) login(c echo.Context) error {
	ctx := c.Request().Context()
	f := &authForm{Login: strings.TrimSpace(c.FormValue("login")), Next: c.FormValue("next")}
	ipKey, acctKey := "ip:"+u.clientIP(c.Request()), "login:"+strings.ToLower(f.Login)
	if u.limiter.Blocked(ipKey) || u.limiter.Blocked(acctKey) {
		f.fail("login", "login.too_many")
		return u.render(c, http.StatusTooManyRequests, "login", &Page{Title: "login.title", Data: f})
	}
	user, err := u.opt.Users.Authenticate(ctx, f.Login, c.FormValue("password"))
	if err != nil {
		u.limiter.Fail(ipKey)
		u.limiter.Fail(acctKey)
		u.log.Info("admin login failed", "login", f.Login, "ip", u.clientIP(c.Request()))
		f.fail("login", "login.invalid")
		return u.render(c, http.StatusUnauthorized, "login", &Page{Title: "login.title", Data: f})
	}
	u.limiter.Reset(acctKey)
	return u.startSession(c, user.ID, safeNext(f.Next))
}

// startSession rotates the session: whatever cookie came in is dropped and a
// fresh id is issued, so a planted session id is useless after login.
func (u *UI) startSession(c echo.Context, userID int64, next string) error {
	ctx := c.Request().Context()
	if err := u.sessions.Delete(ctx, cookieValue(c, sessionCookie)); err != nil {
		return err
	}
	_ = u.sessions.Sweep(ctx)
	cookie, _, err := u.sessions.Create(ctx, userID, u.clientIP(c.Request()))
	if err != nil {
		return err
	}
	u.setCookie(c, sessionCookie, cookie, 0)
	u.setCookie(c, anonCSRFCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, next)
}

func (u *UI) logout(c echo.Context) error {
	if err := u.sessions.Delete(c.Request().Context(), cookieValue(c, sessionCookie)); err != nil {
		return err
	}
	u.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

func (u *UI) setupForm(c echo.Context) error {
	if has, err := u.hasAdmin(c.Request().Context()); err != nil || has {
		return c.Redirect(http.StatusSeeOther, "/admin/login")
	}
	return u.render(c, http.StatusOK, "setup", &Page{Title: "setup.title", Data: &authForm{Login: "admin"}})
}

// setup creates the first admin; once one exists the screen is gone for good.
func (u *UI) setup(c echo.Context) error {
	ctx := c.Request().Context()
	has, err := u.hasAdmin(ctx)
	if err != nil {
		return err
	}
	if has {
		return echo.NewHTTPError(http.StatusForbidden, "setup.done")
	}
	f := &authForm{Login: strings.TrimSpace(c.FormValue("login"))}
	pw := c.FormValue("password")
	checkNewPassword(f, "password", pw, c.FormValue("password_confirm"))
	if f.Login == "" || len(f.Login) > 255 {
		f.fail("login", "form.required")
	}
	if f.Errors != nil {
		return u.render(c, http.StatusUnprocessableEntity, "setup", &Page{Title: "setup.title", Data: f})
	}
	admin := model.UserTypeAdmin
	user, err := u.opt.Users.CreateUser(ctx, auth.UserRequest{Login: &f.Login, Password: &pw, Type: &admin})
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		for field, msg := range ve.Fields {
			f.fail(field, msg)
		}
		return u.render(c, http.StatusUnprocessableEntity, "setup", &Page{Title: "setup.title", Data: f})
	}
	if err != nil {
		return err
	}
	u.flash(c, "setup.created")
	return u.startSession(c, user.ID, "/admin/")
}

func checkNewPassword(f *authForm, field, pw, confirm string) {
	switch {
	case len(pw) < minPasswordLen:
		f.fail(field, "password.too_short")
	case len(pw) > 72: // bcrypt reads no further
		f.fail(field, "password.too_long")
	case pw != confirm:
		f.fail(field+"_confirm", "password.mismatch")
	}
}

func (u *UI) passwordForm(c echo.Context) error {
	return u.render(c, http.StatusOK, "password", &Page{Title: "password.title", Nav: "password", Data: &authForm{}})
}

// changePassword also ends the user's other sessions.
func (u *UI) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	f := &authForm{}
	pw := c.FormValue("new_password")
	checkNewPassword(f, "new_password", pw, c.FormValue("new_password_confirm"))
	if f.Errors == nil {
		err := u.opt.Users.ChangePassword(ctx, currentUser(c).ID, c.FormValue("old_password"), pw)
		if err != nil {
			u.log.Info("change password refused", "user", currentUser(c).ID, "err", err)
			f.fail("old_password", "password.wrong_old")
		}
	}
	if f.Errors != nil {
		return u.render(c, http.StatusUnprocessableEntity, "password", &Page{Title: "password.title", Nav: "password", Data: f})
	}
	if err := u.sessions.DeleteOthers(ctx, currentUser(c).ID, currentSession(c).ID); err != nil {
		return err
	}
	u.flash(c, "password.changed")
	return c.Redirect(http.StatusSeeOther, "/admin/")
}

// setLanguage stores the UI language choice in a cookie.
func (u *UI) setLanguage(c echo.Context) error {
	if l := c.FormValue("lang"); contains(languages, l) {
		u.setCookie(c, langCookie, l, 365*24*3600)
	}
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

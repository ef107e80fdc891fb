package ui

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// Cookie names of the admin UI.
const (
	sessionCookie  = "kite_session"
	anonCSRFCookie = "kite_csrf" // double-submit token for forms shown before login
	flashCookie    = "kite_flash"
	langCookie     = "kite_lang"
	csrfField      = "csrf_token"
	csrfHeader     = "X-CSRF-Token"
)

// peerTrusted tells whether the direct peer is one of the trusted proxies.
func (u *UI) peerTrusted(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return u.trusted(addr)
}

func (u *UI) trusted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range u.opt.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// clientIP is the visitor's address: the peer, or, behind trusted proxies,
// the right-most X-Forwarded-For entry that is not itself a trusted proxy
// (left-most entries are whatever the client chose to send).
func (u *UI) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !u.peerTrusted(r) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !u.trusted(addr) {
			return addr.Unmap().String()
		}
	}
	return host
}

// overTLS tells whether the browser reached us over HTTPS (directly, or via a trusted proxy).
func (u *UI) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return u.peerTrusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie writes an admin cookie with the safe defaults: HttpOnly,
// SameSite=Lax, Secure behind TLS, scoped to /admin.
func (u *UI) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.overTLS(c.Request()),
	})
}

func cookieValue(c echo.Context, name string) string {
	ck, err := c.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

// submittedCSRF is the token a form or an htmx request carries.
func submittedCSRF(c echo.Context) string {
	if h := c.Request().Header.Get(csrfHeader); h != "" {
		return h
	}
	return c.FormValue(csrfField)
}

func tokensEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// unsafeMethod is a request that changes state and so must carry the CSRF token.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// anonCSRF returns (and sets if missing) the double-submit token of pre-login forms.
func (u *UI) anonCSRF(c echo.Context) string {
	if v := cookieValue(c, anonCSRFCookie); len(v) >= 32 {
		return v
	}
	v := randomToken(32)
	u.setCookie(c, anonCSRFCookie, v, 0)
	c.Request().AddCookie(&http.Cookie{Name: anonCSRFCookie, Value: v})
	return v
}

// contentSecurityPolicy lets admin pages load scripts, styles and data only
// from this origin: no inline script or style, no eval (Alpine is the CSP
// build, htmx runs with allowEval off), no plugins, no framing, and forms
// post only here. An injected <script> or on*= attribute does not run.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders keeps the admin out of frames, stops content sniffing and
// sets the Content-Security-Policy.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

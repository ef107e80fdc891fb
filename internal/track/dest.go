package track

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/macro"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/snapshot"
)

// destination expands a configured URL template. Open redirects are closed
// twice: the template must name its host literally (a macro may fill the
// path or query, never the scheme or host), and the expanded URL must parse
// to that same host.
func destination(tmpl string, m macro.Values) (string, error) {
	host := lowerHost(tmpl)
	if host == "" {
		return "", fmt.Errorf("destination %q must start with http(s):// and a host without macros", tmpl)
	}
	out := macro.Expand(strings.TrimSpace(tmpl), m)
	u, err := checkURL(out)
	if err != nil {
		return "", err
	}
	if strings.ToLower(u.Host) != host {
		return "", fmt.Errorf("destination %q expanded to another host %q", tmpl, u.Host)
	}
	return out, nil
}

// checkURL accepts only an absolute http(s) URL with a host and nothing that
// could split a header.
func checkURL(s string) (*url.URL, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return nil, fmt.Errorf("destination contains a control character")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("destination does not parse: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsRune(u.Host, '\\') {
		return nil, fmt.Errorf("destination %q is not an absolute http(s) URL", s)
	}
	return u, nil
}

// offerLink is the {offer} macro of a landing: Keitaro's form of the
// landing-to-offer link on this tracker.
func offerLink(c echo.Context, clickID string) string {
	host := clean(c.Request().Host, 255)
	if host == "" || strings.ContainsAny(host, "/\\@?#") {
		host = "localhost"
	}
	return c.Scheme() + "://" + host + "/?_lp=1&_token=" + url.QueryEscape(clickID)
}

// doubleMetaLink is the tracker-relative second hop of a double meta
// refresh; the destination travels signed, so nobody can use the hop as an
// open redirect.
func (h *Handler) doubleMetaLink(snap *snapshot.Snapshot, dest string) string {
	return "/?_dm=" + base64.RawURLEncoding.EncodeToString([]byte(dest)) + "&_sig=" + h.sign(snap, dest)
}

// linkKey is Options.LinkSecret, else a key derived from the postback key
// (the same on every node, as it lives in the database), else the random
// per-process key.
func (h *Handler) linkKey(snap *snapshot.Snapshot) []byte {
	if h.ownSecret {
		return h.opt.LinkSecret
	}
	if pk := snap.Settings[model.SettingPostbackKey]; pk != "" {
		sum := sha256.Sum256([]byte("kite double meta link\x00" + pk))
		return sum[:]
	}
	return h.opt.LinkSecret
}

func (h *Handler) sign(snap *snapshot.Snapshot, dest string) string {
	m := hmac.New(sha256.New, h.linkKey(snap))
	m.Write([]byte(dest))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// openDoubleMeta checks and decodes a second hop.
func (h *Handler) openDoubleMeta(snap *snapshot.Snapshot, enc, sig string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("bad double meta link")
	}
	dest := string(raw)
	if !hmac.Equal([]byte(h.sign(snap, dest)), []byte(sig)) {
		return "", fmt.Errorf("double meta link signature mismatch")
	}
	if _, err := checkURL(dest); err != nil {
		return "", err
	}
	return dest, nil
}

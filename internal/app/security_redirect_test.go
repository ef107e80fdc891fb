package app

import (
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kite-tracker/kite/internal/macro"
	"github.com/kite-tracker/kite/internal/model"
)

// secExtraParam is a query parameter Kite does not know: it becomes the
// macro {sec_extra} of the click.
const secExtraParam = "sec_extra"

// secEveryMacro is every click macro Kite knows (macro.ForClick's names, so
// a macro added tomorrow is attacked tomorrow) plus an extra parameter.
func secEveryMacro() []string {
	names := []string{secExtraParam}
	for name := range macro.ForClick(&model.Click{}, "", "") {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// secAllMacroOffers are offer URLs naming every macro: raw ({_name}) in the
// path, encoded ({name}) in the query, and both right after the host.
func secAllMacroOffers() map[string]string {
	var raw, enc strings.Builder
	for _, n := range secEveryMacro() {
		fmt.Fprintf(&raw, "/{_%s}", n)
		fmt.Fprintf(&enc, "&%s={%s}", n, n)
	}
	host := "https://" + secOfferHost
	return map[string]string{
		"raw":     host + raw.String() + "?r={_sub_id_1}#{_sub_id_2}",
		"encoded": host + "/e?" + enc.String()[1:] + "#{sub_id_3}",
		"glued":   host + "{_sub_id_1}{sub_id_2}/p",    // refused at creation: a macro touching the host
		"at-host": host + "/{_sub_id_1}@{_sub_id_2}/p", // after the host: only the path
	}
}

// secHTMLActions are the actions that answer with a page carrying the
// destination instead of a Location header.
var secHTMLActions = []string{"meta", "double_meta", "js", "iframe", "formsubmit", "blank_referrer"}

// testOpenRedirectEveryMacro sends every attack value through every query
// parameter at once (so every macro carries it) to offers naming every
// macro, answered by a 302 and by each HTML action. The 302 never leaves the
// offer host; an HTML page never gains tags or quotes from the values.
func (e *secEnv) testOpenRedirectEveryMacro(t *testing.T) {
	aliases := map[string]string{} // alias -> action
	for kind, dest := range secAllMacroOffers() {
		resp, body := e.call("POST", "/admin_api/v1/offers", secAdminAPIKey, secOffer("every macro "+kind, dest), nil)
		if kind == "glued" {
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("offer %q: %d %s, want 422", dest, resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("offer with every macro (%d chars): %d %s", len(dest), resp.StatusCode, body)
		}
		actions := []string{"http"}
		if kind == "raw" {
			actions = append(actions, secHTMLActions...)
		}
		for _, action := range actions {
			oid := e.create("offer-"+kind+"-"+action, "/offers", secOffer("every macro "+kind+" "+action, dest))
			alias := "sec-all-" + kind + "-" + action
			cid := e.create(alias, "/campaigns", map[string]any{"name": alias, "alias": alias, "type": "position",
				"cost_type": "CPC", "cost_value": 0, "cost_currency": "USD", "postbacks": []any{}})
			e.create("stream-"+alias, "/streams", map[string]any{"campaign_id": cid, "type": "default", "name": alias,
				"schema": "redirect", "action_type": action, "offers": []map[string]any{{"offer_id": oid, "share": 100}}})
			aliases[alias] = action
		}
	}
	query := func(v string) string {
		var q []string
		for _, n := range secEveryMacro() {
			q = append(q, n+"="+v)
		}
		return strings.Join(q, "&")
	}
	baseline := map[string][]byte{}
	for alias, action := range aliases {
		resp, body := e.call("GET", "/"+alias+"?"+query("harmless"), "", nil, nil)
		want := http.StatusOK
		if action == "http" {
			want = http.StatusFound
		}
		if resp.StatusCode != want {
			t.Fatalf("/%s with harmless values: %d, want %d", alias, resp.StatusCode, want)
		}
		baseline[alias] = body
	}
	redirects, pages := 0, 0
	for alias, action := range aliases {
		for _, enc := range secQueryForms() {
			what := fmt.Sprintf("/%s with every parameter = %s", alias, enc)
			plain, _ := url.QueryUnescape(enc)
			hdr := map[string]string{"Accept-Language": "en"}
			if !strings.ContainsAny(plain, "\r\n") {
				hdr = map[string]string{"Referer": plain, "User-Agent": plain, "Accept-Language": plain}
			}
			resp, body := e.call("GET", "/"+alias+"?"+query(enc), "", nil, hdr)
			if action == "http" {
				if e.checkOfferHost(t, what, resp) {
					redirects++
				}
				continue
			}
			if resp.StatusCode == http.StatusOK {
				pages++
				secSameMarkup(t, what, baseline[alias], body)
				e.checkPageDestination(t, what, action, body)
			}
			if resp.Header.Get("Location") != "" {
				t.Errorf("%s: a page action answered with Location %q", what, resp.Header.Get("Location"))
			}
		}
	}
	if redirects == 0 || pages == 0 {
		t.Fatalf("%d redirects and %d pages checked: the test proved nothing", redirects, pages)
	}
	t.Logf("%d macros, %d redirects to %s and %d pages checked", len(secEveryMacro()), redirects, secOfferHost, pages)
}

// secQueryForms are the attack values as written into a query string:
// each open-redirect value as typed and escaped, each markup value escaped
// (raw quotes and spaces would not make a valid request line).
func secQueryForms() []string {
	var out []string
	for _, v := range attackValues {
		out = append(out, v, url.QueryEscape(v))
	}
	for _, v := range secMarkupAttacks {
		out = append(out, url.QueryEscape(v))
	}
	return append(out, "%22%3E%3Csvg%20onload%3Dalert(1)%3E")
}

// secMarkupAttacks try to leave an HTML attribute, a JS string or a tag.
var secMarkupAttacks = []string{`"><script>alert(1)</script>`, `'-alert(1)-'`, `";alert(1);//`,
	`</script><script>alert(1)</script>`, `javascript:alert(1)`, "\u2028alert(1)", `\x3cscript`}

// checkOfferHost fails unless a redirect stays on the offer host as a
// browser reads it; it reports whether resp was a redirect.
func (e *secEnv) checkOfferHost(t *testing.T, what string, resp *http.Response) bool {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
		if resp.StatusCode/100 != 4 {
			t.Errorf("%s: %d without a redirect, want a 302 to the offer or a 4xx refusal", what, resp.StatusCode)
		}
		return false
	}
	if host := secBrowserHost(loc); host != secOfferHost {
		t.Errorf("%s: Location %q goes to host %q, not %s", what, loc, host, secOfferHost)
	}
	return true
}

// secBrowserHost is the host a browser goes to for an absolute https URL,
// read the WHATWG way: leading and trailing controls and spaces dropped,
// tabs and newlines removed, "\" counts as "/", any number of slashes after
// the scheme, the last "@" ends the userinfo. It is "" for anything but
// https (a relative or javascript: URL is not a place to send visitors).
func secBrowserHost(raw string) string {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	rest, ok := cutPrefixFold(s, "https:")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, `/\`)
	if end := strings.IndexAny(rest, `/\?#`); end >= 0 {
		rest = rest[:end]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	if h, _, err := net.SplitHostPort(rest); err == nil {
		rest = h
	}
	return strings.ToLower(rest)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

var (
	secScriptRe   = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	secJSStringRe = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)
	secAttrValRe  = regexp.MustCompile(`="[^"]*"`)
	secRefreshRe  = regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]*)"`)
	secReplaceRe  = regexp.MustCompile(`window\.location\.replace\(("(?:[^"\\\n]|\\.)*")\);`)
	secSrcRe      = regexp.MustCompile(`<iframe src="([^"]*)"`)
	secActionRe   = regexp.MustCompile(`<form id="f" method="get" action="([^"]*)"`)
)

// secSkeleton is a page with every attribute value and every JS string
// emptied: what is left is its structure, which visitor values must not
// change. The form action's hidden fields are dropped: a raw macro may
// legitimately add or cut query parameters, hence fields, but each must
// still be a plain hidden input.
func secSkeleton(page []byte) string {
	s := secScriptRe.ReplaceAllStringFunc(string(page), func(m string) string {
		return "<script>" + secJSStringRe.ReplaceAllString(m[len("<script>"):len(m)-len("</script>")], `""`) + "</script>"
	})
	s = secAttrValRe.ReplaceAllString(s, `=""`)
	return strings.ReplaceAll(s, `<input type="" name="" value="">`, "")
}

// secSameMarkup fails when visitor values changed the page's structure
// (a new tag, attribute or script statement) compared with harmless values.
func secSameMarkup(t *testing.T, what string, want, got []byte) {
	t.Helper()
	if w, g := secSkeleton(want), secSkeleton(got); w != g {
		t.Errorf("%s: the page's structure changed:\n got %.600s\nwant %.600s", what, g, w)
	}
}

// checkPageDestination reads the URL each page action sends the browser to
// and checks it stays on the offer host; a double meta hop is followed.
func (e *secEnv) checkPageDestination(t *testing.T, what, action string, page []byte) {
	t.Helper()
	var dests []string
	for _, m := range secRefreshRe.FindAllSubmatch(page, -1) {
		dests = append(dests, html.UnescapeString(string(m[1])))
	}
	for _, m := range secReplaceRe.FindAllSubmatch(page, -1) {
		var d string
		if err := json.Unmarshal(m[1], &d); err != nil {
			t.Errorf("%s: the script's URL %s is not one JS string: %v", what, m[1], err)
		}
		dests = append(dests, d)
	}
	for _, re := range []*regexp.Regexp{secSrcRe, secActionRe} {
		if m := re.FindSubmatch(page); m != nil {
			dests = append(dests, html.UnescapeString(string(m[1])))
		}
	}
	if len(dests) == 0 {
		t.Errorf("%s: no destination found in the %s page: %.300s", what, action, page)
	}
	for _, d := range dests {
		if action == "double_meta" && strings.HasPrefix(d, "/?_dm=") {
			resp, body := e.call("GET", d, "", nil, nil)
			if resp.StatusCode == http.StatusOK {
				e.checkPageDestination(t, what+" (second hop)", "meta", body)
			} else {
				e.checkOfferHost(t, what+" (second hop)", resp)
			}
			continue
		}
		if host := secBrowserHost(d); host != secOfferHost {
			t.Errorf("%s: the %s page sends to %q (host %q), not %s", what, action, d, host, secOfferHost)
		}
	}
}

// testNoMacroInAnyHost: every configured URL (offer, landing, stream action,
// S2S postback of a campaign and of a traffic source) must name its host
// literally; a macro in the scheme, host or port is refused at creation.
func (e *secEnv) testNoMacroInAnyHost(t *testing.T) {
	hosts := []string{"https://{_sub_id_1}/p", "https://{sub_id_1}.offer.example/p", "https://offer.example{_sub_id_1}/p",
		"https://offer.example:{_sub_id_1}/p", "https://offer.example@{_sub_id_1}/p", "https://{_sub_id_1}@offer.example/p",
		"{_sub_id_1}", "//{_sub_id_1}/p", "https:{_sub_id_1}", "{_sub_id_1}://offer.example/p", "https://{_x}/p",
		"https://{_referrer}/p", "https://{date:Y}.offer.example/p", "https://%7B_sub_id_1%7D/p"}
	for _, h := range hosts {
		landing := map[string]any{"name": "host macro", "landing_type": "external", "action_type": "http", "action_payload": h}
		stream := func(action string) map[string]any {
			return map[string]any{"campaign_id": e.ids["sec-a"], "type": "regular", "name": "host macro", "schema": "action",
				"action_type": action, "action_payload": h}
		}
		source := map[string]any{"name": "host macro", "postback_url": h, "postback_method": "GET",
			"postback_statuses": []string{"sale"}}
		campaign := map[string]any{"name": "host macro", "alias": "sec-host-macro", "type": "position", "cost_type": "CPC",
			"cost_value": 0, "cost_currency": "USD", "postbacks": []map[string]any{{"method": "GET",
				"statuses": []string{"sale"}, "url": h}}}
		for _, c := range []struct {
			path string
			body map[string]any
		}{{"/offers", secOffer("host macro", h)}, {"/landing_pages", landing}, {"/streams", stream("http")},
			{"/streams", stream("remote")}, {"/streams", stream("meta")}, {"/traffic_sources", source},
			{"/campaigns", campaign}} {
			resp, body := e.call("POST", "/admin_api/v1"+c.path, secAdminAPIKey, c.body, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("POST %s with URL %q: %d %.200s, want 422", c.path, h, resp.StatusCode, body)
			}
		}
	}
}

// testSSRFRemoteSpellings: a `remote` action written with other spellings
// of the loopback service (a name, IPv4-mapped IPv6, the unspecified
// address, IPv6 loopback) never reaches it.
func (e *secEnv) testSSRFRemoteSpellings(t *testing.T) {
	port := e.internal[strings.LastIndexByte(e.internal, ':')+1:]
	urls := []string{"http://localhost:" + port + "/r", "http://LOCALHOST:" + port + "/r",
		"http://[::ffff:127.0.0.1]:" + port + "/r", "http://[::ffff:7f00:1]:" + port + "/r",
		"http://0.0.0.0:" + port + "/r", "http://[::]:" + port + "/r", "http://127.0.0.1:" + port + "/{sub_id_1}",
		"http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/latest/meta-data/"}
	hits6 := &atomic.Int64{}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil { // IPv6 loopback, when the box has it
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				hits6.Add(1)
				c.Close()
			}
		}()
		urls = append(urls, "http://"+ln.Addr().String()+"/r")
	}
	before := e.hits.Load()
	for i, u := range urls {
		alias := fmt.Sprintf("sec-rs-%d", i)
		cid := e.create(alias, "/campaigns", map[string]any{"name": alias, "alias": alias, "type": "position",
			"cost_type": "CPC", "cost_value": 0, "cost_currency": "USD", "postbacks": []any{}})
		resp, body := e.call("POST", "/admin_api/v1/streams", secAdminAPIKey, map[string]any{"campaign_id": cid,
			"type": "default", "name": alias, "schema": "action", "action_type": "remote", "action_payload": u}, nil)
		if resp.StatusCode == http.StatusUnprocessableEntity {
			continue // refused at creation is as good
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("remote stream %s: %d %s", u, resp.StatusCode, body)
		}
		for _, q := range []string{"", "?sub_id_1=r"} {
			resp, _ := e.call("GET", "/"+alias+q, "", nil, nil)
			if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 || loc != "" {
				t.Errorf("remote action %s answered %d Location %q; want a refusal", u, resp.StatusCode, loc)
			}
		}
	}
	if n := e.hits.Load() - before + hits6.Load(); n != 0 {
		t.Errorf("remote actions contacted a loopback service %d time(s)", n)
	}
	t.Logf("%d remote action URLs refused, none reached", len(urls))
}

// TestSecBrowserHost holds the suite's browser reading of a URL to what
// browsers do with the tricks the suite sends.
func TestSecBrowserHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://offer.example/p":                     "offer.example",
		"https://OFFER.example:443/p":                 "offer.example",
		`https://offer.example/\\evil.example`:        "offer.example",
		"https://offer.example/@evil.example":         "offer.example",
		`https:\\evil.example`:                        "evil.example",
		`https:/\/evil.example`:                       "evil.example",
		"https:evil.example":                          "evil.example",
		`https://evil.example\@offer.example`:         "evil.example",
		"https://offer.example@evil.example/":         "evil.example",
		" \x01https://evil.example":                   "evil.example",
		"ht\ttps://evi\nl.example/":                   "evil.example",
		"https://evil.example#@offer.example":         "evil.example",
		"//evil.example/":                             "",
		"javascript:alert(1)//https://offer.example/": "",
		"http://offer.example/":                       "",
	} {
		if got := secBrowserHost(in); got != want {
			t.Errorf("secBrowserHost(%q) = %q, want %q", in, got, want)
		}
	}
}

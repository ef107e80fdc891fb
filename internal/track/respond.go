package track

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/routing"
)

// Pages of the redirect actions. html/template escapes every value for its
// context (attribute, URL, script string), so a destination can never break
// out of the page.
var pages = template.Must(template.New("pages").Parse(`
{{define "meta"}}<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><meta http-equiv="refresh" content="0;url={{.URL}}"></head><body><a href="{{.URL}}">Continue</a></body></html>{{end}}
{{define "blank"}}<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex"><meta http-equiv="refresh" content="0;url={{.URL}}"></head><body></body></html>{{end}}
{{define "js"}}<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><script>window.location.replace({{.URL}});</script><noscript><meta http-equiv="refresh" content="0;url={{.URL}}"></noscript></head><body></body></html>{{end}}
{{define "iframe"}}<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><style>html,body,iframe{margin:0;padding:0;border:0;width:100%;height:100%;overflow:hidden}</style></head><body><iframe src="{{.URL}}" allowfullscreen></iframe></body></html>{{end}}
{{define "form"}}<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"></head><body><form id="f" method="get" action="{{.URL}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}</form><script>document.getElementById("f").submit();</script></body></html>{{end}}
{{define "message"}}<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>{{.Title}}</title></head><body><h1>{{.Title}}</h1></body></html>{{end}}
`))

type pageData struct {
	URL    string
	Title  string
	Fields []formField
}

type formField struct{ Name, Value string }

// Header values shared by every answer. Their capacity equals their length,
// so a later Header.Add copies instead of writing into them.
var (
	hdrNoStore   = []string{"no-store, no-cache, must-revalidate"}
	hdrNoSniff   = []string{"nosniff"}
	hdrHTML      = []string{"text/html; charset=utf-8"}
	hdrText      = []string{"text/plain; charset=utf-8"}
	hdrNoReferer = []string{"no-referrer"}
)

// noStore marks every tracker answer uncacheable: each visit must reach us.
// The keys are canonical already, so the map is written directly.
func noStore(w http.ResponseWriter) {
	h := w.Header()
	h["Cache-Control"] = hdrNoStore
	h["X-Content-Type-Options"] = hdrNoSniff
}

// bufPool holds the buffers HTML pages render into, so a page costs one
// Write and no growing buffer per click.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func render(c echo.Context, code int, name string, d pageData) error {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	defer func() {
		if b.Cap() <= 64<<10 {
			bufPool.Put(b)
		}
	}()
	if err := pages.ExecuteTemplate(b, name, d); err != nil {
		return err
	}
	w := c.Response()
	noStore(w)
	w.Header()["Content-Type"] = hdrHTML
	w.WriteHeader(code)
	_, err := w.Write(b.Bytes())
	return err
}

// page answers a plain status page (404, 414, ...).
func page(c echo.Context, code int) error {
	return render(c, code, "message", pageData{Title: http.StatusText(code)})
}

// redirect answers dest (already validated) with the action's technique.
func redirect(c echo.Context, action, dest string) error {
	switch action {
	case routing.ActionMeta:
		return render(c, http.StatusOK, "meta", pageData{URL: dest})
	case routing.ActionBlankReferrer:
		c.Response().Header()["Referrer-Policy"] = hdrNoReferer
		return render(c, http.StatusOK, "blank", pageData{URL: dest})
	case routing.ActionJS:
		return render(c, http.StatusOK, "js", pageData{URL: dest})
	case routing.ActionIframe:
		return render(c, http.StatusOK, "iframe", pageData{URL: dest})
	case routing.ActionFormSubmit:
		return render(c, http.StatusOK, "form", formPage(dest))
	}
	w := c.Response()
	noStore(w)
	w.Header()["Location"] = []string{dest}
	w.WriteHeader(http.StatusFound)
	return nil
}

// formPage splits dest into a form action and hidden fields: a GET form
// drops the action's own query string, so its parameters travel as fields.
func formPage(dest string) pageData {
	u, err := url.Parse(dest)
	if err != nil {
		return pageData{URL: dest}
	}
	q := u.Query()
	u.RawQuery = ""
	d := pageData{URL: u.String()}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range q[k] {
			d.Fields = append(d.Fields, formField{k, v})
		}
	}
	return d
}

// text answers show_text: plain text, never interpreted as HTML.
func text(c echo.Context, body string) error {
	w := c.Response()
	noStore(w)
	w.Header()["Content-Type"] = hdrText
	w.WriteHeader(http.StatusOK)
	_, err := w.Write([]byte(body))
	return err
}

// html answers show_html: the buyer's own page; macro values in it were
// HTML-escaped before expansion.
func htmlPage(c echo.Context, body string) error {
	w := c.Response()
	noStore(w)
	w.Header()["Content-Type"] = hdrHTML
	w.WriteHeader(http.StatusOK)
	_, err := w.Write([]byte(body))
	return err
}

// empty answers do_nothing.
func empty(c echo.Context) error {
	w := c.Response()
	noStore(w)
	w.WriteHeader(http.StatusOK)
	return nil
}

// isRedirect tells the actions that send the visitor to a URL.
func isRedirect(action string) bool {
	switch action {
	case routing.ActionHTTP, routing.ActionMeta, routing.ActionDoubleMeta, routing.ActionJS,
		routing.ActionBlankReferrer, routing.ActionIframe, routing.ActionFormSubmit, routing.ActionRemote:
		return true
	}
	return false
}

// knownAction tells whether we have an answer for action.
func knownAction(action string) bool {
	switch action {
	case routing.ActionShowText, routing.ActionShowHTML, routing.ActionStatus404, routing.ActionDoNothing, routing.ActionCampaign:
		return true
	}
	return isRedirect(action)
}

// lowerHost is the host of an http(s) URL template whose authority is
// literal (no macro), or "" if the template does not qualify.
func lowerHost(tmpl string) string {
	t := strings.TrimSpace(tmpl)
	rest, ok := cutPrefixFold(t, "https://")
	if !ok {
		if rest, ok = cutPrefixFold(t, "http://"); !ok {
			return ""
		}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	if auth == "" || strings.ContainsAny(auth, "{}\\ ") {
		return ""
	}
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	return strings.ToLower(auth)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

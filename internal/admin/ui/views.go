package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/web"
)

// Languages the UI speaks; the first is the fallback for missing keys.
var languages = []string{"en", "ru"}

// views holds every page template, parsed once per language so that `t`
// needs no per-request state.
type views struct {
	messages map[string]map[string]string
	pages    map[string]map[string]*template.Template // lang -> page -> template
}

func loadViews() (*views, error) {
	v := &views{messages: map[string]map[string]string{}, pages: map[string]map[string]*template.Template{}}
	for _, lang := range languages {
		b, err := fs.ReadFile(web.I18n, lang+".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n %s: %w", lang, err)
		}
		v.messages[lang] = m
	}
	for _, lang := range languages {
		pages, err := v.parse(lang)
		if err != nil {
			return nil, err
		}
		v.pages[lang] = pages
	}
	return v, nil
}

func (v *views) parse(lang string) (map[string]*template.Template, error) {
	base, err := template.New("base").Funcs(v.funcs(lang)).ParseFS(web.Templates, "*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(web.Templates, "pages/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		t, err := template.Must(base.Clone()).ParseFS(web.Templates, name)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return pages, nil
}

// translate looks key up in lang, then in English; a missing key shows itself
// (the catalog test makes sure none is missing).
func (v *views) translate(lang, key string, args ...any) string {
	msg, ok := v.messages[lang][key]
	if !ok {
		msg, ok = v.messages[languages[0]][key]
	}
	if !ok {
		msg = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// label names a report column: its catalog entry "col.<name>", else the name itself.
func (v *views) label(lang, name string) string {
	if msg, ok := v.messages[lang]["col."+name]; ok {
		return msg
	}
	if msg, ok := v.messages[languages[0]]["col."+name]; ok {
		return msg
	}
	return name
}

func (v *views) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"inc":       func(i int) int { return i + 1 },
		"dec":       func(i int) int { return i - 1 },
		"rangeList": func(any) []string { return rangePresets },
		"paramKeys": catalog.ParameterKeys,
		"label":     func(name string) string { return v.label(lang, name) },
		"filterValue": func(x any) string {
			if list, ok := x.([]string); ok {
				return strings.Join(list, ",")
			}
			return cellText(x)
		},
		"t":        func(key string, args ...any) string { return v.translate(lang, key, args...) },
		"dict":     dict,
		"list":     func(xs ...any) []any { return xs },
		"num":      formatNum,
		"money":    func(f float64) string { return formatFixed(f, 2) },
		"pct":      func(f float64) string { return formatFixed(f, 2) + "%" },
		"ts":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
		"tsp":      formatTimePtr,
		"toJSON":   func(x any) (string, error) { b, err := json.Marshal(x); return string(b), err },
		"has":      hasItem,
		"metric":   formatMetric,
		"cell":     cellText,
		"isMetric": isMetric,
		"isAdmin":  func(u *model.User) bool { return u != nil && u.Type == model.UserTypeAdmin },
	}
}

func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

func formatNum(x any) string {
	switch n := x.(type) {
	case int:
		return groupThousands(fmt.Sprint(n))
	case int64:
		return groupThousands(fmt.Sprint(n))
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1e15 {
			return groupThousands(fmt.Sprint(int64(n)))
		}
		return formatFixed(n, 2)
	}
	return fmt.Sprint(x)
}

func formatFixed(f float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, f)
	intPart, frac, _ := strings.Cut(s, ".")
	return groupThousands(intPart) + "." + frac
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func formatTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// hasItem is the templates' membership test, for []string and list's []any.
func hasItem(xs any, x string) bool {
	switch l := xs.(type) {
	case []string:
		return contains(l, x)
	case []any:
		for _, v := range l {
			if v == x {
				return true
			}
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// render executes page in the request's language with status code. It renders
// into a buffer first so a template error becomes a clean error page, never
// half a page.
func (u *UI) render(c echo.Context, code int, page string, p *Page) error {
	lang := u.lang(c)
	tmpl, ok := u.views.pages[lang][page]
	if !ok {
		return fmt.Errorf("ui: no page template %q", page)
	}
	u.fillPage(c, p, lang)
	if u.rendered != nil {
		u.rendered(page)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("ui: render %s: %w", page, err)
	}
	return c.HTMLBlob(code, buf.Bytes())
}

// fragment renders one named partial (no layout) for an htmx swap.
func (u *UI) fragment(c echo.Context, code int, name string, data any) error {
	tmpl := u.views.pages[u.lang(c)]["error"]
	if u.rendered != nil {
		u.rendered(name)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("ui: render fragment %s: %w", name, err)
	}
	return c.HTMLBlob(code, buf.Bytes())
}

// lang is the UI language: the kite_lang cookie, else the browser's first choice.
func (u *UI) lang(c echo.Context) string {
	if l := cookieValue(c, langCookie); contains(languages, l) {
		return l
	}
	accept := strings.ToLower(c.Request().Header.Get("Accept-Language"))
	for _, l := range languages {
		if strings.HasPrefix(accept, l) {
			return l
		}
	}
	return languages[0]
}

// statusText is the catalog key of an HTTP error's title.
func statusText(code int) string {
	switch code {
	case http.StatusNotFound:
		return "error.not_found"
	case http.StatusForbidden:
		return "error.forbidden"
	case http.StatusTooManyRequests:
		return "error.too_many"
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return "error.bad_request"
	}
	return "error.internal"
}

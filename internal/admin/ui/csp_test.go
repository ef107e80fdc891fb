package ui

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/web"
)

// inlineCode finds what a strict CSP would block in a page: inline <script>
// bodies, on*= handler attributes, style= attributes and javascript: URLs.
var inlineCode = []struct {
	what string
	re   *regexp.Regexp
}{
	{"inline script", regexp.MustCompile(`<script(?:\s[^>]*)?>[^<\s]`)},
	{"script without src", regexp.MustCompile(`<script(?:\s(?:[^>s]|s[^r]|sr[^c])*)?>`)},
	{"event handler attribute", regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)},
	{"style attribute", regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)},
	{"javascript: URL", regexp.MustCompile(`(?i)javascript:`)},
}

// TestContentSecurityPolicy: every admin page, the error page included, is
// served with the strict policy, and no page carries code the policy would
// block (so the policy breaks nothing and an injection cannot run).
func TestContentSecurityPolicy(t *testing.T) {
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(contentSecurityPolicy, bad) {
			t.Fatalf("the policy allows %s", bad)
		}
	}
	for _, must := range []string{"script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(contentSecurityPolicy, must) {
			t.Fatalf("the policy lacks %s", must)
		}
	}
	en := newEnv(t, withFakes)
	check := func(path string, rec interface {
		Header() http.Header
	}, body string) {
		t.Helper()
		if got := rec.Header().Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy %q", path, got)
		}
		for _, ic := range inlineCode {
			if m := ic.re.FindString(body); m != "" {
				t.Errorf("GET %s: %s: %q", path, ic.what, m)
			}
		}
	}
	anon := en.browser()
	rec := anon.do(http.MethodGet, "/admin/setup", nil)
	check("/admin/setup", rec, rec.Body.String())
	s := seed(t, en)
	s.Admin = en.user("admin", model.UserTypeAdmin, model.AccessData{}).ID
	rec = anon.do(http.MethodGet, "/admin/login", nil)
	check("/admin/login", rec, rec.Body.String())
	b := en.browser()
	b.login("admin")
	for _, r := range en.ui.Routes() {
		if r.Method != http.MethodGet || r.Entity == Public || strings.HasSuffix(r.Path, ".csv") {
			continue
		}
		path := routePath(r, s)
		rec := b.do(http.MethodGet, path, nil)
		check(path, rec, rec.Body.String())
	}
	rec = b.do(http.MethodGet, "/admin/offers/999999", nil)
	if rec.Code != http.StatusNotFound {
		t.Errorf("missing offer: %d", rec.Code)
	}
	check("error page", rec, rec.Body.String())
}

// TestNoEvalInScripts: our scripts and the vendored Alpine build never turn
// strings into code, which script-src without 'unsafe-eval' would refuse.
// (htmx has eval paths, switched off by allowEval=false in the layout.)
func TestNoEvalInScripts(t *testing.T) {
	evalRe := regexp.MustCompile(`\beval\(|new Function\(|\bFunction\(|setTimeout\("`)
	files, err := fs.Glob(web.Static, "*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	files = append(files, "vendor/alpine.min.js")
	for _, f := range files {
		b, err := fs.ReadFile(web.Static, f)
		if err != nil {
			t.Fatal(err)
		}
		if m := evalRe.Find(b); m != nil {
			t.Errorf("%s evaluates strings as code: %q", f, m)
		}
	}
	layout, _ := fs.ReadFile(web.Templates, "layout.html")
	if !strings.Contains(string(layout), `"allowEval":false`) {
		t.Error("htmx allowEval is not switched off")
	}
	// The CSP build of Alpine parses single expressions over component state:
	// no statements, no arrow functions, no globals.
	attr := regexp.MustCompile(`\s(?:x-[a-z.:-]+|@[a-z.:-]+|:[a-z-]+)="([^"]*)"`)
	_ = fs.WalkDir(web.Templates, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(web.Templates, path)
		for _, m := range attr.FindAllStringSubmatch(string(b), -1) {
			expr := m[1]
			if strings.Contains(expr, "=>") || strings.Contains(expr, "; ") || strings.Contains(expr, "window.") || strings.Contains(expr, "document.") {
				t.Errorf("%s: %q is not an expression the CSP build of Alpine runs", path, expr)
			}
		}
		return nil
	})
}

package ui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/web"
)

// TestCatalogCoversEveryKey finds every message key the templates and the Go
// code use and checks the English catalog has it, and that the Russian one
// covers at least navigation and login.
func TestCatalogCoversEveryKey(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	tmplKey := regexp.MustCompile(`\bt "([a-z0-9_.]+)"|"(?:Key|Label|Title|Hint)" "([a-z0-9_.]+)"`)
	_ = fs.WalkDir(web.Templates, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(web.Templates, path)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]+m[2]] = path
		}
		return nil
	})
	goKey := regexp.MustCompile(`"((?:error|form|login|setup|password|logs|reports|settings|users|nav|simulate|streams|campaigns|hint|field|network|offers|landings|networks|sources|list|dashboard|table|range|btn|day)\.[a-z0-9_.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = f
		}
	}
	// Keys built from a prefix and a value.
	prefixed := map[string][]string{"state.": catalog.States, "stream_type.": catalog.StreamTypes, "schema.": catalog.StreamSchemas,
		"rotation.": catalog.CampaignTypes, "bind.": catalog.BindVisitors, "dup.": catalog.DuplicatePolicies,
		"action.": catalog.ActionTypes(), "access.": accessTypes, "range.": rangePresets, "logs.": {"clicks", "conversions", "postbacks", "s2s"},
		"user_type.": {"ADMIN", "USER"}, "bot.": {"ip", "ua"}}
	for prefix, values := range prefixed {
		for _, val := range values {
			keys[prefix+val] = "prefix " + prefix
		}
	}
	for _, m := range append(append([]string{}, reportMetrics...), kpiMetrics...) {
		keys["col."+m] = "metric"
	}
	if len(keys) < 150 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for key, where := range keys {
		if _, ok := v.messages["en"][key]; !ok {
			t.Errorf("en.json lacks %q (used in %s)", key, where)
		}
	}
	// Russian is the buyers' other language: every message is translated,
	// with the same formatting verbs in the same order.
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for key, en := range v.messages["en"] {
		ru, ok := v.messages["ru"][key]
		if !ok {
			t.Errorf("ru.json lacks %q", key)
			continue
		}
		if a, b := verbs.FindAllString(en, -1), verbs.FindAllString(ru, -1); strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("%q: en has verbs %v, ru %v", key, a, b)
		}
	}
	for key := range v.messages["ru"] {
		if _, ok := v.messages["en"][key]; !ok {
			t.Errorf("ru.json has %q, which en.json lacks", key)
		}
	}
}

func TestFormatting(t *testing.T) {
	cases := []struct {
		metric string
		in     any
		want   string
	}{
		{"clicks", 1234567.0, "1,234,567"},
		{"revenue", 1234.5, "1,234.50"},
		{"roi", -12.345, "-12.35%"},
		{"profit", -0.5, "-0.50"},
		{"country", "US", "US"},
		{"clicks", nil, "—"},
	}
	for _, tc := range cases {
		if got := formatMetric(tc.metric, tc.in); got != tc.want {
			t.Errorf("formatMetric(%s, %v) = %q, want %q", tc.metric, tc.in, got, tc.want)
		}
	}
	csvCases := map[string]string{"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "-12.5": "-12.5", "+1": "+1", "@SUM(1)": "'@SUM(1)", "plain": "plain"}
	for in, want := range csvCases {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseFormOnlyDeclaredFields(t *testing.T) {
	specs := []fieldSpec{{Name: "name", Kind: kindText}, {Name: "payout_value", Kind: kindNumber}, {Name: "country", Kind: kindLines},
		{Name: "payout_auto", Kind: kindCheckbox}, {Name: "group_id", Kind: kindRef}}
	form := map[string][]string{"name": {" Offer "}, "payout_value": {"1,5"}, "country": {"US\r\nCA, DE\n"},
		"group_id": {""}, "id": {"999"}, "state": {"deleted"}}
	doc, errs := parseForm(specs, form)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	want := `{"country":["US","CA","DE"],"group_id":0,"name":" Offer ","payout_auto":false,"payout_value":1.5}`
	if string(doc) != want {
		t.Errorf("got %s\nwant %s", doc, want)
	}
}

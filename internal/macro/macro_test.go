package macro

import (
	"strings"
	"testing"
)

var testValues = Map{
	"subid":     "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33",
	"keyword":   "red shoes & socks",
	"sub_id_1":  "a/b?c=d",
	"empty":     "",
	"crlf":      "x\r\nSet-Cookie: pwn=1",
	"pct":       "%0d%0aSet-Cookie:%20pwn=1",
	"unicode":   "привет",
	"Mixed":     "case-kept",
	"_lead":     "underscored-param",
	"status":    "sale",
	"ctrl":      "a\x00b\x1fc\x7fd\te",
	"braced":    "{subid}",
	"offer":     "https://offer.example/?a=1&b=2",
	"lowername": "low",
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name, tmpl, want string
	}{
		{"no macros", "https://x.example/a?b=c", "https://x.example/a?b=c"},
		{"encoded", "?s={subid}&k={keyword}", "?s=0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33&k=red+shoes+%26+socks"},
		{"raw", "?k={_keyword}&p={_sub_id_1}", "?k=red shoes & socks&p=a/b?c=d"},
		{"reserved chars encoded", "?p={sub_id_1}", "?p=a%2Fb%3Fc%3Dd"},
		{"unicode encoded", "?u={unicode}", "?u=%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82"},
		{"unknown stays", "?x={nope}&y={_nope}", "?x={nope}&y={_nope}"},
		{"unknown with colon stays", "?x={foo:bar}", "?x={foo:bar}"},
		{"empty value", "?e={empty}&r={_empty}", "?e=&r="},
		{"empty braces stay", "a{}b", "a{}b"},
		{"lone open brace", "a{b", "a{b"},
		{"lone close brace", "a}b", "a}b"},
		{"nested braces", "{{subid}}", "{0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33}"},
		{"open inside unknown", "{a{keyword}", "{ared+shoes+%26+socks"},
		{"value with braces not re-expanded", "{braced}|{_braced}", "%7Bsubid%7D|{subid}"},
		{"crlf in value encoded", "?c={crlf}", "?c=x%0D%0ASet-Cookie%3A+pwn%3D1"},
		{"crlf in raw value stripped", "?c={_crlf}", "?c=xSet-Cookie: pwn=1"},
		{"percent crlf stays inert encoded", "?c={pct}", "?c=%250d%250aSet-Cookie%3A%2520pwn%3D1"},
		{"percent crlf raw stays text", "?c={_pct}", "?c=%0d%0aSet-Cookie:%20pwn=1"},
		{"crlf in template stripped", "a\r\nb{x\r\n}", "ab{x}"},
		{"control chars raw", "{_ctrl}", "abcd\te"},
		{"case fallback", "{SUBID}", "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33"},
		{"exact case first", "{Mixed}", "case-kept"},
		{"underscore param itself", "{_lead}", "underscored-param"},
		{"offer value", "{offer}", "https%3A%2F%2Foffer.example%2F%3Fa%3D1%26b%3D2"},
		{"offer raw", "{_offer}", "https://offer.example/?a=1&b=2"},
		{"adjacent", "{_subid}{_subid}", "0191c3a4-7e2b-7c1d-9f00-aa11bb22cc330191c3a4-7e2b-7c1d-9f00-aa11bb22cc33"},
		{"status map", "{status:lead=1 sale=2 rejected=3}", "2"},
		{"status map missing", "[{status:lead=1 rejected=3}]", "[]"},
		{"status map encoded", "{status:sale=a&b}", "a%26b"},
		{"status case insensitive", "{status:SALE=ok}", "ok"},
		{"random bad", "{random:a,b}|{random:5}", "{random:a,b}|{random:5}"},
		{"random fixed", "{random:7,7}", "7"},
		{"random swapped fixed", "{random:-3,-3}", "-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Expand(tt.tmpl, testValues); got != tt.want {
				t.Errorf("Expand(%q) = %q, want %q", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestExpandRaw(t *testing.T) {
	tests := []struct{ tmpl, want string }{
		{`{"k":"{keyword}","s":"{_subid}"}`, `{"k":"red shoes & socks","s":"0191c3a4-7e2b-7c1d-9f00-aa11bb22cc33"}`},
		{"{crlf}", "xSet-Cookie: pwn=1"},
		{"{status:sale=a&b}", "a&b"},
		{"{nope} {}", "{nope} {}"},
	}
	for _, tt := range tests {
		if got := ExpandRaw(tt.tmpl, testValues); got != tt.want {
			t.Errorf("ExpandRaw(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

func TestExpandStatusWithoutConversion(t *testing.T) {
	got := Expand("{status:lead=1}", Map{"subid": "x"})
	if got != "{status:lead=1}" {
		t.Errorf("got %q, want the macro kept as written", got)
	}
}

func TestExpandNilValues(t *testing.T) {
	if got := Expand("{subid}-{random:1,1}", nil); got != "{subid}-1" {
		t.Errorf("got %q", got)
	}
}

func TestExpandRandomRange(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		got := Expand("{random:1,3}", nil)
		if got != "1" && got != "2" && got != "3" {
			t.Fatalf("random out of range: %q", got)
		}
		seen[got] = true
	}
	if len(seen) != 3 {
		t.Errorf("500 draws of 1..3 gave only %v", seen)
	}
	if got := Expand("{random}", nil); got == "{random}" || strings.HasPrefix(got, "-") {
		t.Errorf("bare random = %q", got)
	}
	if got := Expand("{random:-9223372036854775808,9223372036854775807}", nil); got == "" || got[0] == '{' {
		t.Errorf("full int64 range = %q", got)
	}
}

func TestHeaderSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\r\nb", "ab"},
		{"\x00\x01tab\tkept\x7f", "tab\tkept"},
		{"%0d%0a", "%0d%0a"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := HeaderSafe(tt.in); got != tt.want {
			t.Errorf("HeaderSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkExpand(b *testing.B) {
	tmpl := "https://offer.example/click?aff=42&clickid={subid}&kw={keyword}&s1={sub_id_1}&raw={_keyword}&x={unknown}"
	b.ReportAllocs()
	for b.Loop() {
		_ = Expand(tmpl, testValues)
	}
}

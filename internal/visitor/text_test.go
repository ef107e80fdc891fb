package visitor

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"ascii kept", "Mozilla/5.0 (X11)", 100, "Mozilla/5.0 (X11)"},
		{"trimmed", "  ua  ", 100, "ua"},
		{"crlf replaced", "a\r\nb", 100, "a  b"},
		{"nul and del", "a\x00b\x7fc", 100, "a b c"},
		{"c1 control", "a\u0085b", 100, "a b"},
		{"invalid utf8", "a\xffb\xc3", 100, "a\uFFFDb\uFFFD"},
		{"unicode kept", "Яндекс", 100, "Яндекс"},
		{"truncated", "abcdef", 3, "abc"},
		{"cut inside a character", "abЯ", 3, "ab"},
		{"cut after a whole character", "aЯb", 3, "aЯ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanText(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("cleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if !utf8.ValidString(got) || strings.ContainsAny(got, "\r\n\x00") {
				t.Errorf("unsafe output %q", got)
			}
		})
	}
}

func TestPrimaryLanguage(t *testing.T) {
	tests := []struct{ header, want string }{
		{"ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"},
		{"en-US", "en"},
		{"DE", "de"},
		{"pt_BR", "pt"},
		{"fr;q=0.5, es;q=0.9", "es"},
		{"fr;q=0.5, es;q=0.5", "fr"},
		{"*", ""},
		{"*, it;q=0.1", "it"},
		{"en;q=0, de;q=0.1", "de"},
		{"fil-PH, en", "en"},
		{"zh-Hant-TW;q=0.8;foo=bar", "zh"},
		{"en;q=bogus", "en"},
		{"", ""},
		{"\xff\xfe, 12", ""},
		{strings.Repeat("x,", 1000) + "en", ""}, // the bound cuts a hostile header
	}
	for _, tt := range tests {
		if got := primaryLanguage(tt.header); got != tt.want {
			t.Errorf("primaryLanguage(%.40q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

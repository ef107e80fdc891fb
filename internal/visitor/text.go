package visitor

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// cleanText makes visitor-supplied header text safe to store, log, match and
// put into macros: at most max bytes (cut on a character boundary), invalid
// UTF-8 replaced by U+FFFD, control characters (C0, DEL, C1) replaced by a
// space. Plain printable ASCII, the usual case, is returned as is.
func cleanText(s string, max int) string {
	if len(s) > max {
		s = s[:max]
		for range utf8.UTFMax - 1 { // drop a multi-byte character cut in half
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	if printableASCII(s) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // ranging over a string yields U+FFFD for each invalid byte
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// maxAcceptLanguage bounds the work on a hostile header; real ones are short.
const maxAcceptLanguage = 512

// primaryLanguage returns the two-letter primary subtag of the most preferred
// language in an Accept-Language header ("ru-RU,en;q=0.8" -> "ru"). Ties keep
// header order; q=0, "*" and anything not two ASCII letters are skipped.
func primaryLanguage(header string) string {
	if len(header) > maxAcceptLanguage {
		header = header[:maxAcceptLanguage]
	}
	best, bestQ := "", 0.0
	for header != "" {
		var item string
		item, header, _ = strings.Cut(header, ",")
		tag, params, _ := strings.Cut(item, ";")
		lang := twoLetterPrimary(strings.TrimSpace(tag))
		if lang == "" {
			continue
		}
		if q := quality(params); q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// twoLetterPrimary returns the lower-case primary subtag of tag if it is two
// ASCII letters.
func twoLetterPrimary(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) != 2 || !isLetter(tag[0]) || !isLetter(tag[1]) {
		return ""
	}
	return strings.ToLower(tag)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// quality reads "q=0.8" from the parameters of one Accept-Language item;
// missing or malformed means 1, as the header's grammar defaults.
func quality(params string) float64 {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q > 1 || q < 0 {
			return 1
		}
		return q
	}
	return 1
}

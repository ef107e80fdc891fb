// Package macro expands the {placeholders} buyers put in offer, landing and
// postback URLs. It is pure (no I/O) and sits on the click path, so expansion
// walks the template once and writes into a single strings.Builder.
//
// Rules (shared/API.md "Macros"):
//   - {name} is replaced by the URL-query-encoded value, {_name} by the raw value;
//   - built-ins {date:FORMAT,TZ}, {random:MIN,MAX}, {status:lead=A sale=B ...};
//   - an unknown macro stays exactly as written;
//   - the output never contains CR or LF, whatever the template or the values
//     hold, so an expanded URL is always safe to put in a Location header.
package macro

import (
	"strings"
)

// Values supplies macro values by name.
type Values interface {
	Lookup(name string) (string, bool)
}

// Map is the usual Values: macro name -> value.
type Map map[string]string

// Lookup returns the value of name.
func (m Map) Lookup(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}

// Expand replaces {name} with the URL-query-encoded value and {_name} with the
// raw value, expands the built-ins, and leaves unknown macros as written.
func Expand(tmpl string, v Values) string { return expand(tmpl, v, true) }

// ExpandRaw is Expand without encoding {name}: for POST bodies and show_text
// actions, where the value is not going into a URL.
func ExpandRaw(tmpl string, v Values) string { return expand(tmpl, v, false) }

// HeaderSafe strips CR, LF and the other ASCII control characters (tab is
// kept: it is legal inside a header value), so s cannot split a header.
func HeaderSafe(s string) string {
	if !needsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	writeSafe(&b, s)
	return b.String()
}

func isControl(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

func needsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if isControl(s[i]) {
			return true
		}
	}
	return false
}

// writeSafe writes s without control characters.
func writeSafe(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		if isControl(s[i]) {
			b.WriteString(s[start:i])
			start = i + 1
		}
	}
	b.WriteString(s[start:])
}

// expand walks tmpl once. A '{' opens a macro only if a '}' follows before any
// other '{'; otherwise it is literal text, so "{{subid}}" gives "{" value "}".
func expand(tmpl string, v Values, encode bool) string {
	open := strings.IndexByte(tmpl, '{')
	if open < 0 {
		return HeaderSafe(tmpl)
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 64)
	for open >= 0 {
		writeSafe(&b, tmpl[:open])
		rest := tmpl[open+1:]
		end := indexBrace(rest)
		if end < 0 {
			tmpl = tmpl[open:]
			break
		}
		if rest[end] == '{' {
			b.WriteByte('{')
			tmpl = rest
		} else {
			body := rest[:end]
			if !expandOne(&b, body, v, encode) {
				writeSafe(&b, tmpl[open:open+end+2])
			}
			tmpl = rest[end+1:]
		}
		open = strings.IndexByte(tmpl, '{')
	}
	writeSafe(&b, tmpl)
	return b.String()
}

// indexBrace is strings.IndexAny(s, "{}") without building a set per call.
func indexBrace(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '{' || s[i] == '}' {
			return i
		}
	}
	return -1
}

// expandOne writes the expansion of one macro body (the text between the
// braces) and reports whether it knew the macro.
func expandOne(b *strings.Builder, body string, v Values, encode bool) bool {
	if body == "" {
		return false
	}
	if name, args, ok := strings.Cut(body, ":"); ok || isBuiltin(body) {
		if done := expandBuiltin(b, name, args, ok, v, encode); done {
			return true
		}
	}
	if body[0] == '_' && len(body) > 1 {
		if val, ok := lookup(v, body[1:]); ok {
			writeSafe(b, val)
			return true
		}
	}
	val, ok := lookup(v, body)
	if !ok {
		return false
	}
	writeValue(b, val, encode)
	return true
}

// lookup tries the exact name, then its lower-case form, so {SubID} still
// finds subid while query parameters keep their own case.
func lookup(v Values, name string) (string, bool) {
	if v == nil {
		return "", false
	}
	if val, ok := v.Lookup(name); ok {
		return val, true
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			return v.Lookup(strings.ToLower(name))
		}
	}
	return "", false
}

func writeValue(b *strings.Builder, val string, encode bool) {
	if encode {
		writeQueryEscaped(b, val)
	} else {
		writeSafe(b, val)
	}
}

const upperhex = "0123456789ABCDEF"

// writeQueryEscaped writes s as url.QueryEscape would, without allocating a
// temporary string. Every control character comes out percent-encoded, so it
// is harmless in a header.
func writeQueryEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case unreserved(c):
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&15])
		}
	}
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

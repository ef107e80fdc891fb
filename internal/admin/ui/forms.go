package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/kite-tracker/kite/internal/catalog"
)

// Kinds of form fields: how the typed text becomes a JSON request value.
const (
	kindText     = "text"
	kindURL      = "url"
	kindTextarea = "textarea"
	kindSelect   = "select"   // string enum
	kindRef      = "ref"      // id of another object; "" = none
	kindInt      = "int"      // whole number
	kindNumber   = "number"   // decimal
	kindCheckbox = "checkbox" // bool
	kindLines    = "lines"    // one value per line -> JSON array of strings
	kindJSON     = "json"     // a JSON document typed as is
	// JSON documents with a table editor in the page (the JSON stays the form value).
	kindParams    = "params"    // a traffic source parameter template
	kindPostbacks = "postbacks" // a campaign's S2S postbacks
)

// fieldSpec declares one form field by its request JSON name (Keitaro's).
type fieldSpec struct {
	Name     string
	Label    string // catalog key
	Kind     string
	Options  []option
	Required bool
	Wide     bool
	Hint     string // catalog key
}

type option struct {
	Value    string
	Text     string // shown as is (a name), or
	Key      string // a catalog key
	Selected bool
}

// formField is a fieldSpec with what the user sees in it now.
type formField struct {
	fieldSpec
	Value string
	Error string
	Rows  int
	Step  string
}

// enumOptions turns enum values into options labelled by catalog keys prefix+value.
func enumOptions(prefix string, values ...string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Key: prefix + v}
	}
	return out
}

// parseForm turns the submitted form into a JSON request document holding only
// the declared fields (no mass assignment), plus field errors for values that
// are not even the right type.
func parseForm(specs []fieldSpec, form url.Values) ([]byte, catalog.FieldErrors) {
	doc, errs := map[string]any{}, catalog.FieldErrors{}
	for _, f := range specs {
		if _, sent := form[f.Name]; !sent && f.Kind != kindCheckbox {
			continue // a field the form did not carry keeps its value (an unticked checkbox is never sent)
		}
		raw := strings.TrimSpace(form.Get(f.Name))
		switch f.Kind {
		case kindCheckbox:
			doc[f.Name] = raw != ""
		case kindInt, kindNumber:
			if raw == "" {
				continue // absent keeps the value (update) or takes the default (create)
			}
			n, err := strconv.ParseFloat(strings.ReplaceAll(raw, ",", "."), 64)
			if err != nil || (f.Kind == kindInt && n != float64(int64(n))) {
				errs[f.Name] = "form.invalid_number"
				continue
			}
			doc[f.Name] = n
		case kindRef:
			id, _ := strconv.ParseInt(raw, 10, 64)
			doc[f.Name] = id
		case kindLines:
			doc[f.Name] = splitLines(raw)
		case kindJSON, kindParams, kindPostbacks:
			if raw == "" {
				continue
			}
			if !json.Valid([]byte(raw)) {
				errs[f.Name] = "form.invalid_json"
				continue
			}
			doc[f.Name] = json.RawMessage(raw)
		default:
			doc[f.Name] = form.Get(f.Name) // text keeps the user's spaces
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		errs[""] = err.Error()
	}
	return b, errs
}

func splitLines(s string) []string {
	out := []string{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// valuesOf reads an object's current field values through its JSON form,
// which carries the same names as the request.
func valuesOf(specs []fieldSpec, obj any) map[string]string {
	m := map[string]any{}
	if err := roundTrip(obj, &m); err != nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(specs))
	for _, f := range specs {
		out[f.Name] = fieldText(f.Kind, m[f.Name])
	}
	return out
}

func fieldText(kind string, v any) string {
	switch kind {
	case kindCheckbox:
		if b, _ := v.(bool); b {
			return "1"
		}
		return ""
	case kindLines:
		list, _ := v.([]any)
		parts := make([]string, 0, len(list))
		for _, x := range list {
			parts = append(parts, cellText(x))
		}
		return strings.Join(parts, "\n")
	case kindJSON, kindParams, kindPostbacks:
		if v == nil {
			return ""
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	case kindRef:
		if f, ok := v.(float64); ok && f != 0 {
			return cellText(f)
		}
		return ""
	}
	return cellText(v)
}

// buildForm pairs specs with values and errors for the template.
func buildForm(specs []fieldSpec, values map[string]string, errs catalog.FieldErrors) []formField {
	out := make([]formField, 0, len(specs))
	for _, s := range specs {
		f := formField{fieldSpec: s, Value: values[s.Name], Error: errs[s.Name]}
		if len(s.Options) > 0 {
			f.Options = make([]option, len(s.Options))
			for i, o := range s.Options {
				o.Selected = o.Value == f.Value
				f.Options[i] = o
			}
		}
		switch s.Kind {
		case kindInt:
			f.Kind, f.Step = "number", "1"
		case kindNumber:
			f.Kind, f.Step = "number", "any"
		case kindRef:
			f.Kind = kindSelect
		case kindLines, kindJSON:
			f.Kind, f.Rows = kindTextarea, 4
		case kindParams, kindPostbacks:
			f.Rows = 6
		}
		out = append(out, f)
	}
	return out
}

// formValues keeps exactly what the user typed, for a re-render.
func formValues(specs []fieldSpec, form url.Values) map[string]string {
	out := make(map[string]string, len(specs))
	for _, s := range specs {
		out[s.Name] = form.Get(s.Name)
	}
	return out
}

// fieldErrors splits a domain error into field errors the form can show; ok is
// false when err is not a validation problem.
func fieldErrors(err error, specs []fieldSpec) (catalog.FieldErrors, bool) {
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) {
		return nil, false
	}
	out := catalog.FieldErrors{}
	var rest []string
	for k, msg := range ve.Fields {
		switch {
		case hasField(specs, k):
			out[k] = msg
		case hasField(specs, setName(k)):
			// "filters[2].payload": the set's field shows it, and the
			// stream editor shows it beside the filter itself.
			out[k] = msg
			if out[setName(k)] == "" {
				out[setName(k)] = "form.fix_errors"
			}
		default:
			rest = append(rest, k+": "+msg)
		}
	}
	if len(rest) > 0 {
		out[""] = strings.Join(rest, "; ")
	}
	return out, true
}

// setName is "filters" of "filters[2].payload".
func setName(k string) string {
	if i := strings.IndexAny(k, "[."); i > 0 {
		return k[:i]
	}
	return k
}

func hasField(specs []fieldSpec, name string) bool {
	for _, s := range specs {
		if s.Name == name {
			return true
		}
	}
	return false
}

// decodeRequest fills a catalog request struct from the JSON document.
func decodeRequest(doc []byte, req any) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	return dec.Decode(req)
}

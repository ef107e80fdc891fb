package model

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSONText is a JSON document kept as text in SQL and passed through verbatim
// in API responses (filter payloads, parameter templates, status lists).
type JSONText string

// MarshalJSON writes the document itself, or null when empty.
func (j JSONText) MarshalJSON() ([]byte, error) {
	if j == "" {
		return []byte("null"), nil
	}
	if !json.Valid([]byte(j)) {
		return json.Marshal(string(j))
	}
	return []byte(j), nil
}

// UnmarshalJSON keeps the raw document; null becomes empty.
func (j *JSONText) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*j = ""
		return nil
	}
	*j = JSONText(b)
	return nil
}

// Value stores the document as text.
func (j JSONText) Value() (driver.Value, error) { return string(j), nil }

// Scan reads text or bytes.
func (j *JSONText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = ""
	case string:
		*j = JSONText(v)
	case []byte:
		*j = JSONText(string(v))
	default:
		return fmt.Errorf("model: cannot scan %T into JSONText", src)
	}
	return nil
}

// Decode unmarshals the document into v; an empty document leaves v alone.
func (j JSONText) Decode(v any) error {
	if j == "" {
		return nil
	}
	return json.Unmarshal([]byte(j), v)
}

// MustJSON encodes v as JSONText; it is for values that always encode.
func MustJSON(v any) JSONText {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return JSONText(b)
}

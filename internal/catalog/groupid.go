package catalog

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// looseID reads an id the way Keitaro's clients send one: a number, a numeric
// string ("7"), or "" / null / 0 for none. Keitaro's own UI posts group_id as
// a string, so refusing it would break scripts written against Keitaro.
type looseID struct {
	present bool
	id      int64
}

// UnmarshalJSON accepts 7, "7", "", null; anything else is a type error
// that names the field (400).
func (l *looseID) UnmarshalJSON(b []byte) error {
	l.present = true
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		l.id = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s = strings.TrimSpace(s); s == "" {
			l.id = 0
			return nil
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(truncate(s, 40)), Type: reflect.TypeFor[int64]()}
	}
	l.id = id
	return nil
}

// into sets *dst when the field was sent; 0 means "no group".
func (l looseID) into(dst **int64) {
	if l.present {
		id := l.id
		*dst = &id
	}
}

// UnmarshalJSON reads a campaign request, with group_id as a number or a string.
func (r *CampaignRequest) UnmarshalJSON(b []byte) error {
	type plain CampaignRequest
	aux := struct {
		*plain
		GroupID looseID `json:"group_id"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	aux.GroupID.into(&r.GroupID)
	return nil
}

// UnmarshalJSON reads an offer request, with group_id as a number or a string.
func (r *OfferRequest) UnmarshalJSON(b []byte) error {
	type plain OfferRequest
	aux := struct {
		*plain
		GroupID looseID `json:"group_id"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	aux.GroupID.into(&r.GroupID)
	return nil
}

// UnmarshalJSON reads a landing request, with group_id as a number or a string.
func (r *LandingRequest) UnmarshalJSON(b []byte) error {
	type plain LandingRequest
	aux := struct {
		*plain
		GroupID looseID `json:"group_id"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	aux.GroupID.into(&r.GroupID)
	return nil
}

package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Typed errors the HTTP layers map to status codes: ErrNotFound -> 404,
// ErrConflict -> 409, *ValidationError -> 422.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// FieldErrors maps a request field (e.g. "alias", "filters[2].payload") to a
// message a person can act on, so a form can show each next to its field.
type FieldErrors map[string]string

// ValidationError is a rejected request with per-field messages.
type ValidationError struct {
	Fields FieldErrors
}

// Error lists the fields in a stable order.
func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Invalid builds a ValidationError for one field.
func Invalid(field, msg string) *ValidationError {
	return &ValidationError{Fields: FieldErrors{field: msg}}
}

func notFound(what string, id int64) error {
	return fmt.Errorf("%w: %s %d", ErrNotFound, what, id)
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConflict, fmt.Sprintf(format, args...))
}

package catalog

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// Length limits shared by every resource.
const (
	MaxName  = 255
	MaxURL   = 4096
	MaxNotes = 65535
)

// Enums (Keitaro's values).
var (
	States            = []string{"active", "disabled", "deleted"}
	CampaignTypes     = []string{"position", "weight"}
	CostTypes         = []string{"CPC", "CPUC", "CPM", "CPA", "CPS", "RevShare", "CPUV", "CPV"}
	BindVisitors      = []string{"", "s", "sl", "slo"}
	StreamTypes       = []string{"forced", "regular", "default"}
	StreamSchemas     = []string{"redirect", "landings", "action"}
	FilterModes       = []string{"accept", "reject"}
	PostbackMethods   = []string{"GET", "POST"}
	PostbackStatuses  = []string{"lead", "sale", "rejected", "rebill"}
	ObjectTypes       = []string{"external", "local", "preloaded"}
	PayoutTypes       = []string{"CPA", "CPC"}
	DuplicatePolicies = []string{"ignore", "accept", "update"}
	GroupTypes        = []string{"campaigns", "offers", "landings", "sources"}
)

// ReservedAliases are paths the tracker itself serves; no campaign may take one.
var ReservedAliases = []string{"admin", "admin_api", "postback", "click_api", "lp", "static", "healthz", "readyz", "metrics"}

var aliasRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// checker collects field errors; methods are no-ops for fields already failed.
type checker struct{ f FieldErrors }

func newChecker() *checker { return &checker{f: FieldErrors{}} }

func (c *checker) add(field, format string, args ...any) {
	if _, ok := c.f[field]; !ok {
		c.f[field] = fmt.Sprintf(format, args...)
	}
}

func (c *checker) err() error {
	if len(c.f) == 0 {
		return nil
	}
	return &ValidationError{Fields: c.f}
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is required")
	}
}

func (c *checker) maxLen(field, v string, n int) {
	if utf8.RuneCountInString(v) > n {
		c.add(field, "is longer than %d characters", n)
	}
	if strings.ContainsRune(v, 0) {
		c.add(field, "must not contain NUL characters")
	}
}

func (c *checker) name(field, v string) {
	c.required(field, v)
	c.maxLen(field, v, MaxName)
}

func (c *checker) enum(field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.add(field, "must be one of %s (got %q)", strings.Join(quoteAll(allowed), ", "), v)
	}
}

// url accepts an empty value or an absolute http(s) URL of at most MaxURL;
// macros like {subid} are allowed anywhere after the host.
func (c *checker) url(field, v string) {
	if v == "" {
		return
	}
	c.maxLen(field, v, MaxURL)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add(field, "must be an absolute http(s) URL")
	}
}

// object accepts an empty document or a JSON object.
func (c *checker) object(field string, doc model.JSONText) {
	var m map[string]any
	if doc != "" && json.Unmarshal([]byte(doc), &m) != nil {
		c.add(field, "must be a JSON object")
	}
}

// position bounds ordering numbers so they fit every database's INTEGER.
func (c *checker) position(field string, v int) {
	c.between(field, float64(v), -1e9, 1e9)
}

func (c *checker) currency(field, v string) {
	if v != "" && !currencyRe.MatchString(v) {
		c.add(field, "must be an ISO 4217 code like USD")
	}
}

func (c *checker) timezone(field, v string) {
	if v == "" {
		return
	}
	if _, err := time.LoadLocation(v); err != nil || len(v) > 64 {
		c.add(field, "is not a known time zone")
	}
}

func (c *checker) between(field string, v, lo, hi float64) {
	if v < lo || v > hi {
		c.add(field, "must be between %g and %g", lo, hi)
	}
}

// ref checks that an optional referenced id exists in table.
// Without a database (Validate before saving) it checks nothing.
func (c *checker) ref(db *gorm.DB, field, table string, id *int64) error {
	if id == nil || db == nil {
		return nil
	}
	ok, err := exists(db, table, *id)
	if err != nil {
		return err
	}
	if !ok {
		c.add(field, "refers to %d, which does not exist", *id)
	}
	return nil
}

// ipOrRange accepts an address, a CIDR or a range "a-b" (v4 or v6).
func ipOrRange(s string) bool {
	s = strings.TrimSpace(s)
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
	b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
	return err1 == nil && err2 == nil && a.Is4() == b.Is4() && !b.Less(a)
}

// ipOrCIDR accepts an address or a CIDR (no ranges): for lists that other
// packages match with netip.Prefix.
func ipOrCIDR(s string) bool {
	s = strings.TrimSpace(s)
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

func quoteAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// groupID turns the request's group id into the stored one: 0 clears it.
func groupID(v *int64) *int64 {
	if v == nil || *v == 0 {
		return nil
	}
	id := *v
	return &id
}

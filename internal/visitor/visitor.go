// Package visitor turns an HTTP request into a Visitor: real IP (trusting only
// the configured proxies), country (embedded database) and optional
// region/city/ISP (a MaxMind-format file), device/OS/browser from the
// User-Agent, language, referrer and a bot verdict.
//
// It sits on the click path, so everything costly is prepared in NewParser
// (databases opened, crawler patterns compiled) and User-Agent results are
// cached: Parse itself does no I/O and takes no lock shared by all requests.
package visitor

import (
	"fmt"
	"net/http"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Options configures a Parser.
type Options struct {
	TrustedProxies []netip.Prefix // X-Forwarded-For / X-Real-IP / CF-Connecting-IP believed only from these
	GeoIPPath      string         // optional MaxMind-format mmdb (City / ASN / ISP / Connection-Type); "" = none
	UACacheSize    int            // distinct User-Agents kept parsed; 0 = DefaultUACacheSize
}

// DefaultUACacheSize bounds the User-Agent cache (about 3 MB at 8192).
const DefaultUACacheSize = 8192

// Visitor is what Kite knows about the person behind a click.
type Visitor struct {
	IP             netip.Addr
	IPText         string
	Country        string // ISO 3166-1 alpha-2, upper case
	Region         string
	City           string
	ISP            string
	ConnectionType string
	ASN            uint
	UserAgent      string
	DeviceType     string // desktop, mobile, tablet, tv, console, wearable, bot, or "" if unknown
	DeviceModel    string
	OS             string
	OSVersion      string
	Browser        string
	BrowserVersion string
	Language       string // primary language from Accept-Language, lower-case 2 letters
	Referrer       string
	IsBot          bool
	BotReason      string
	IsProxy        bool // proxy = request carried forwarding headers from an untrusted peer, or Via
}

// Parser reads requests into Visitors. It is safe for concurrent use.
type Parser struct {
	trusted  []netip.Prefix
	country  *maxminddb.Reader // embedded, always present
	geo      *maxminddb.Reader // optional KITE_GEOIP_DB
	agents   *agentParser
	crawlers *crawlerMatcher
}

// NewParser opens the databases and compiles the matchers. It fails only on
// a GeoIPPath that cannot be opened (a typo there should stop the start-up,
// not silently drop region and city from every click).
func NewParser(opt Options) (*Parser, error) {
	country, err := embeddedCountryDB()
	if err != nil {
		return nil, err
	}
	crawlers, err := embeddedCrawlers()
	if err != nil {
		return nil, err
	}
	p := &Parser{
		trusted:  normalisePrefixes(opt.TrustedProxies),
		country:  country,
		agents:   newAgentParser(opt.UACacheSize, crawlers),
		crawlers: crawlers,
	}
	if opt.GeoIPPath != "" {
		if p.geo, err = maxminddb.Open(opt.GeoIPPath); err != nil {
			return nil, fmt.Errorf("visitor: open GeoIP database %q: %w", opt.GeoIPPath, err)
		}
	}
	return p, nil
}

// Close releases the optional GeoIP file. The embedded database is shared by
// every Parser and stays.
func (p *Parser) Close() error {
	if p.geo == nil {
		return nil
	}
	err := p.geo.Close()
	p.geo = nil
	return err
}

// Parse reads a request into a Visitor; it never fails (unknowns stay empty).
// bots is the user's own bot list and may be nil.
func (p *Parser) Parse(r *http.Request, bots *BotList) Visitor {
	var v Visitor
	v.IP, v.IsProxy = p.clientIP(r)
	if v.IP.IsValid() {
		v.IPText = v.IP.String()
		p.lookupGeo(&v)
	}
	v.UserAgent = cleanText(r.Header.Get("User-Agent"), maxUserAgent)
	v.Referrer = cleanText(r.Header.Get("Referer"), maxReferrer)
	v.Language = primaryLanguage(r.Header.Get("Accept-Language"))

	a := p.agents.parse(v.UserAgent)
	v.DeviceType, v.DeviceModel = a.DeviceType, a.DeviceModel
	v.OS, v.OSVersion = a.OS, a.OSVersion
	v.Browser, v.BrowserVersion = a.Browser, a.BrowserVersion
	v.IsBot, v.BotReason = a.IsBot, a.BotReason
	if !v.IsBot {
		v.IsBot, v.BotReason = bots.match(v.IP, v.UserAgent)
	}
	return v
}

// Limits on visitor-supplied text: enough for any real browser, small enough
// that a hostile header cannot bloat the cache, the click record or the regexes.
const (
	maxUserAgent = 1024
	maxReferrer  = 2048
)

package visitor

import (
	"net/netip"
	"testing"
)

func TestEmbeddedCountry(t *testing.T) {
	p := newTestParser(t, Options{})
	tests := []struct{ ip, want string }{
		{"8.8.8.8", "US"},
		{"77.88.8.8", "RU"},
		{"2001:4860:4860::8888", "US"},
		{"10.1.2.3", ""},
		{"127.0.0.1", ""},
		{"::1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			v := Visitor{IP: netip.MustParseAddr(tt.ip)}
			p.lookupGeo(&v)
			if v.Country != tt.want {
				t.Errorf("country(%s) = %q, want %q", tt.ip, v.Country, tt.want)
			}
		})
	}
}

func TestOptionalGeoIPCity(t *testing.T) {
	path := writeTestMMDB(t, "GeoIP2-City", map[string]map[string]any{
		"81.2.69.0/24": {
			"country":      map[string]any{"iso_code": "GB", "names": map[string]any{"en": "United Kingdom"}},
			"subdivisions": []any{map[string]any{"iso_code": "ENG", "names": map[string]any{"en": "England", "de": "England"}}},
			"city":         map[string]any{"names": map[string]any{"en": "London", "ru": "Лондон"}},
		},
		"2a02:6b8::/32": {
			"country": map[string]any{"iso_code": "RU"},
			"city":    map[string]any{"names": map[string]any{"en": "Moscow"}},
		},
	})
	p := newTestParser(t, Options{GeoIPPath: path})
	tests := []struct{ ip, country, region, city string }{
		{"81.2.69.160", "GB", "England", "London"},
		{"2a02:6b8::feed", "RU", "", "Moscow"},
		{"8.8.8.8", "US", "", ""}, // not in the file: the embedded country stays
	}
	for _, tt := range tests {
		v := Visitor{IP: netip.MustParseAddr(tt.ip)}
		p.lookupGeo(&v)
		if v.Country != tt.country || v.Region != tt.region || v.City != tt.city {
			t.Errorf("%s = %q/%q/%q, want %q/%q/%q", tt.ip, v.Country, v.Region, v.City, tt.country, tt.region, tt.city)
		}
	}
}

func TestOptionalGeoIPASNAndISP(t *testing.T) {
	tests := []struct {
		name, dbType string
		rec          map[string]any
		isp, conn    string
		asn          uint
	}{
		{"asn", "GeoLite2-ASN", map[string]any{"autonomous_system_number": 15169, "autonomous_system_organization": "GOOGLE"}, "GOOGLE", "", 15169},
		{"isp", "GeoIP2-ISP", map[string]any{"autonomous_system_number": 15169, "autonomous_system_organization": "GOOGLE", "isp": "Google LLC", "organization": "Google Public DNS"}, "Google LLC", "", 15169},
		{"org only", "GeoIP2-ISP", map[string]any{"organization": "Example Org"}, "Example Org", "", 0},
		{"connection type", "GeoIP2-Connection-Type", map[string]any{"connection_type": "Cellular"}, "", "Cellular", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTestMMDB(t, tt.dbType, map[string]map[string]any{"8.8.8.0/24": tt.rec})
			p := newTestParser(t, Options{GeoIPPath: path})
			v := Visitor{IP: netip.MustParseAddr("8.8.8.8")}
			p.lookupGeo(&v)
			if v.ISP != tt.isp || v.ASN != tt.asn || v.ConnectionType != tt.conn || v.Country != "US" {
				t.Errorf("got isp %q asn %d conn %q country %q", v.ISP, v.ASN, v.ConnectionType, v.Country)
			}
		})
	}
}

func TestNormaliseCountry(t *testing.T) {
	for in, want := range map[string]string{"us": "US", "GB": "GB", "ZZ": "", "": "", "USA": "", "1A": ""} {
		if got := normaliseCountry(in); got != want {
			t.Errorf("normaliseCountry(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewParserBadGeoIPPath(t *testing.T) {
	if _, err := NewParser(Options{GeoIPPath: "/nonexistent/kite.mmdb"}); err == nil {
		t.Fatal("want an error for a missing GeoIP file")
	}
}

func newTestParser(t testing.TB, opt Options) *Parser {
	t.Helper()
	p, err := NewParser(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

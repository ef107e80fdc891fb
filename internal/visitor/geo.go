package visitor

import "strings"

// geoRecord decodes any of the MaxMind layouts Kite accepts in one pass: a
// field the file does not have simply stays empty, so one struct serves
// GeoIP2/GeoLite2 City and Country, ASN, ISP and Connection-Type files.
type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string   `maxminddb:"iso_code"`
		Names   geoNames `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names geoNames `maxminddb:"names"`
	} `maxminddb:"city"`
	ASN            uint   `maxminddb:"autonomous_system_number"`
	ASOrg          string `maxminddb:"autonomous_system_organization"`
	ISP            string `maxminddb:"isp"`
	Organization   string `maxminddb:"organization"`
	ConnectionType string `maxminddb:"connection_type"`
	CountryCode    string `maxminddb:"country_code"` // ip-location-db country files
}

// geoNames keeps only the English name: decoding the whole names map would
// allocate a map per click for languages nobody reads.
type geoNames struct {
	EN string `maxminddb:"en"`
}

// lookupGeo fills the country from the embedded database, then lets the
// optional file fill in (and, for the country, correct) what it knows.
func (p *Parser) lookupGeo(v *Visitor) {
	var code string
	if err := p.country.Lookup(v.IP).DecodePath(&code, "country_code"); err == nil {
		v.Country = normaliseCountry(code)
	}
	if p.geo == nil {
		return
	}
	var rec geoRecord
	if err := p.geo.Lookup(v.IP).Decode(&rec); err != nil {
		return
	}
	rec.apply(v)
}

// apply copies a decoded record into v.
func (rec *geoRecord) apply(v *Visitor) {
	if c := normaliseCountry(first(rec.Country.ISOCode, rec.CountryCode)); c != "" {
		v.Country = c
	}
	if len(rec.Subdivisions) > 0 {
		s := rec.Subdivisions[0]
		v.Region = first(s.Names.EN, s.ISOCode)
	}
	v.City = rec.City.Names.EN
	v.ASN = rec.ASN
	v.ISP = first(rec.ISP, rec.Organization, rec.ASOrg)
	v.ConnectionType = rec.ConnectionType
}

// normaliseCountry upper-cases an ISO code and drops anything that is not
// two letters (some databases use "ZZ" or "" for unknown).
func normaliseCountry(code string) string {
	if len(code) != 2 || strings.EqualFold(code, "ZZ") {
		return ""
	}
	c := strings.ToUpper(code)
	if c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return ""
	}
	return c
}

func first(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

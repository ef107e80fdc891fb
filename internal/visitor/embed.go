package visitor

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/oschwald/maxminddb-golang/v2"
)

// countryDBGz is the IP -> country database (data/README.md says where from).
//
//go:embed data/geo-whois-asn-country.mmdb.gz
var countryDBGz []byte

// crawlerJSON is the crawler User-Agent list (data/README.md).
//
//go:embed data/crawler-user-agents.json
var crawlerJSON []byte

// embeddedCountryDB inflates and opens the country database once per process:
// every Parser shares the same read-only reader.
var embeddedCountryDB = sync.OnceValues(func() (*maxminddb.Reader, error) {
	zr, err := gzip.NewReader(bytes.NewReader(countryDBGz))
	if err != nil {
		return nil, fmt.Errorf("visitor: embedded country database: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("visitor: embedded country database: %w", err)
	}
	db, err := maxminddb.OpenBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("visitor: embedded country database: %w", err)
	}
	return db, nil
})

// embeddedCrawlers compiles the crawler list once per process.
var embeddedCrawlers = sync.OnceValues(func() (*crawlerMatcher, error) {
	return newCrawlerMatcherJSON(crawlerJSON)
})

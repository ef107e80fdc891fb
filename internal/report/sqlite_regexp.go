package report

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"sync"

	sqlite "github.com/glebarez/go-sqlite"
)

// SQLite has no REGEXP function of its own; registering one makes
// "x REGEXP ?" work on every connection opened afterwards. Patterns are RE2
// (linear time, no catastrophic backtracking) and cached, since a report
// applies one pattern to many rows.
func init() {
	// An error means another package registered regexp first; theirs serves.
	_ = sqlite.RegisterDeterministicScalarFunction("regexp", 2, sqliteRegexp)
}

var regexpCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const regexpCacheSize = 256

func compileCached(pattern string) (*regexp.Regexp, error) {
	regexpCache.Lock()
	defer regexpCache.Unlock()
	if re, ok := regexpCache.m[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	if len(regexpCache.m) >= regexpCacheSize {
		clear(regexpCache.m)
	}
	regexpCache.m[pattern] = re
	return re, nil
}

func sqliteRegexp(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	pattern, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("regexp: pattern must be text")
	}
	var value string
	switch v := args[1].(type) {
	case nil:
		return false, nil
	case string:
		value = v
	case []byte:
		value = string(v)
	default:
		value = fmt.Sprint(v)
	}
	re, err := compileCached(pattern)
	if err != nil {
		return nil, err
	}
	return re.MatchString(value), nil
}

package visitor

import (
	"strings"
	"sync"

	"github.com/ua-parser/uap-go/uaparser"
)

// agentInfo is what one User-Agent string says about the device.
type agentInfo struct {
	DeviceType, DeviceModel string
	OS, OSVersion           string
	Browser, BrowserVersion string
	IsBot                   bool
	BotReason               string
}

// Bot reasons, as stored with the click and shown in the UI.
const (
	BotReasonEmptyUA   = "empty user agent"
	BotReasonCrawler   = "crawler: "   // followed by the matching pattern
	BotReasonBotListIP = "bot list ip" // the user's own list
	BotReasonBotListUA = "bot list ua"
)

// agentParser runs uap-go's rules (prefiltered by fastUAP) behind a bounded
// cache: real traffic repeats a small set of User-Agents.
type agentParser struct {
	uap      *fastUAP
	cache    *uaCache
	crawlers *crawlerMatcher
}

// sharedUAP compiles uap-go's embedded regexes once per process; Kite runs
// them through fastUAP (same answers, prefiltered), never through uap-go's
// own Parse, so its internal cache is kept at the minimum.
var sharedUAP = sync.OnceValue(func() *uaparser.Parser {
	p, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		// uap-go only fails on malformed built-in definitions (a build problem);
		// the deprecated constructor builds the identical default or panics.
		return uaparser.NewFromSaved()
	}
	return p
})

var sharedFastUAP = sync.OnceValue(func() *fastUAP { return newFastUAP(sharedUAP()) })

func newAgentParser(cacheSize int, crawlers *crawlerMatcher) *agentParser {
	return &agentParser{uap: sharedFastUAP(), cache: newUACache(cacheSize), crawlers: crawlers}
}

// parse returns the cached result for ua, computing it on a miss.
func (a *agentParser) parse(ua string) agentInfo {
	if ua == "" {
		return agentInfo{IsBot: true, BotReason: BotReasonEmptyUA}
	}
	if info, ok := a.cache.get(ua); ok {
		return info
	}
	info := a.compute(ua)
	a.cache.put(strings.Clone(ua), info) // do not pin the request's header memory
	return info
}

func (a *agentParser) compute(ua string) agentInfo {
	browser, os, device := a.uap.parse(ua)
	info := agentInfo{
		Browser:        known(browser.Family),
		BrowserVersion: version(browser.Major, browser.Minor, browser.Patch),
		OS:             known(os.Family),
		OSVersion:      version(os.Major, os.Minor, os.Patch),
		DeviceModel:    known(first(device.Model, device.Family)),
	}
	if pattern, ok := a.crawlers.match(ua); ok {
		info.IsBot, info.BotReason = true, BotReasonCrawler+pattern
	} else if device.Family == "Spider" {
		info.IsBot, info.BotReason = true, BotReasonCrawler+"uap-core spider"
	}
	if info.IsBot {
		info.DeviceType, info.DeviceModel = "bot", ""
	} else {
		info.DeviceType = deviceType(ua)
	}
	return info
}

// known maps uap-go's "Other" (no rule matched) to empty.
func known(s string) string {
	if s == "Other" {
		return ""
	}
	return s
}

// version joins the non-empty parts: "17", "4" -> "17.4".
func version(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			break
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// deviceTypeRules are checked in order; the first rule with a token in the
// User-Agent decides. TVs and consoles come first because their UAs often
// also say "Linux" or "Mobile"; tablets before phones because iPads say
// "Mobile"; Android before desktop because every Android UA says "Linux".
var deviceTypeRules = []struct {
	kind   string
	tokens []string
}{
	{"tv", []string{"SmartTV", "SMART-TV", "Smart-TV", "SmartTv", "HbbTV", "AppleTV", "Apple TV", "GoogleTV",
		"Android TV", "AndroidTV", "CrKey", "Roku", "BRAVIA", "NetCast", "Web0S", "webOS.TV", "Tizen TV", "AFTB",
		"AFTM", "AFTS", "AFTT", "PhilipsTV", "DTV"}},
	{"console", []string{"PlayStation", "Xbox", "Nintendo"}},
	{"wearable", []string{"watchOS", "Watch OS", "Wear OS", "WearOS", "Glass 1"}},
	{"tablet", []string{"iPad", "Tablet", "tablet", "Kindle", "Silk/", "PlayBook", "Nexus 7", "Nexus 9", "Nexus 10"}},
	{"mobile", []string{"iPhone", "iPod", "Mobile", "Windows Phone", "BlackBerry", "BB10", "Opera Mini",
		"IEMobile", "Mobi"}},
	{"tablet", []string{"Android"}}, // Android without "Mobile": a tablet, by Google's own convention
	{"desktop", []string{"Windows NT", "Macintosh", "X11", "CrOS", "Linux"}},
}

// deviceType classifies the device from its User-Agent.
func deviceType(ua string) string {
	for _, rule := range deviceTypeRules {
		for _, t := range rule.tokens {
			if strings.Contains(ua, t) {
				return rule.kind
			}
		}
	}
	return ""
}

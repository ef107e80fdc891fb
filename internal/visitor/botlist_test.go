package visitor

import (
	"net/netip"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func TestBotList(t *testing.T) {
	b := NewBotList([]model.BotListEntry{
		{Kind: "ip", Value: "203.0.113.7"},
		{Kind: "ip", Value: "198.51.100.0/24"},
		{Kind: "ip", Value: "192.0.2.200 - 192.0.2.100"}, // reversed: still a range
		{Kind: "ip", Value: "192.0.2.201-192.0.2.210"},   // adjacent: merged
		{Kind: "ip", Value: "2001:db8:bad::/48"},
		{Kind: "ip", Value: "::ffff:100.64.0.1"},
		{Kind: "ip", Value: "garbage"},
		{Kind: "ip", Value: "1.2.3.4-2001:db8::1"},
		{Kind: "ua", Value: "HeadlessChrome"},
		{Kind: "ua", Value: "  "},
		{Kind: "xx", Value: "1.1.1.1"},
	})
	if b.Len() != 6 { // 5 ranges (two merged) + 1 UA fragment
		t.Errorf("Len = %d, want 6", b.Len())
	}
	tests := []struct {
		ip, ua string
		bot    bool
		reason string
	}{
		{"203.0.113.7", "Mozilla", true, BotReasonBotListIP},
		{"203.0.113.8", "Mozilla", false, ""},
		{"198.51.100.255", "", true, BotReasonBotListIP},
		{"198.51.101.0", "", false, ""},
		{"192.0.2.100", "", true, BotReasonBotListIP},
		{"192.0.2.205", "", true, BotReasonBotListIP},
		{"192.0.2.211", "", false, ""},
		{"192.0.2.99", "", false, ""},
		{"2001:db8:bad:ffff::1", "", true, BotReasonBotListIP},
		{"2001:db8:bae::1", "", false, ""},
		{"100.64.0.1", "", true, BotReasonBotListIP},
		{"8.8.8.8", "Mozilla/5.0 headlesschrome/120", true, BotReasonBotListUA},
		{"8.8.8.8", "Mozilla/5.0 Chrome/120", false, ""},
	}
	for _, tt := range tests {
		bot, reason := b.match(netip.MustParseAddr(tt.ip), tt.ua)
		if bot != tt.bot || reason != tt.reason {
			t.Errorf("match(%s, %q) = %v %q, want %v %q", tt.ip, tt.ua, bot, reason, tt.bot, tt.reason)
		}
	}
}

func TestNilBotList(t *testing.T) {
	var b *BotList
	if bot, _ := b.match(netip.MustParseAddr("1.2.3.4"), "x"); bot || b.Len() != 0 {
		t.Error("nil list matched")
	}
	if bot, _ := NewBotList(nil).match(netip.Addr{}, ""); bot {
		t.Error("empty list matched")
	}
}

func TestValidateBotEntry(t *testing.T) {
	tests := []struct {
		kind, value string
		ok          bool
	}{
		{"ip", "1.2.3.4", true}, {"ip", "10.0.0.0/8", true}, {"ip", "1.1.1.1-1.1.1.9", true},
		{"ip", "2001:db8::/32", true}, {"ip", "1.2.3", false}, {"ip", "10.0.0.0/33", false},
		{"ip", "1.1.1.1-::1", false}, {"ua", "bot", true}, {"ua", "", false}, {"asn", "1", false},
	}
	for _, tt := range tests {
		err := ValidateBotEntry(model.BotListEntry{Kind: tt.kind, Value: tt.value})
		if (err == nil) != tt.ok {
			t.Errorf("ValidateBotEntry(%s %q) = %v, want ok %v", tt.kind, tt.value, err, tt.ok)
		}
	}
}

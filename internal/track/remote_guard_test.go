package track

import (
	"net/netip"
	"testing"
)

// TestRemoteGuardMatchesS2S: a `remote` action may reach exactly the
// addresses an S2S postback may reach.
func TestRemoteGuardMatchesS2S(t *testing.T) {
	tests := []struct {
		ip     string
		public bool
	}{
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"127.0.0.1", false},
		{"10.1.2.3", false},
		{"100.64.0.1", false},
		{"169.254.169.254", false},
		{"198.18.0.1", false},
		{"240.0.0.1", false},
		{"192.0.0.8", false},
		{"64:ff9b::7f00:1", false},
		{"::ffff:127.0.0.1", false},
		{"fd00::1", false},
	}
	for _, tt := range tests {
		if got := publicAddr(netip.MustParseAddr(tt.ip)); got != tt.public {
			t.Errorf("%s: public %v, want %v", tt.ip, got, tt.public)
		}
	}
}

package catalog

import (
	"encoding/json"
	"testing"
)

// ipv6 is a yes/no filter (as routing evaluates it): a list is refused, so a
// buyer cannot believe they filtered by an IPv6 range.
func TestIPv6FilterTakesNoPayload(t *testing.T) {
	var info FilterInfo
	for _, f := range StreamFilters() {
		if f.Name == "ipv6" {
			info = f
		}
	}
	if info.Name == "" {
		t.Fatal("ipv6 filter not listed")
	}
	cases := []struct {
		payload string
		ok      bool
	}{
		{`null`, true},
		{`["2001:db8::/32"]`, false},
	}
	for _, c := range cases {
		msg := checkFilterPayload(info, json.RawMessage(c.payload))
		if (msg == "") != c.ok {
			t.Errorf("payload %s: problem %q, want ok=%v", c.payload, msg, c.ok)
		}
	}
}

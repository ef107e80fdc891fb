package conversion

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

// A currency without a rate is logged once, not on every postback: a
// network paying in it may send thousands a day.
func TestMissingRateLoggedOncePerCurrency(t *testing.T) {
	f := newFixture(t, nil)
	var logs bytes.Buffer
	f.svc.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	for i, currency := range []string{"GBP", "GBP", "EUR", "GBP", "JPY"} {
		c := f.click(true)
		if _, err := f.svc.Process(ctx, Postback{Key: testKey, Method: "GET", Values: url.Values{"subid": {c.ID},
			"status": {"lead"}, "payout": {"10"}, "currency": {currency}}}); err != nil {
			t.Fatalf("postback %d: %v", i, err)
		}
	}
	for _, tc := range []struct {
		currency string
		want     int
	}{{"GBP", 1}, {"JPY", 1}, {"EUR", 0}} {
		if got := strings.Count(logs.String(), "currency="+tc.currency); got != tc.want {
			t.Errorf("%s logged %d times, want %d:\n%s", tc.currency, got, tc.want, logs.String())
		}
	}
}

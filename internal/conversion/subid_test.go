package conversion

import (
	"context"
	"net/url"
	"testing"
)

// Conversions carry their click's sub_id_1, so reports grouped by it read
// conversions without a join to clicks: whether the click was known when
// the postback came (attributed at once) or arrived later (joined).
func TestConversionCopiesClickSubID1(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	known, late := f.click(false), f.click(false)
	known.SubID1, late.SubID1 = "zone-17", "zone-42"
	f.clicks.add(known)
	for _, c := range []string{known.ID, late.ID} {
		if _, err := f.svc.Process(ctx, Postback{Key: testKey, Method: "GET",
			Values: url.Values{"subid": {c}, "status": {"lead"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.conversions(late.ID); len(got) != 1 || got[0].SubID1 != "" {
		t.Fatalf("unattributed conversion %+v, want no sub_id_1 before its click is known", got)
	}
	f.clicks.add(late)
	if n, err := f.svc.JoinOnce(ctx); err != nil || n != 1 {
		t.Fatalf("JoinOnce = %d, %v; want 1", n, err)
	}
	for _, tc := range []struct {
		name  string
		click string
		want  string
	}{{"attributed at once", known.ID, "zone-17"}, {"joined later", late.ID, "zone-42"}} {
		got := f.conversions(tc.click)
		if len(got) != 1 || got[0].SubID1 != tc.want {
			t.Errorf("%s: %+v, want sub_id_1 %q", tc.name, got, tc.want)
		}
	}
}

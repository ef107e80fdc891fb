package catalog

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func TestReorderStreams(t *testing.T) {
	c, n := newCatalog(t)
	ctx := context.Background()
	camp, err := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("c")})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := c.CreateCampaign(ctx, CampaignRequest{Name: ptr("other")})
	var ids []int64
	for _, name := range []string{"a", "b", "c", "gone"} {
		s, err := c.CreateStream(ctx, StreamRequest{CampaignID: &camp.ID, Name: ptr(name)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	if _, err := c.SetStreamState(ctx, ids[3], model.StateDeleted); err != nil {
		t.Fatal(err)
	}
	foreign, _ := c.CreateStream(ctx, StreamRequest{CampaignID: &other.ID, Name: ptr("x")})
	a, b, s3, gone := ids[0], ids[1], ids[2], ids[3]

	order := func() []string {
		list, err := c.ListStreams(ctx, camp.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range list {
			names = append(names, s.Name)
		}
		return names
	}
	cases := []struct {
		name     string
		campaign int64
		ids      []int64
		want     []string // order after the call
		field    bool     // a validation error on stream_ids
		notFound bool
	}{
		{"reversed", camp.ID, []int64{s3, b, a}, []string{"c", "b", "a"}, false, false},
		{"missing one", camp.ID, []int64{a, b}, []string{"c", "b", "a"}, true, false},
		{"listed twice", camp.ID, []int64{a, a, b}, []string{"c", "b", "a"}, true, false},
		{"deleted stream", camp.ID, []int64{a, b, s3, gone}, []string{"c", "b", "a"}, true, false},
		{"another campaign's stream", camp.ID, []int64{a, b, foreign.ID}, []string{"c", "b", "a"}, true, false},
		{"no such campaign", 999999, []int64{a}, []string{"c", "b", "a"}, false, true},
		{"rotated", camp.ID, []int64{b, s3, a}, []string{"b", "c", "a"}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := n.n.Load()
			err := c.ReorderStreams(ctx, tc.campaign, tc.ids)
			var ve *ValidationError
			switch {
			case tc.field && (!errors.As(err, &ve) || ve.Fields["stream_ids"] == ""):
				t.Fatalf("want a stream_ids error, got %v", err)
			case tc.notFound && !errors.Is(err, ErrNotFound):
				t.Fatalf("want not found, got %v", err)
			case !tc.field && !tc.notFound && err != nil:
				t.Fatal(err)
			}
			if got := order(); !slices.Equal(got, tc.want) {
				t.Fatalf("order %v, want %v", got, tc.want)
			}
			announced := n.n.Load() - before
			if (err == nil && announced != 1) || (err != nil && announced != 0) {
				t.Fatalf("notifier called %d times after err=%v", announced, err)
			}
		})
	}
}

package auth

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/testenv"
)

// TestCampaignScope: who sees which campaigns' rows in reports and logs.
func TestCampaignScope(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	group := model.Group{Name: "scope group", Type: "campaigns"}
	if err := st.DB.Create(&group).Error; err != nil || group.ID == 0 {
		t.Fatalf("group %d: %v", group.ID, err)
	}
	ids := make([]int64, 3)
	for i := range ids {
		c := model.Campaign{Alias: fmt.Sprintf("scope%d", i), Name: fmt.Sprint("scope ", i), Type: "position", State: "active"}
		if i == 2 {
			c.GroupID = &group.ID
		}
		if err := st.DB.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		ids[i] = c.ID
	}
	user := func(typ string, a model.AccessData) *model.User {
		return &model.User{Type: typ, State: model.StateActive, AccessData: model.MustJSON(a)}
	}
	tests := []struct {
		name    string
		u       *model.User
		limited bool
		want    []int64
	}{
		{"admin sees all", user(model.UserTypeAdmin, model.AccessData{}), false, nil},
		{"full access sees all", user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessFull}), false, nil},
		{"read only sees all", user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessReadOnly}), false, nil},
		{"selected campaigns", user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessSelected,
			Campaigns: []int64{ids[0]}}), true, []int64{ids[0]}},
		{"selected group adds its campaigns", user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessOwnGroups,
			Campaigns: []int64{ids[0]}, CampaignGroups: []int64{group.ID}}), true, []int64{ids[0], ids[2]}},
		{"nothing selected sees nothing", user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessSelected}),
			true, []int64{0}},
		{"no user sees nothing", nil, true, []int64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, limited, err := New(st, nil).CampaignScope(ctx, tt.u)
			if err != nil {
				t.Fatal(err)
			}
			if limited != tt.limited || !slices.Equal(got, tt.want) {
				t.Fatalf("scope %v (limited %v), want %v (limited %v)", got, limited, tt.want, tt.limited)
			}
		})
	}
}

package auth

import (
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

func user(typ string, a model.AccessData) *model.User {
	return &model.User{Type: typ, State: model.StateActive, AccessData: model.MustJSON(a)}
}

func TestCan(t *testing.T) {
	g7, g8 := int64(7), int64(8)
	admin := user(model.UserTypeAdmin, model.AccessData{})
	full := user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessFull, Reports: true})
	ro := user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessReadOnly, OffersAccessType: model.AccessReadOnly})
	sel := user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessSelected, Campaigns: []int64{1},
		CampaignGroups: []int64{7}, LandingsAccessType: model.AccessSelected})
	selNone := user(model.UserTypeUser, model.AccessData{CampaignsAccessType: model.AccessSelected})
	disabledAdmin := &model.User{Type: model.UserTypeAdmin, State: model.StateDisabled}
	cases := []struct {
		name   string
		u      *model.User
		entity string
		write  bool
		id     int64
		group  *int64
		want   bool
	}{
		{"admin all", admin, EntitySettings, true, 0, nil, true},
		{"admin users", admin, EntityUsers, true, 3, nil, true},
		{"nil user", nil, EntityCampaigns, false, 0, nil, false},
		{"disabled admin", disabledAdmin, EntityCampaigns, false, 0, nil, false},
		{"full write", full, EntityCampaigns, true, 5, nil, true},
		{"full no offers", full, EntityOffers, false, 0, nil, false},
		{"full reports", full, EntityReports, false, 0, nil, true},
		{"full logs", full, EntityLogs, false, 0, nil, true},
		{"no reports", ro, EntityReports, false, 0, nil, false},
		{"user no users", full, EntityUsers, false, 0, nil, false},
		{"user no settings", full, EntitySettings, false, 0, nil, false},
		{"ro read", ro, EntityCampaigns, false, 5, nil, true},
		{"ro write", ro, EntityCampaigns, true, 5, nil, false},
		{"ro offers write", ro, EntityOffers, true, 0, nil, false},
		{"streams follow campaigns", ro, EntityStreams, false, 5, nil, true},
		{"streams write follow campaigns", ro, EntityStreams, true, 5, nil, false},
		{"sel own", sel, EntityCampaigns, true, 1, nil, true},
		{"sel group", sel, EntityCampaigns, true, 9, &g7, true},
		{"sel other", sel, EntityCampaigns, false, 9, &g8, false},
		{"sel list", sel, EntityCampaigns, false, 0, nil, true},
		{"sel create in group", sel, EntityCampaigns, true, 0, &g7, true},
		{"sel create ungrouped", sel, EntityCampaigns, true, 0, nil, false},
		{"sel without lists is read only", sel, EntityLandings, true, 4, nil, false},
		{"sel without lists reads", sel, EntityLandings, false, 4, nil, true},
		{"sel nothing selected", selNone, EntityCampaigns, false, 1, nil, false},
		{"no access type", full, EntityTrafficSources, false, 0, nil, false},
		{"user own keys", ro, EntityOwnAPIKeys, true, 0, nil, true},
		{"disabled user no own keys", &model.User{Type: model.UserTypeUser, State: model.StateDisabled}, EntityOwnAPIKeys, true, 0, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Can(tc.u, tc.entity, tc.write, tc.id, tc.group); got != tc.want {
				t.Fatalf("Can = %v, want %v", got, tc.want)
			}
		})
	}
}

package auth

import (
	"context"
	"slices"

	"github.com/kite-tracker/kite/internal/model"
)

// CampaignScope says which campaigns' data u may see in reports and logs.
// limited is false when u sees every campaign (ADMIN, full_access,
// read_only). A USER limited to selected campaigns and groups sees those
// campaigns plus every campaign now in one of those groups; ids is never
// empty when limited (0, which no campaign has, stands for "none").
func (s *Service) CampaignScope(ctx context.Context, u *model.User) (ids []int64, limited bool, err error) {
	if u == nil {
		return []int64{0}, true, nil
	}
	if u.Type == model.UserTypeAdmin {
		return nil, false, nil
	}
	var a model.AccessData
	if err := u.AccessData.Decode(&a); err != nil {
		return []int64{0}, true, nil // unreadable access data grants nothing
	}
	switch a.CampaignsAccessType {
	case model.AccessSelected, model.AccessOwnGroups:
	default:
		return nil, false, nil
	}
	ids = append(ids, a.Campaigns...)
	if len(a.CampaignGroups) > 0 {
		var inGroups []int64
		if err := s.db(ctx).Model(&model.Campaign{}).Where("group_id IN ?", a.CampaignGroups).
			Pluck("id", &inGroups).Error; err != nil {
			return nil, true, err
		}
		ids = append(ids, inGroups...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		ids = []int64{0}
	}
	return ids, true, nil
}

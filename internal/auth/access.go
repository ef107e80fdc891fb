package auth

import (
	"slices"

	"github.com/kite-tracker/kite/internal/model"
)

// Entities access is decided for.
const (
	EntityCampaigns         = "campaigns"
	EntityStreams           = "streams"
	EntityOffers            = "offers"
	EntityLandings          = "landings"
	EntityTrafficSources    = "traffic_sources"
	EntityAffiliateNetworks = "affiliate_networks"
	EntityReports           = "reports"
	EntityLogs              = "logs"
	EntityUsers             = "users"
	EntitySettings          = "settings"
)

// Can tells whether u may read (write=false) or change (write=true) an object
// of entity. objectID is the object's id (0 for lists and creation) and
// groupID its group. This is the only place access is decided.
//
// ADMIN may do everything. A USER follows Keitaro's access types per entity:
// full_access; read_only; to_groups_and_selected (and
// created_by_user_groups_and_selected, treated alike) which give full access
// to the selected objects and groups (campaigns and offers carry such lists;
// for other entities it reads as read_only), and reading of lists, which the
// caller filters object by object. users and settings are for ADMIN only;
// reports and logs need reports_access. Every active user manages their
// own API keys (EntityOwnAPIKeys).
func Can(u *model.User, entity string, write bool, objectID int64, groupID *int64) bool {
	if u == nil || u.State != model.StateActive {
		return false
	}
	if u.Type == model.UserTypeAdmin || entity == EntityOwnAPIKeys {
		return true
	}
	var a model.AccessData
	if err := u.AccessData.Decode(&a); err != nil {
		return false
	}
	switch entity {
	case EntityReports, EntityLogs:
		return a.Reports && !write
	case EntityUsers, EntitySettings:
		return false
	}
	typ, ids, groups, selectable := accessFor(a, entity)
	switch typ {
	case model.AccessFull:
		return true
	case model.AccessReadOnly:
		return !write
	case model.AccessSelected, model.AccessOwnGroups:
		if objectID == 0 {
			return !write || inGroups(groupID, groups)
		}
		if !selectable {
			return !write
		}
		return slices.Contains(ids, objectID) || inGroups(groupID, groups)
	}
	return false
}

func inGroups(groupID *int64, groups []int64) bool {
	return groupID != nil && slices.Contains(groups, *groupID)
}

// accessFor picks the access type and selection lists of one entity.
// selectable is false for entities whose selection lists do not exist.
func accessFor(a model.AccessData, entity string) (typ string, ids, groups []int64, selectable bool) {
	switch entity {
	case EntityCampaigns:
		return a.CampaignsAccessType, a.Campaigns, a.CampaignGroups, true
	case EntityStreams:
		// Streams belong to campaigns: a stream's object is its campaign.
		if a.StreamsAccessType == "" {
			return a.CampaignsAccessType, a.Campaigns, a.CampaignGroups, true
		}
		return a.StreamsAccessType, a.Campaigns, a.CampaignGroups, true
	case EntityOffers:
		return a.OffersAccessType, a.Offers, a.OfferGroups, true
	case EntityLandings:
		return a.LandingsAccessType, nil, nil, false
	case EntityTrafficSources:
		return a.TrafficSourcesAccessType, nil, nil, false
	case EntityAffiliateNetworks:
		return a.AffiliateNetworksAccessType, nil, nil, false
	}
	return "", nil, nil, false
}

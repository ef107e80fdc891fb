package api

import (
	"net/http"

	"github.com/kite-tracker/kite/internal/auth"
	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

const (
	read  = false
	write = true
)

// Entities as auth.Can knows them.
const (
	campaigns = auth.EntityCampaigns
	streams   = auth.EntityStreams
	offers    = auth.EntityOffers
	landings  = auth.EntityLandings
	sources   = auth.EntityTrafficSources
	networks  = auth.EntityAffiliateNetworks
	users     = auth.EntityUsers
	settings  = auth.EntitySettings
	ownKeys   = auth.EntityOwnAPIKeys
)

// routes is the admin API, one line per route: method, path, handler, entity, read/write.
func (a *API) routes() []Route {
	c := a.cat
	const (
		GET, POST, PUT, DELETE = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	)
	return []Route{
		{GET, "/campaigns", a.listCampaigns, campaigns, read},
		{GET, "/campaigns/deleted", listState(c.ListCampaigns, model.StateDeleted), campaigns, read},
		{POST, "/campaigns", create(c.CreateCampaign), campaigns, write},
		{GET, "/campaigns/:id", get(c.GetCampaign), campaigns, read},
		{PUT, "/campaigns/:id", update(c.UpdateCampaign), campaigns, write},
		{DELETE, "/campaigns/:id", setState(c.SetCampaignState, model.StateDeleted), campaigns, write},
		{POST, "/campaigns/:id/clone", get(c.CloneCampaign), campaigns, write},
		{POST, "/campaigns/:id/disable", setState(c.SetCampaignState, model.StateDisabled), campaigns, write},
		{POST, "/campaigns/:id/enable", setState(c.SetCampaignState, model.StateActive), campaigns, write},
		{POST, "/campaigns/:id/restore", setState(c.SetCampaignState, model.StateActive), campaigns, write},
		{GET, "/campaigns/:id/streams", a.campaignStreams, campaigns, read},
		{POST, "/campaigns/:id/update_costs", update(c.UpdateCampaignCosts), campaigns, write},

		{GET, "/streams/deleted", a.listDeletedStreams, streams, read},
		{GET, "/streams/search", a.searchStreams, streams, read},
		{POST, "/streams", create(c.CreateStream), streams, write},
		{GET, "/streams/:id", get(c.GetStream), streams, read},
		{PUT, "/streams/:id", update(c.UpdateStream), streams, write},
		{DELETE, "/streams/:id", setState(c.SetStreamState, model.StateDeleted), streams, write},
		{POST, "/streams/:id/disable", setState(c.SetStreamState, model.StateDisabled), streams, write},
		{POST, "/streams/:id/enable", setState(c.SetStreamState, model.StateActive), streams, write},
		{POST, "/streams/:id/restore", setState(c.SetStreamState, model.StateActive), streams, write},

		{GET, "/offers", a.listOffers, offers, read},
		{POST, "/offers", create(c.CreateOffer), offers, write},
		{GET, "/offers/:id", get(c.GetOffer), offers, read},
		{PUT, "/offers/:id", update(c.UpdateOffer), offers, write},
		{DELETE, "/offers/:id", setState(c.SetOfferState, model.StateDeleted), offers, write},
		{DELETE, "/offers/:id/archive", setState(c.SetOfferState, model.StateDeleted), offers, write},
		{POST, "/offers/:id/archive", setState(c.SetOfferState, model.StateDeleted), offers, write},
		{POST, "/offers/:id/restore", setState(c.SetOfferState, model.StateActive), offers, write},
		{POST, "/offers/:id/clone", get(c.CloneOffer), offers, write},

		{GET, "/landing_pages", list(c.ListLandings), landings, read},
		{POST, "/landing_pages", create(c.CreateLanding), landings, write},
		{GET, "/landing_pages/:id", get(c.GetLanding), landings, read},
		{PUT, "/landing_pages/:id", update(c.UpdateLanding), landings, write},
		{DELETE, "/landing_pages/:id", setState(c.SetLandingState, model.StateDeleted), landings, write},
		{POST, "/landing_pages/:id/restore", setState(c.SetLandingState, model.StateActive), landings, write},
		{PUT, "/landing_pages/:id/clone", get(c.CloneLanding), landings, write},
		{POST, "/landing_pages/:id/clone", get(c.CloneLanding), landings, write},

		{GET, "/affiliate_networks", list(c.ListAffiliateNetworks), networks, read},
		{POST, "/affiliate_networks", create(c.CreateAffiliateNetwork), networks, write},
		{GET, "/affiliate_networks/:id", get(c.GetAffiliateNetwork), networks, read},
		{PUT, "/affiliate_networks/:id", update(c.UpdateAffiliateNetwork), networks, write},
		{DELETE, "/affiliate_networks/:id", setState(c.SetAffiliateNetworkState, model.StateDeleted), networks, write},
		{POST, "/affiliate_networks/:id/restore", setState(c.SetAffiliateNetworkState, model.StateActive), networks, write},
		{POST, "/affiliate_networks/:id/clone", get(c.CloneAffiliateNetwork), networks, write},

		{GET, "/traffic_sources", list(c.ListTrafficSources), sources, read},
		{POST, "/traffic_sources", create(c.CreateTrafficSource), sources, write},
		{GET, "/traffic_sources/:id", get(c.GetTrafficSource), sources, read},
		{PUT, "/traffic_sources/:id", update(c.UpdateTrafficSource), sources, write},
		{DELETE, "/traffic_sources/:id", setState(c.SetTrafficSourceState, model.StateDeleted), sources, write},
		{POST, "/traffic_sources/:id/restore", setState(c.SetTrafficSourceState, model.StateActive), sources, write},
		{POST, "/traffic_sources/:id/clone", get(c.CloneTrafficSource), sources, write},

		{GET, "/groups", a.listGroups, campaigns, read},
		{POST, "/groups", create(c.CreateGroup), campaigns, write},
		{PUT, "/groups/:id", update(c.UpdateGroup), campaigns, write},
		{DELETE, "/groups/:id", a.deleteGroup, campaigns, write},
		{DELETE, "/groups/:id/delete", a.deleteGroup, campaigns, write},

		{GET, "/stream_filters", static(catalog.StreamFilters()), streams, read},
		{GET, "/stream_schemas", static(catalog.StreamSchemaList()), streams, read},
		{GET, "/stream_types", static(catalog.StreamTypeList()), streams, read},
		{GET, "/streams_actions", static(catalog.StreamActions()), streams, read},
		{GET, "/traffic_source_presets", static(catalog.TrafficSourcePresets()), sources, read},
		{GET, "/affiliate_network_presets", static(catalog.AffiliateNetworkPresets()), networks, read},

		{GET, "/botlist", a.getBotList, settings, read},
		{PUT, "/botlist", a.botListChange(c.ReplaceBots), settings, write},
		{DELETE, "/botlist", a.clearBotList, settings, write},
		{POST, "/botlist/add", a.botListChange(c.AddBots), settings, write},
		{POST, "/botlist/exclude", a.botListChange(c.ExcludeBots), settings, write},

		{GET, "/settings", a.getSettings, settings, read},
		{PUT, "/settings", create(c.UpdateSettings), settings, write},
		{POST, "/settings/postback_key/regenerate", a.regeneratePostbackKey, settings, write},

		{GET, "/users", a.listUsers, users, read},
		{POST, "/users", create(a.users.CreateUser), users, write},
		{GET, "/users/:id", get(a.users.GetUser), users, read},
		{PUT, "/users/:id", update(a.users.UpdateUser), users, write},
		{DELETE, "/users/:id", get(a.users.DeleteUser), users, write},
		{PUT, "/users/:id/access", update(a.users.SetAccess), users, write},
		{GET, "/users/:id/api_keys", get(a.users.ListAPIKeys), users, read},
		{POST, "/users/:id/api_keys", a.createAPIKey, users, write},
		{DELETE, "/api_keys/:id", get(a.users.RevokeAPIKey), users, write},
		{GET, "/users/me/api_keys", a.listOwnAPIKeys, ownKeys, read},
		{POST, "/users/me/api_keys", a.createOwnAPIKey, ownKeys, write},
		{DELETE, "/users/me/api_keys/:id", a.revokeOwnAPIKey, ownKeys, write},
	}
}

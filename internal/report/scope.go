package report

import (
	"context"
	"strconv"
)

// A user whose access is limited to some campaigns must see only their
// rows in reports, logs and exports. The HTTP layer, which knows the user,
// puts the allowed campaign ids in the request's context; every report and
// log query then carries a campaign filter the request cannot remove.

type campaignScopeKey struct{}

// WithCampaigns limits the reports and logs run with ctx to campaign ids.
func WithCampaigns(ctx context.Context, ids []int64) context.Context {
	return context.WithValue(ctx, campaignScopeKey{}, ids)
}

// scopeFilters adds the context's campaign limit, if any, to filters.
func scopeFilters(ctx context.Context, filters []Filter) []Filter {
	ids, ok := ctx.Value(campaignScopeKey{}).([]int64)
	if !ok {
		return filters
	}
	list := make([]any, 0, max(len(ids), 1))
	for _, id := range ids {
		list = append(list, strconv.FormatInt(id, 10))
	}
	if len(list) == 0 {
		list = append(list, "0") // no campaign has id 0: nothing
	}
	out := append(filters[:len(filters):len(filters)], Filter{Name: "campaign_id", Operator: "IN_LIST", Expression: list})
	return out
}

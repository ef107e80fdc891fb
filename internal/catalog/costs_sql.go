package catalog

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// rollupKey is the dimension key of click_stats_hourly besides the hour.
var rollupKey = []string{"campaign_id", "stream_id", "offer_id", "landing_id", "ts_id", "affiliate_network_id",
	"country", "device_type", "os", "browser", "language", "connection_type", "is_bot"}

// UpdateCampaignCosts spreads a cost evenly over a campaign's clicks in a
// time range (Keitaro's /campaigns/{id}/update_costs). The clicks' cost and
// the hourly rollup (and, through its triggers, the report cubes) change in
// one transaction, so reports never see half an update. With
// only_campaign_uniques the non-unique clicks of the range get cost 0, so the
// range adds up to exactly the cost given. Clicks still buffered in Redis
// when this runs keep the cost they were recorded with.
func (c *Catalog) UpdateCampaignCosts(ctx context.Context, campaignID int64, r CampaignCostRequest) (*CostUpdate, error) {
	q, err := r.validate()
	if err != nil {
		return nil, err
	}
	db := c.db(ctx)
	if ok, err := exists(db, "campaigns", campaignID); err != nil || !ok {
		if err == nil {
			err = notFound("campaign", campaignID)
		}
		return nil, err
	}
	out := &CostUpdate{}
	err = db.Transaction(func(tx *gorm.DB) error {
		settings, err := settingsIn(tx)
		if err != nil {
			return err
		}
		out.Currency = settings.Currency
		if out.Cost, err = toTrackerCurrency(tx, q.cost, q.currency, settings.Currency); err != nil {
			return err
		}
		where, args := costWhere(campaignID, q)
		if err := tx.Raw("/* catalog.UpdateCampaignCosts */ SELECT COUNT(*) FROM clicks WHERE "+where+costUniques(q),
			args...).Scan(&out.Clicks).Error; err != nil {
			return err
		}
		if out.Clicks == 0 {
			return nil
		}
		out.CostPerClick = out.Cost / float64(out.Clicks)
		// The cast keeps Postgres from typing the parameter as an integer.
		newCost := "CAST(? AS DOUBLE PRECISION)"
		if q.uniquesOnly {
			newCost = "CASE WHEN is_unique_campaign THEN CAST(? AS DOUBLE PRECISION) ELSE 0 END"
		}
		// The rollup first: its delta is new cost minus the clicks' old cost.
		if err := tx.Exec(c.rollupCostSQL(newCost, where), append([]any{out.CostPerClick}, args...)...).Error; err != nil {
			return err
		}
		return tx.Exec("/* catalog.UpdateCampaignCosts */ UPDATE clicks SET cost = "+newCost+" WHERE "+where,
			append([]any{out.CostPerClick}, args...)...).Error
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// costWhere selects the campaign's clicks in the range that match the filters.
func costWhere(campaignID int64, q costRange) (string, []any) {
	where := []string{"campaign_id = ?", "created_at >= ?", "created_at < ?"}
	args := []any{campaignID, q.from, q.to}
	cols := make([]string, 0, len(q.filters))
	for col := range q.filters {
		cols = append(cols, col)
	}
	sort.Strings(cols) // column names come from costFilterColumns only
	for _, col := range cols {
		where = append(where, col+" IN ?")
		args = append(args, q.filters[col])
	}
	return strings.Join(where, " AND "), args
}

func costUniques(q costRange) string {
	if q.uniquesOnly {
		return " AND is_unique_campaign"
	}
	return ""
}

// rollupCostSQL adds to each rollup row the change of its clicks' cost.
func (c *Catalog) rollupCostSQL(newCost, where string) string {
	hour := "strftime('%Y-%m-%d %H:00:00+00:00', created_at)"
	if c.st.IsPostgres() {
		hour = "date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
	}
	dims := strings.Join(rollupKey, ", ")
	match := []string{"h.hour = d.hour"}
	for _, k := range rollupKey {
		match = append(match, "h."+k+" = d."+k)
	}
	return "/* catalog.UpdateCampaignCosts */ UPDATE click_stats_hourly AS h SET cost = h.cost + d.delta FROM (" +
		"SELECT " + hour + " AS hour, " + dims + ", SUM((" + newCost + ") - cost) AS delta FROM clicks WHERE " + where +
		" GROUP BY " + hour + ", " + dims + ") AS d WHERE " + strings.Join(match, " AND ")
}

// toTrackerCurrency converts amount from currency with the stored rates;
// an unknown rate is refused rather than counted 1:1, since a cost off by
// the exchange rate would silently skew every ROI.
func toTrackerCurrency(tx *gorm.DB, amount float64, currency, tracker string) (float64, error) {
	if currency == "" || currency == tracker {
		return amount, nil
	}
	var rate model.CurrencyRate
	err := tx.Where("currency = ?", currency).Take(&rate).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && rate.Rate <= 0 {
		return 0, Invalid("currency", "has no exchange rate to "+tracker+"; set one in currency rates")
	}
	if err != nil {
		return 0, err
	}
	return math.Round(amount*rate.Rate*1e6) / 1e6, nil
}

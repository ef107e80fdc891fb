package clicks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"gorm.io/gorm"
)

// rollupKey is one row of click_stats_hourly: the UTC hour and the click's
// low-cardinality dimensions.
type rollupKey struct {
	Hour                                                  int64 // unix seconds, truncated to the hour
	CampaignID, StreamID, OfferID, LandingID, TSID, NetID int64
	Country, DeviceType, OS, Browser, Language, ConnType  string
	IsBot                                                 bool
}

type rollupCounts struct {
	Clicks, CampaignUnique, StreamUnique, GlobalUnique, Bots, EmptyReferrers, LPClicks int64
	Cost                                                                               float64
}

// rollup accumulates counter deltas per key within one transaction.
type rollup map[rollupKey]*rollupCounts

func keyOf(c *model.Click) rollupKey {
	return rollupKey{
		Hour:       c.CreatedAt.UTC().Truncate(time.Hour).Unix(),
		CampaignID: c.CampaignID, StreamID: c.StreamID, OfferID: c.OfferID, LandingID: c.LandingID,
		TSID: c.TrafficSourceID, NetID: c.AffiliateNetworkID,
		Country: clean(c.Country), DeviceType: clean(c.DeviceType), OS: clean(c.OS), Browser: clean(c.Browser),
		Language: clean(c.Language), ConnType: clean(c.ConnectionType), IsBot: c.IsBot,
	}
}

func (r rollup) at(k rollupKey) *rollupCounts {
	rc := r[k]
	if rc == nil {
		rc = &rollupCounts{}
		r[k] = rc
	}
	return rc
}

// add counts click c sign times (sign -1 takes it out of its row again).
func (r rollup) add(c *model.Click, sign int64) {
	rc := r.at(keyOf(c))
	b := func(v bool) int64 {
		if v {
			return sign
		}
		return 0
	}
	rc.Clicks += sign
	rc.CampaignUnique += b(c.IsUniqueCampaign)
	rc.StreamUnique += b(c.IsUniqueStream)
	rc.GlobalUnique += b(c.IsUniqueGlobal)
	rc.Bots += b(c.IsBot)
	rc.EmptyReferrers += b(c.Referrer == "")
	rc.LPClicks += b(c.LPClickedAt != nil)
	rc.Cost += float64(sign) * c.Cost
}

var rollupKeyColumns = []string{"hour", "campaign_id", "stream_id", "offer_id", "landing_id", "ts_id",
	"affiliate_network_id", "country", "device_type", "os", "browser", "language", "connection_type", "is_bot"}

var rollupCounterColumns = []string{"clicks", "campaign_unique_clicks", "stream_unique_clicks",
	"global_unique_clicks", "bots", "empty_referrers", "lp_clicks", "cost"}

// sortedKeys lists the keys with a non-zero delta in a fixed order (the
// unique index's column order), so two writers never wait on each other's
// rows in opposite orders (deadlock).
func (r rollup) sortedKeys() []rollupKey {
	keys := make([]rollupKey, 0, len(r))
	for k, v := range r {
		if *v != (rollupCounts{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func compareKeys(a, b rollupKey) int {
	return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.CampaignID, b.CampaignID),
		cmp.Compare(a.StreamID, b.StreamID), cmp.Compare(a.OfferID, b.OfferID),
		cmp.Compare(a.LandingID, b.LandingID), cmp.Compare(a.TSID, b.TSID), cmp.Compare(a.NetID, b.NetID),
		cmp.Compare(a.Country, b.Country), cmp.Compare(a.DeviceType, b.DeviceType), cmp.Compare(a.OS, b.OS),
		cmp.Compare(a.Browser, b.Browser), cmp.Compare(a.Language, b.Language),
		cmp.Compare(a.ConnType, b.ConnType), cmpBool(a.IsBot, b.IsBot))
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// rollupSetClause adds excluded counters to the existing row.
func rollupSetClause() string {
	set := make([]string, len(rollupCounterColumns))
	for i, col := range rollupCounterColumns {
		set[i] = fmt.Sprintf("%s = click_stats_hourly.%s + excluded.%s", col, col, col)
	}
	return strings.Join(set, ", ")
}

// upsert adds the deltas to click_stats_hourly, rows in key order.
func (r rollup) upsert(tx *gorm.DB, perStatement int) error {
	keys := r.sortedKeys()
	cols := append(append([]string{}, rollupKeyColumns...), rollupCounterColumns...)
	for _, chunk := range chunks(len(keys), perStatement) {
		rows := keys[chunk[0]:chunk[1]]
		args := make([]any, 0, len(rows)*len(cols))
		for _, k := range rows {
			v := r[k]
			args = append(args, time.Unix(k.Hour, 0).UTC(), k.CampaignID, k.StreamID, k.OfferID, k.LandingID,
				k.TSID, k.NetID, k.Country, k.DeviceType, k.OS, k.Browser, k.Language, k.ConnType, k.IsBot,
				v.Clicks, v.CampaignUnique, v.StreamUnique, v.GlobalUnique, v.Bots, v.EmptyReferrers, v.LPClicks, v.Cost)
		}
		q := "/* clicks.rollup.upsert */ INSERT INTO click_stats_hourly (" + strings.Join(cols, ", ") + ") VALUES " +
			placeholders(len(rows), len(cols)) + " ON CONFLICT (" + strings.Join(rollupKeyColumns, ", ") +
			") DO UPDATE SET " + rollupSetClause()
		if err := tx.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("upsert click_stats_hourly: %w", err)
		}
	}
	return nil
}

// lpEvent is a decoded LP click: the click as first recorded, when the
// visitor left the landing, and the offer picked there (0: unchanged).
type lpEvent struct {
	Click   model.Click
	At      time.Time
	OfferID int64
}

// applyLPs sets lp_clicked_at once per click (only while it is NULL) and
// moves the rollup along: one more LP click, and if the landing picked
// another offer, the click moves to that offer's row so rollup and raw
// clicks keep agreeing.
func applyLPs(tx *gorm.DB, lps []lpEvent, roll rollup) error {
	for i := range lps {
		lp := &lps[i]
		c := lp.Click
		normalizeCreatedAt(&c)
		res := tx.Exec(`/* clicks.applyLPs */ UPDATE clicks SET lp_clicked_at = ?, offer_id = ?
			WHERE id = ? AND created_at = ? AND lp_clicked_at IS NULL`, lp.At.UTC(), lpOffer(lp), c.ID, c.CreatedAt)
		if res.Error != nil {
			return fmt.Errorf("apply LP click %s: %w", c.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			continue // already applied (or the click is unknown): idempotent
		}
		moveLP(roll, lp)
	}
	return nil
}

// lpOffer is the click's offer after the LP click.
func lpOffer(lp *lpEvent) int64 {
	if lp.OfferID != 0 {
		return lp.OfferID
	}
	return lp.Click.OfferID
}

// moveLP takes an applied LP click's click out of its rollup row and puts
// it back with its LP click and final offer.
func moveLP(roll rollup, lp *lpEvent) {
	c := lp.Click
	normalizeCreatedAt(&c)
	c.LPClickedAt = nil
	roll.add(&c, -1)
	at := lp.At.UTC()
	c.OfferID, c.LPClickedAt = lpOffer(lp), &at
	roll.add(&c, 1)
}

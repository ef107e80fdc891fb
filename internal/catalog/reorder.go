package catalog

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

// ReorderStreams puts a campaign's streams in the order of streamIDs (first =
// position 1) in one transaction, so routing never sees a half-moved list.
// streamIDs must name every stream of the campaign that is not deleted, each
// once, and nothing else; deleted streams keep their positions.
func (c *Catalog) ReorderStreams(ctx context.Context, campaignID int64, streamIDs []int64) error {
	return c.write(ctx, func(tx *gorm.DB) error {
		if ok, err := exists(tx, "campaigns", campaignID); err != nil || !ok {
			if err == nil {
				err = notFound("campaign", campaignID)
			}
			return err
		}
		var live []int64
		if err := byState(tx.Model(&model.Stream{}), "").Where("campaign_id = ?", campaignID).
			Pluck("id", &live).Error; err != nil {
			return err
		}
		if err := checkStreamOrder(live, streamIDs); err != nil {
			return err
		}
		now := time.Now().UTC()
		for i, id := range streamIDs {
			if err := tx.Model(&model.Stream{}).Where("id = ? AND campaign_id = ?", id, campaignID).
				Updates(map[string]any{"position": i + 1, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// checkStreamOrder tells whether order is a permutation of live.
func checkStreamOrder(live, order []int64) error {
	mine := make(map[int64]bool, len(live))
	for _, id := range live {
		mine[id] = true
	}
	seen := make(map[int64]bool, len(order))
	for _, id := range order {
		switch {
		case !mine[id]:
			return Invalid("stream_ids", "stream "+strconv.FormatInt(id, 10)+" is not a stream of this campaign")
		case seen[id]:
			return Invalid("stream_ids", "stream "+strconv.FormatInt(id, 10)+" is listed twice")
		}
		seen[id] = true
	}
	if len(order) != len(live) {
		return Invalid("stream_ids", "must list every stream of the campaign ("+strconv.Itoa(len(live))+"), got "+strconv.Itoa(len(order)))
	}
	return nil
}

package conversion

import (
	"context"
	"time"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// RunJoiner attaches unattributed conversions to their clicks as the clicks
// become known (a postback can beat its click to SQL, or name a click of
// another node still in flight), every JoinEvery until ctx ends.
func (s *Service) RunJoiner(ctx context.Context) error {
	t := time.NewTicker(s.opt.JoinEvery)
	defer t.Stop()
	for {
		if _, err := s.JoinOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("join unattributed conversions", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// JoinOnce looks at the next JoinBatch unattributed conversions (walking them
// all over successive calls) and joins those whose click now exists. It
// returns how many it joined.
func (s *Service) JoinOnce(ctx context.Context) (int, error) {
	s.joinMu.Lock()
	defer s.joinMu.Unlock()
	snap, err := s.cfg.get(ctx)
	if err != nil {
		return 0, err
	}
	since := time.Now().UTC().Add(-s.opt.JoinMaxAge)
	var rows []model.Conversion
	// "attributed = false" literally: the partial index's predicate, which
	// a prepared statement's parameter would not prove (migration 0037).
	err = s.st.DB.WithContext(ctx).Where("attributed = false AND created_at >= ? AND id > ?", since, s.joinAt).
		Order("id").Limit(s.opt.JoinBatch).Find(&rows).Error
	if err != nil {
		return 0, err
	}
	if len(rows) < s.opt.JoinBatch {
		s.joinAt = 0 // start over next round
	} else {
		s.joinAt = rows[len(rows)-1].ID
	}
	joined := 0
	for i := range rows {
		c, err := s.clicks.Lookup(ctx, rows[i].ClickID)
		if err != nil {
			continue
		}
		ok, err := s.join(ctx, snap, rows[i].ID, c)
		if err != nil {
			return joined, err
		}
		if ok {
			joined++
		}
	}
	return joined, nil
}

// join attributes one conversion to its click in a transaction: the click's
// dimensions, a price from the offer when the postback had none, and the S2S
// postbacks for its current status.
func (s *Service) join(ctx context.Context, snap *snapshot, id int64, c *model.Click) (bool, error) {
	now := time.Now().UTC()
	var conv model.Conversion
	queued := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("id = ? AND attributed = ?", id, false)
		if s.st.IsPostgres() {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Limit(1).Find(&conv).Error; err != nil || conv.ID == 0 {
			return err
		}
		copyClick(&conv, c)
		offer := snap.offers[c.OfferID]
		if conv.Currency == "" && offer != nil {
			j := &job{in: &incoming{params: map[string]string{}}, offer: offer, snap: snap}
			conv.Payout, conv.Currency = price(j.in, offer, nil, snap.currency)
			conv.Revenue, _ = snap.revenue(conv.Payout, conv.Currency)
		}
		conv.UpdatedAt = now
		if err := tx.Save(&conv).Error; err != nil {
			return err
		}
		var err error
		queued, err = s.queueS2S(tx, snap, c, &conv, now)
		return err
	})
	if err != nil || conv.ID == 0 {
		return false, err
	}
	if offer := snap.offers[c.OfferID]; offer != nil && s.redis != nil &&
		(conv.Status == model.StatusLead || conv.Status == model.StatusSale) {
		if _, err := s.redis.IncrOfferCap(ctx, offer.ID, hot.CapDay(now, offer.ConversionTimezone)); err != nil {
			s.log.Warn("count offer cap", "offer_id", offer.ID, "err", err)
		}
	}
	if queued > 0 && s.opt.OnOutbox != nil {
		s.opt.OnOutbox()
	}
	return true, nil
}

package conversion

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// errRaced means another postback inserted the same click+tid first; the
// transaction reads it and decides again.
var errRaced = errors.New("conversion inserted concurrently")

// applied is what a committed postback did.
type applied struct {
	conv     *model.Conversion
	d        decision
	inserted bool
	queued   int
}

// apply writes the postback: on Postgres a first conversion or a repeat in
// one statement and a status change in two (insertFirst, changeExisting),
// else, or when a concurrent postback raced it, through the rules'
// transaction; then counts the offer's cap.
func (s *Service) apply(ctx context.Context, j *job) (Result, error) {
	a, done, err := s.insertFirst(ctx, j)
	if err != nil {
		return Result{}, err
	}
	if !done {
		a, err = s.applyRules(ctx, j)
		if err != nil {
			return Result{}, err
		}
	}
	s.afterCommit(ctx, j, a)
	res := Result{Outcome: j.rp.Outcome, Reason: j.rp.Reason}
	if a.conv != nil {
		res.ConversionID, res.Status = a.conv.ID, a.conv.Status
	}
	return res, nil
}

// applyRules reads the conversion of the click+tid, decides, and writes the
// change, its S2S rows and the log line in one transaction.
func (s *Service) applyRules(ctx context.Context, j *job) (applied, error) {
	var a applied
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		for try := 0; try < 3; try++ {
			if a, err = s.change(tx, j); !errors.Is(err, errRaced) {
				break
			}
		}
		if err != nil {
			return err
		}
		var rows []model.S2SOutbox
		if (a.inserted || a.d.act == actTransit) && j.click != nil {
			rows = s2sRows(j.snap, j.click, a.conv, j.now)
			a.queued = len(rows)
		}
		j.rp.Outcome, j.rp.Reason, j.rp.HTTPStatus = outcomeOf(a.d, j.click != nil), a.d.reason, http.StatusOK
		if a.conv != nil {
			j.rp.ConversionID = &a.conv.ID
		}
		return s.writeOutboxAndLog(tx, rows, j.rp)
	})
	return a, err
}

// afterCommit counts a new lead or sale towards the offer's daily cap and
// wakes the S2S worker. A Redis failure only costs cap accuracy.
func (s *Service) afterCommit(ctx context.Context, j *job, a applied) {
	st := j.in.status
	if a.inserted && j.offer != nil && s.redis != nil && (st == model.StatusLead || st == model.StatusSale) {
		day := hot.CapDay(j.now, j.offer.ConversionTimezone)
		if _, err := s.redis.IncrOfferCap(ctx, j.offer.ID, day); err != nil {
			s.log.Warn("count offer cap", "offer_id", j.offer.ID, "err", err)
		}
	}
	if a.queued > 0 && s.opt.OnOutbox != nil {
		s.opt.OnOutbox()
	}
}

// writeOutboxAndLog writes the S2S rows and the log line of a postback in
// the caller's transaction: one statement on Postgres.
func (s *Service) writeOutboxAndLog(tx *gorm.DB, rows []model.S2SOutbox, rp *model.ReceivedPostback) error {
	if s.st.IsPostgres() {
		return insertOutboxAndLog(tx, rows, rp)
	}
	if len(rows) > 0 {
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
	}
	return tx.Create(rp).Error
}

// change reads the conversion of the same click and tid and applies the decision.
func (s *Service) change(tx *gorm.DB, j *job) (applied, error) {
	existing, err := s.findConversion(tx, j.in.clickID, j.in.tid)
	if err != nil {
		return applied{}, err
	}
	d := decide(existing, j.in.status, j.policy(), j.upsell())
	a := applied{conv: existing, d: d}
	switch d.act {
	case actInsert:
		conv := s.newConversion(j)
		ok, err := insertConversion(tx, conv, d.asNew)
		if err != nil {
			return a, err
		}
		if !ok {
			return a, errRaced
		}
		a.conv, a.inserted = conv, true
	case actTransit, actUpdate:
		conv := *existing
		s.updateConversion(j, &conv, d.act == actTransit)
		if err := tx.Save(&conv).Error; err != nil {
			return a, err
		}
		a.conv = &conv
	}
	return a, nil
}

func (s *Service) findConversion(tx *gorm.DB, clickID, tid string) (*model.Conversion, error) {
	q := tx.Where("click_id = ? AND tid = ?", clickID, tid)
	if s.st.IsPostgres() {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var c model.Conversion
	if err := q.Limit(1).Find(&c).Error; err != nil {
		return nil, err
	}
	if c.ID == 0 {
		return nil, nil
	}
	return &c, nil
}

// insertConversion inserts conv unless its click+tid exists (ok=false). With
// asNew (duplicate policy "accept") the repeat gets the first free tid
// suffix "#2", "#3", ... since click+tid stays unique.
func insertConversion(tx *gorm.DB, conv *model.Conversion, asNew bool) (bool, error) {
	onConflict := clause.OnConflict{Columns: []clause.Column{{Name: "click_id"}, {Name: "tid"}}, DoNothing: true}
	base := conv.TID
	for n := 1; n < 1000; n++ {
		if asNew {
			conv.TID = cut(base, maxTID-8, "", nil) + "#" + strconv.Itoa(n+1)
		}
		res := tx.Clauses(onConflict).Create(conv)
		if res.Error != nil || res.RowsAffected == 1 || !asNew {
			return res.RowsAffected == 1, res.Error
		}
	}
	return false, errors.New("too many duplicates of one transaction")
}

// newConversion builds the row of a first postback, with the click's
// dimensions copied in (reports need no join).
func (s *Service) newConversion(j *job) *model.Conversion {
	conv := &model.Conversion{ClickID: j.in.clickID, TID: j.in.tid, Status: j.in.status,
		OriginalStatus: j.originalStatus(), Attributed: j.click != nil, CreatedAt: j.now, UpdatedAt: j.now}
	if j.click != nil {
		copyClick(conv, j.click)
	}
	if conv.AffiliateNetworkID == 0 && j.network != nil {
		conv.AffiliateNetworkID = j.network.ID
	}
	s.setMoney(j, conv, nil)
	conv.Params = mergeParams("", j.in.params)
	return conv
}

// updateConversion applies a status change or a "update" duplicate to conv.
func (s *Service) updateConversion(j *job, conv *model.Conversion, transit bool) {
	if transit {
		conv.PreviousStatus, conv.Status = conv.Status, j.in.status
	}
	conv.OriginalStatus = j.originalStatus()
	prev := &model.Conversion{}
	*prev = *conv
	if prev.Currency == "" {
		prev = nil // never priced (it was unattributed): price it as new
	}
	if !conv.Attributed && j.click != nil {
		// Its click is known now: attribute it here, or the joiner would
		// later queue the S2S postback this very change queues.
		copyClick(conv, j.click)
	}
	s.setMoney(j, conv, prev)
	conv.Params = mergeParams(conv.Params, j.in.params)
	conv.UpdatedAt = j.now
}

// rateMissLogged tells whether currency's missing rate was logged before,
// and marks it logged.
func (s *Service) rateMissLogged(currency string) bool {
	_, seen := s.noRate.LoadOrStore(currency, true)
	return seen
}

func (s *Service) setMoney(j *job, conv, existing *model.Conversion) {
	conv.Payout, conv.Currency = price(j.in, j.offer, existing, j.snap.currency)
	rev, ok := j.snap.revenue(conv.Payout, conv.Currency)
	if !ok && !s.rateMissLogged(conv.Currency) {
		// Once per currency: a network paying in it sends thousands a day,
		// and each conversion keeps its currency and amount for a re-rating.
		s.log.Warn("no currency rate: revenue counted 1:1 (logged once per currency)", "currency", conv.Currency,
			"tracker_currency", j.snap.currency)
	}
	conv.Revenue = rev
	if j.in.payout != nil && *j.in.payout != conv.Payout {
		j.in.params["postback_payout"] = strconv.FormatFloat(*j.in.payout, 'f', -1, 64)
	}
}

// mergeParams lays the postback's parameters over the stored ones.
func mergeParams(stored model.JSONText, add map[string]string) model.JSONText {
	m := map[string]string{}
	_ = stored.Decode(&m)
	for k, v := range add {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return model.JSONText(b)
}

func copyClick(conv *model.Conversion, c *model.Click) {
	at := c.CreatedAt.UTC()
	conv.ClickCreatedAt = &at
	conv.CampaignID, conv.StreamID, conv.OfferID, conv.LandingID = c.CampaignID, c.StreamID, c.OfferID, c.LandingID
	conv.TrafficSourceID, conv.AffiliateNetworkID = c.TrafficSourceID, c.AffiliateNetworkID
	conv.Country, conv.DeviceType, conv.OS, conv.Browser = c.Country, c.DeviceType, c.OS, c.Browser
	conv.Language, conv.ConnectionType, conv.IsBot, conv.ExternalID = c.Language, c.ConnectionType, c.IsBot, c.ExternalID
	conv.SubID1 = c.SubID1
	conv.Attributed = true
}

func (j *job) policy() string {
	if j.network != nil && j.network.DuplicatePolicy != "" {
		return j.network.DuplicatePolicy
	}
	return model.DuplicateIgnore
}

// upsell: rebills count when the offer takes them; with the offer unknown
// (unattributed) the rebill is kept, since refusing cannot be undone later.
func (j *job) upsell() bool { return j.offer == nil || j.offer.PayoutUpsell }

func (j *job) originalStatus() string {
	if j.in.originalStatus != "" {
		return j.in.originalStatus
	}
	return j.in.status
}

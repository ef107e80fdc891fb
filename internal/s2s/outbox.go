package s2s

import (
	"context"
	"errors"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// ErrNotResendable is returned when resending a row that is still pending.
var ErrNotResendable = errors.New("s2s: postback is still pending")

// Resend puts a dead or delivered row back to pending, due now, with a fresh
// retry window. It returns store.ErrNotFound for an unknown id.
func Resend(ctx context.Context, st *store.Store, id int64) error {
	now := time.Now().UTC()
	res := st.DB.WithContext(ctx).Exec(`/* s2s.Resend */ UPDATE s2s_outbox SET status = 'pending',
		next_attempt_at = ?, retry_since = ?, last_error = '', delivered_at = NULL
		WHERE id = ? AND status IN ('dead', 'delivered')`, now, now, id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	if err := st.DB.WithContext(ctx).Model(&model.S2SOutbox{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return ErrNotResendable
}

// SentFilter selects rows of the sent postbacks log.
type SentFilter struct {
	Status       string // pending | delivered | dead; empty = all
	ConversionID int64
	CampaignID   int64
	From, To     time.Time // queued at (created_at) >= From and < To; zero = open
	Limit        int       // default 50, max 1000
	Offset       int
}

// SentPostback is an outbox row with its delivery attempts, newest first.
type SentPostback struct {
	model.S2SOutbox
	Attempts []model.S2SAttempt `json:"attempts_log"`
}

// List returns a page of outbox rows (newest first) with their attempts and
// the total count matching the filter.
func List(ctx context.Context, st *store.Store, f SentFilter) ([]SentPostback, int64, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	q := st.DB.WithContext(ctx).Model(&model.S2SOutbox{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ConversionID != 0 {
		q = q.Where("conversion_id = ?", f.ConversionID)
	}
	if f.CampaignID != 0 {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []model.S2SOutbox
	if err := q.Order("id DESC").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]SentPostback, len(rows))
	ids := make([]int64, len(rows))
	index := make(map[int64]int, len(rows))
	for i, r := range rows {
		out[i] = SentPostback{S2SOutbox: r, Attempts: []model.S2SAttempt{}}
		ids[i] = r.ID
		index[r.ID] = i
	}
	if len(ids) == 0 {
		return out, total, nil
	}
	var attempts []model.S2SAttempt
	if err := st.DB.WithContext(ctx).Where("outbox_id IN ?", ids).Order("id DESC").Find(&attempts).Error; err != nil {
		return nil, 0, err
	}
	for _, a := range attempts {
		i := index[a.OutboxID]
		out[i].Attempts = append(out[i].Attempts, a)
	}
	return out, total, nil
}

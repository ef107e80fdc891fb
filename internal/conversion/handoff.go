package conversion

import (
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// Handoff is the S2S sender's side of the hand-off (s2s.Worker, see its
// handoff.go): rows inserted leased to it go to it after the commit.
type Handoff interface {
	Reserve(n int) (lease time.Time, ok bool)
	Release(n int)
	Deliver(lease time.Time, rows []model.S2SOutbox)
}

// handoff is one postback's reservation; the zero value reserved nothing.
type handoff struct {
	to    Handoff
	lease time.Time
	n     int // places still booked
}

// reserveHandoff books places for rows and marks them leased to the
// sender; without a place they stay due now, for the claim loop.
func (s *Service) reserveHandoff(rows []model.S2SOutbox) *handoff {
	h := &handoff{}
	if s.opt.Handoff == nil || len(rows) == 0 {
		return h
	}
	lease, ok := s.opt.Handoff.Reserve(len(rows))
	if !ok {
		return h
	}
	h.to, h.lease, h.n = s.opt.Handoff, lease, len(rows)
	for i := range rows {
		rows[i].NextAttemptAt = lease
	}
	return h
}

// handOver gives the committed rows, with the ids Postgres drew for them,
// to the sender. false: nothing was reserved, or the ids do not match the
// rows (then the rows wait for their lease to end and are claimed).
func (s *Service) handOver(h *handoff, rows []model.S2SOutbox, ids []int64) bool {
	if h.n == 0 {
		return false
	}
	if len(ids) != len(rows) {
		s.log.Warn("s2s hand-off: ids do not match the rows; they will be claimed after their lease",
			"rows", len(rows), "ids", len(ids))
		return false
	}
	for i := range rows {
		rows[i].ID = ids[i]
	}
	h.to.Deliver(h.lease, rows)
	h.n = 0
	return true
}

// release gives back the places of rows that were not handed over.
func (h *handoff) release() {
	if h.n > 0 {
		h.to.Release(h.n)
		h.n = 0
	}
}

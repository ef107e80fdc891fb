package conversion

import (
	"context"
	"sync"

	"github.com/kite-tracker/kite/internal/model"
)

// Log lines the database could not take. A refused postback (wrong key,
// bad subid, ...) is answered without the database, also during an outage,
// and its log line used to be lost then; the network sees a 4xx and a
// buyer looking for the postback found nothing. Such lines now wait here,
// in memory, and are written when the database answers again (RunSpool).
// Accepted postbacks never need this: they are spooled to disk whole and
// logged when replayed. The buffer is bounded (a flood of bad requests
// during an outage must not eat the memory); past it lines are counted and
// dropped, and a restart during the outage loses what waits.
const unloggedCap = 10_000

type unloggedLines struct {
	mu      sync.Mutex
	lines   []*model.ReceivedPostback
	dropped int64
}

// keep holds rp for a later write; false when the buffer is full.
func (u *unloggedLines) keep(rp *model.ReceivedPostback) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.lines) >= unloggedCap {
		u.dropped++
		return false
	}
	cp := *rp
	u.lines = append(u.lines, &cp)
	return true
}

// take empties the buffer.
func (u *unloggedLines) take() []*model.ReceivedPostback {
	u.mu.Lock()
	defer u.mu.Unlock()
	lines := u.lines
	u.lines = nil
	return lines
}

// putBack returns lines that could not be written yet, ahead of newer ones.
func (u *unloggedLines) putBack(lines []*model.ReceivedPostback) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.lines = append(lines, u.lines...)
	if extra := len(u.lines) - unloggedCap; extra > 0 {
		u.lines = u.lines[:unloggedCap]
		u.dropped += int64(extra)
	}
}

// writeUnlogged writes the waiting log lines; on failure they wait for the
// next round.
func (s *Service) writeUnlogged(ctx context.Context) {
	lines := s.unlogged.take()
	if len(lines) == 0 {
		return
	}
	if err := s.db.WithContext(ctx).CreateInBatches(lines, 500).Error; err != nil {
		s.unlogged.putBack(lines)
		return
	}
	s.log.Info("log lines of postbacks refused while the database was away written", "lines", len(lines))
}

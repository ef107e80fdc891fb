package conversion

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Many affiliate networks never retry a postback: refusing one while the
// database is away loses the conversion. So a postback that passed every
// check needing no database waits in the local spool, the network is told
// it was queued, and the replayer applies it through Process once the
// database answers, as if it had just arrived.

const (
	outcomeQueued = "queued" // answered, not applied yet: waits in the spool
	reasonQueued  = "saved; applied in arrival order as soon as the database answers"
	// maxReplayAttempts: a spooled postback the database refuses this many
	// times while answering pings is set aside (held.spool), or one bad
	// record would hold up every postback behind it.
	maxReplayAttempts = 10
	probeTimeout      = 2 * time.Second
	refusalLogTimeout = 500 * time.Millisecond
)

type receivedAtKey struct{}

// withReceivedAt carries a spooled postback's original receive time to
// Process, so the conversion and the received-postbacks log show when the
// network sent it, not when the database came back.
func withReceivedAt(ctx context.Context, at time.Time) context.Context {
	return context.WithValue(ctx, receivedAtKey{}, at)
}

// receivedAt is the time Process stamps on a postback: the original one of
// a replayed postback, else now.
func receivedAt(ctx context.Context) time.Time {
	if at, ok := ctx.Value(receivedAtKey{}).(time.Time); ok && !at.IsZero() {
		return at.UTC()
	}
	return time.Now().UTC()
}

type spoolMetrics struct {
	spooled, replayed, held, full prometheus.Counter
	bytes                         prometheus.GaugeFunc
}

func newSpoolMetrics(sp *postbackSpool) *spoolMetrics {
	return &spoolMetrics{
		spooled: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_postbacks_spooled_total",
			Help: "Postbacks answered as queued and saved to the local spool (database unavailable or a backlog)."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_postbacks_replayed_total",
			Help: "Spooled postbacks applied (or refused for good) by the replayer."}),
		held: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_postbacks_held_total",
			Help: "Spooled postbacks the database kept refusing, set aside in held.spool."}),
		full: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_postbacks_spool_full_total",
			Help: "Postbacks refused with 503 because the spool reached its size cap."}),
		bytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "kite_postbacks_spool_bytes",
			Help: "Bytes of postbacks waiting in the local spool."}, func() float64 { return float64(sp.size()) }),
	}
}

// RegisterMetrics exposes the group writer's and the spool's counters.
func (s *Service) RegisterMetrics(reg prometheus.Registerer) error {
	cs := []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kite_postback_group_statements_total",
			Help: "Statements that wrote first postbacks (Postgres), each for one or more postbacks."},
			func() float64 { n, _ := s.group.counts(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kite_postback_group_postbacks_total",
			Help: "First postbacks written by those statements; divided by the statements, the group size."},
			func() float64 { _, n := s.group.counts(); return float64(n) }),
	}
	if m := s.spoolM; m != nil {
		cs = append(cs, m.spooled, m.replayed, m.held, m.full, m.bytes)
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// queue saves a postback to the spool after the checks that need no
// database. onlyInBacklog: save it only if postbacks already wait (else
// queued is false and the caller applies it live).
func (s *Service) queue(ctx context.Context, pb Postback, at time.Time, onlyInBacklog bool) (res Result, queued bool, err error) {
	ignored, refusal := s.precheck(ctx, pb, at)
	if refusal != nil {
		return Result{}, true, refusal
	}
	started := !s.spool.inBacklog()
	ok, err := s.spool.appendIf(onlyInBacklog, spooled(pb, at))
	switch {
	case errors.Is(err, errSpoolFull):
		s.spoolM.full.Inc()
		if s.fullLogged.CompareAndSwap(false, true) {
			s.log.Error("postback spool full: refusing postbacks with 503 until it drains",
				"dir", s.opt.SpoolDir, "bytes", s.spool.size(), "cap", s.opt.SpoolMaxBytes)
		}
		return Result{}, true, echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later")
	case err != nil:
		s.log.Error("postback spool write failed", "err", err)
		return Result{}, true, echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable, retry later")
	case !ok:
		return Result{}, false, nil
	}
	s.fullLogged.Store(false)
	s.spoolM.spooled.Inc()
	if started {
		s.log.Warn("database unavailable: postbacks are saved to the spool and applied when it answers",
			"dir", s.opt.SpoolDir)
	}
	if ignored {
		return Result{Outcome: model.PostbackIgnored, Reason: "status in ignore_status"}, true, nil
	}
	return Result{Outcome: outcomeQueued, Reason: reasonQueued}, true, nil
}

// precheck refuses, before a postback is saved, what needs no database: a
// wrong key or IP (against the configuration in memory; with none loaded
// yet the key is checked at replay), a bad subid, payout, status or
// currency. The refusal is logged as Process would, if the database lets it.
func (s *Service) precheck(ctx context.Context, pb Postback, at time.Time) (ignored bool, refusal error) {
	in, bad := parseIncoming(pb.Values)
	if pb.bad != nil {
		bad = pb.bad
	}
	if snap := s.cfg.current.Load(); snap != nil {
		if fail := s.authorise(snap, pb, &job{in: in, snap: snap}); fail != nil {
			bad = fail // the key first: strangers learn nothing
		}
	}
	if bad == nil {
		return in.ignored, nil
	}
	rp := &model.ReceivedPostback{ReceivedAt: at, Method: pb.Method, RemoteIP: cut(pb.RemoteIP, maxRemoteIP, "", nil),
		RawRequest: pb.Raw, Status: cut(pb.Values.Get("status"), maxStatus, "", nil), ClickID: in.clickID}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refusalLogTimeout)
	defer cancel()
	return false, s.refused(lctx, rp, bad)
}

// outage tells whether a failed postback should wait in the spool: Process
// answered 503 and the database cannot be reached (its error says so, or it
// does not answer a ping, twice: at the start of a shutdown a pooled
// connection may still answer one), or the postback was not applied in time
// (late: QueueAfter passed, or the request ended). A 4xx, or a 503 while the
// database answers (a constraint or a bug), is not queued.
func (s *Service) outage(ctx context.Context, err error, late bool) bool {
	var he *echo.HTTPError
	if !errors.As(err, &he) || he.Code != http.StatusServiceUnavailable {
		return false
	}
	if late || ctx.Err() != nil {
		return true
	}
	if he.Internal != nil {
		return unreachable(he.Internal)
	}
	if s.probe(ctx) != nil {
		return true
	}
	time.Sleep(reprobeAfter)
	return s.probe(ctx) != nil
}

const reprobeAfter = 250 * time.Millisecond

// unreachable tells a database that cannot be reached or is going away
// from one that refused a statement.
func unreachable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// 08: connection exception; 57P01-57P03: shutting down, starting
		// up; 53300: too many connections.
		return strings.HasPrefix(pg.Code, "08") || strings.HasPrefix(pg.Code, "57P0") || pg.Code == "53300"
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "database is closed")
}

func (s *Service) probe(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	return s.st.Ping(pctx)
}

// RunSpool applies spooled postbacks, oldest first, whenever the database
// answers, until ctx ends. Its first pass replays what an earlier process
// left. It also loads the configuration, so keys can be checked in memory
// if the database goes away before the first postback, and writes the log
// lines of refusals that waited for the database (unlogged.go).
func (s *Service) RunSpool(ctx context.Context) error {
	if s.spool != nil {
		if _, err := s.cfg.get(ctx); err != nil {
			s.log.Warn("load postback config for the spool", "err", err)
		}
	}
	t := time.NewTicker(s.opt.ReplayEvery)
	defer t.Stop()
	for {
		if s.spool != nil {
			s.replaySpool(ctx)
		}
		s.writeUnlogged(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// replaySpool applies every spool file, and the ones appended meanwhile,
// until the spool is empty (then postbacks are applied live again) or the
// database fails again.
func (s *Service) replaySpool(ctx context.Context) {
	replayed := 0
	for ctx.Err() == nil {
		if s.spool.clearBacklogIfEmpty() {
			if n := replayed; n > 0 {
				s.log.Info("postback spool replayed; applying postbacks live again", "postbacks", n)
			}
			return
		}
		if err := s.probe(ctx); err != nil {
			return
		}
		if replayed == 0 {
			s.log.Info("replaying the postback spool", "bytes", s.spool.size())
		}
		files, err := s.spool.rotate()
		if err != nil {
			s.log.Error("postback spool rotate failed", "err", err)
			return
		}
		for _, path := range files {
			n, ok := s.replayFile(ctx, path)
			replayed += n
			if !ok {
				return
			}
		}
	}
}

// replayBatch is how many spooled postbacks are applied at once (those of
// one click one after the other, in arrival order; Process's own limit
// still bounds the database work).
const replayBatch = 32

// spooledAt is one postback read from a spool file and where its line starts.
type spooledAt struct {
	rec   spooledPostback
	start int64
}

// replayFile applies one spool file from its saved position, a batch at a
// time, and removes it; false when it stopped early (database gone again,
// or shutdown).
func (s *Service) replayFile(ctx context.Context, path string) (int, bool) {
	sr, err := openSpoolReader(path)
	if err != nil {
		s.log.Error("open postback spool file", "file", path, "err", err)
		return 0, false
	}
	defer sr.close()
	n := 0
	for {
		from := sr.offset
		batch, err := readBatch(sr, replayBatch)
		if err != nil {
			s.log.Error("read postback spool file", "file", path, "err", err)
			return n, false
		}
		if len(batch) == 0 {
			break
		}
		applied := s.replayBatch(ctx, batch)
		n += len(applied)
		if len(applied) < len(batch) { // stopped: keep what committed, resume at the rest
			if err := sr.commit(from, applied); err != nil {
				s.log.Error("save postback spool position", "file", path, "err", err)
			}
			return n, false
		}
		if err := sr.commit(sr.offset, nil); err != nil {
			s.log.Error("save postback spool position", "file", path, "err", err)
			return n, false
		}
	}
	if sr.skipped > 0 {
		s.log.Warn("postback spool lines not decodable (torn write?), skipped", "file", path, "lines", sr.skipped)
	}
	if err := s.spool.done(path); err != nil {
		s.log.Error("remove replayed postback spool file", "file", path, "err", err)
		return n, false
	}
	return n, true
}

// readBatch reads up to n postbacks; fewer at the end of the file.
func readBatch(sr *spoolReader, n int) ([]spooledAt, error) {
	var batch []spooledAt
	for len(batch) < n {
		rec, start, err := sr.next()
		if errors.Is(err, io.EOF) {
			return batch, nil
		}
		if err != nil {
			return batch, err
		}
		batch = append(batch, spooledAt{rec, start})
	}
	return batch, nil
}

// replayBatch applies a batch, the postbacks of each click in order and the
// clicks side by side, and returns where the applied ones start. After a
// failure no new postback is started.
func (s *Service) replayBatch(ctx context.Context, batch []spooledAt) []int64 {
	var byClick [][]spooledAt
	index := map[string]int{}
	for _, b := range batch {
		id := first(b.rec.Values, subIDNames)
		i, ok := index[id]
		if !ok {
			i = len(byClick)
			index[id] = i
			byClick = append(byClick, nil)
		}
		byClick[i] = append(byClick[i], b)
	}
	var (
		mu      sync.Mutex
		applied []int64
		failed  atomic.Bool
		wg      sync.WaitGroup
	)
	for _, click := range byClick {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range click {
				if failed.Load() || !s.replayOne(ctx, b.rec) {
					failed.Store(true)
					return
				}
				mu.Lock()
				applied = append(applied, b.start)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return applied
}

// replayOne applies one spooled postback through Process: true once it is
// committed, refused for good (a 4xx, logged by Process) or set aside.
func (s *Service) replayOne(ctx context.Context, rec spooledPostback) bool {
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(withReceivedAt(ctx, rec.At), replayTimeout)
		var err error
		if snap, cerr := s.cfg.get(pctx); cerr != nil {
			err = echo.NewHTTPError(http.StatusServiceUnavailable).SetInternal(cerr)
		} else {
			_, err = s.Process(pctx, rec.postback(snap))
		}
		cancel()
		var he *echo.HTTPError
		if err == nil || (errors.As(err, &he) && he.Code < http.StatusInternalServerError) {
			s.spoolM.replayed.Inc()
			return true
		}
		if ctx.Err() != nil || s.probe(ctx) != nil {
			return false // gone again: the next pass resumes here
		}
		if attempt >= maxReplayAttempts {
			return s.holdBack(rec, err)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(time.Duration(attempt) * s.opt.ReplayEvery):
		}
	}
}

// replayTimeout bounds one replayed postback (a live one is bounded by its
// client): a hung database must not stall the replayer for good.
const replayTimeout = 30 * time.Second

func (s *Service) holdBack(rec spooledPostback, err error) bool {
	if herr := s.spool.hold(rec); herr != nil {
		s.log.Error("set aside a spooled postback", "err", herr, "subid", first(rec.Values, subIDNames))
		return false
	}
	s.spoolM.held.Inc()
	s.log.Error("spooled postback refused by the database again and again; set aside in held.spool",
		"subid", first(rec.Values, subIDNames), "tid", first(rec.Values, tidNames), "attempts", maxReplayAttempts, "err", err)
	return true
}

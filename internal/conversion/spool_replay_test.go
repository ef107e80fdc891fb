package conversion

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/kite-tracker/kite/internal/testenv"
	"github.com/labstack/echo/v4"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// unreachableStore is a database that is not there: Postgres on a closed
// port, or (SQLite) a pool already closed.
func unreachableStore(t *testing.T) *store.Store {
	t.Helper()
	if testenv.Postgres() {
		db, err := gorm.Open(postgres.Open("postgres://postgres@127.0.0.1:1/kite?sslmode=disable&connect_timeout=2"),
			&gorm.Config{DisableAutomaticPing: true, Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		return &store.Store{DB: db, Dialect: store.Postgres}
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "gone.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return st
}

// spoolService is a second service on the fixture's tracker with a spool,
// on st (the fixture's database, or an unreachable one).
func (f *fixture) spoolService(st *store.Store, dir string, maxBytes int64) (*Service, *echo.Echo) {
	svc := NewService(Options{CacheTTL: time.Hour, SpoolDir: dir, SpoolMaxBytes: maxBytes, ReplayEvery: 20 * time.Millisecond},
		st, f.svc.redis, f.clicks, nil)
	if snap, err := f.svc.cfg.get(context.Background()); err == nil {
		svc.cfg.current.Store(snap) // loaded before the database went away
	} else {
		f.t.Fatal(err)
	}
	e := echo.New()
	svc.Register(e)
	return svc, e
}

func send(e *echo.Echo, target string) (int, string, http.Header) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = "203.0.113.7:40000"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header()
}

func eventually(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func runSpool(t *testing.T, svc *Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.RunSpool(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestPostbacksQueuedWhileDatabaseDown: with the database unreachable,
// postbacks that pass the checks needing no database are answered 200
// "queued" (bad ones still get their 4xx); a later process replays the
// spool in arrival order through Process: each conversion stored once, with
// its S2S postback and its line in the received log; a second replay
// changes nothing.
func TestPostbacksQueuedWhileDatabaseDown(t *testing.T) {
	f := newFixture(t, nil)
	dir := t.TempDir()
	downSvc, down := f.spoolService(unreachableStore(t), dir, 1<<20)
	c1, c2 := f.click(true), f.click(true)
	pb := "/" + testKey + "/postback?subid="
	steps := []struct {
		target  string
		code    int
		outcome string
	}{
		{"/wrong-key/postback?subid=" + c1.ID, 403, ""},
		{pb + "&status=sale", 400, ""},
		{pb + c1.ID + "&payout=abc", 400, ""},
		{pb + c1.ID + "&status=lead&tid=A&payout=3", 200, outcomeQueued},
		{pb + c2.ID + "&status=sale&tid=B&payout=4", 200, outcomeQueued},
		{pb + c1.ID + "&status=sale&tid=A&payout=3", 200, outcomeQueued}, // lead -> sale, in order
		{pb + c2.ID + "&status=sale&tid=B&payout=4", 200, outcomeQueued}, // a duplicate
		{pb + c2.ID + "&status=test&ignore_status=test", 200, model.PostbackIgnored},
	}
	for _, st := range steps {
		code, body, _ := send(down, st.target)
		if code != st.code || (st.outcome != "" && !strings.Contains(body, `"outcome":"`+st.outcome+`"`)) {
			t.Fatalf("%s: %d %s, want %d %s", st.target, code, body, st.code, st.outcome)
		}
	}
	files, err := downSvc.spool.rotate() // a replay tried while the database is still away: nothing may leave the spool
	if err != nil || len(files) != 1 {
		t.Fatalf("rotate: %v %v", files, err)
	}
	if n, ok := downSvc.replayFile(context.Background(), files[0]); n != 0 || ok {
		t.Fatalf("replay with the database away: %d applied, finished %v", n, ok)
	}
	if n := f.count("conversions", ""); n != 0 || spoolFiles(t, dir) == 0 {
		t.Fatalf("%d conversions stored while the database was away, %d spool files", n, spoolFiles(t, dir))
	}

	up, _ := f.spoolService(f.st, dir, 1<<20) // the next process, database back
	runSpool(t, up)
	eventually(t, "the spool replayed", 10*time.Second, func() bool { return !up.spool.inBacklog() })
	got1, got2 := f.conversions(c1.ID), f.conversions(c2.ID)
	if len(got1) != 1 || got1[0].Status != model.StatusSale || len(got2) != 1 || got2[0].Status != model.StatusSale {
		t.Fatalf("conversions %+v / %+v, want one sale each", got1, got2)
	}
	for _, c := range []struct {
		click *model.Click
		want  []string // arrival order, per click
	}{{c1, []string{"accepted", "updated"}}, {c2, []string{"accepted", "duplicate", "ignored"}}} {
		var log []model.ReceivedPostback
		if err := f.st.DB.Where("click_id = ?", c.click.ID).Order("id").Find(&log).Error; err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range log {
			got = append(got, l.Outcome)
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("received log of a click: %v, want %v (arrival order)", got, c.want)
		}
	}
	if n := f.count("s2s_outbox", ""); n < 2 {
		t.Errorf("%d S2S postbacks queued by the replay, want at least one per conversion", n)
	}
	if n := spoolFiles(t, dir); n != 0 {
		t.Errorf("%d spool files left after the replay", n)
	}

	again, _ := f.spoolService(f.st, dir, 1<<20) // a restart replays nothing twice
	runSpool(t, again)
	time.Sleep(100 * time.Millisecond)
	if n := f.count("received_postbacks", "click_id IN ?", []string{c1.ID, c2.ID}); n != 5 {
		t.Fatalf("a second start replayed again: %d log lines", n)
	}
}

func spoolFiles(t *testing.T, dir string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.spool"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() > 0 {
			n++
		}
	}
	return n
}

// TestSpoolFullAnswers503: past the size cap a postback is refused with 503
// as before the spool, and nothing is saved for it.
func TestSpoolFullAnswers503(t *testing.T) {
	f := newFixture(t, nil)
	dir := t.TempDir()
	_, down := f.spoolService(unreachableStore(t), dir, 600)
	c := f.click(true)
	codes := map[int]int{}
	for i := 0; i < 5; i++ {
		code, _, _ := send(down, "/"+testKey+"/postback?status=sale&tid=T"+itoa64(int64(i))+"&subid="+c.ID)
		codes[code]++
	}
	if codes[http.StatusOK] == 0 || codes[http.StatusServiceUnavailable] == 0 || codes[http.StatusOK]+codes[http.StatusServiceUnavailable] != 5 {
		t.Fatalf("answers %v, want some 200 then 503", codes)
	}
	st, err := os.Stat(filepath.Join(dir, pbActiveSpool))
	if err != nil || st.Size() > 600 {
		t.Fatalf("spool %v bytes past a 600-byte cap (%v)", st.Size(), err)
	}
}

// TestSpoolReplayKeepsEachClicksOrder: more postbacks than one replay
// batch, several per click, queued while the database is away: replayed
// side by side, each click's in arrival order (lead, then sale, then a
// repeat of the sale), so each ends as one sale with the log in that order.
func TestSpoolReplayKeepsEachClicksOrder(t *testing.T) {
	f := newFixture(t, nil)
	dir := t.TempDir()
	_, down := f.spoolService(unreachableStore(t), dir, 1<<20)
	var clicks []*model.Click
	for i := 0; i < 15; i++ {
		clicks = append(clicks, f.click(true))
	}
	for _, status := range []string{"lead", "sale", "sale"} {
		for _, c := range clicks {
			if code, body, _ := send(down, "/"+testKey+"/postback?tid=T&status="+status+"&subid="+c.ID); code != 200 {
				t.Fatalf("%d %s", code, body)
			}
		}
	}
	up, _ := f.spoolService(f.st, dir, 1<<20)
	runSpool(t, up)
	eventually(t, "the spool replayed", 20*time.Second, func() bool { return !up.spool.inBacklog() })
	for _, c := range clicks {
		convs := f.conversions(c.ID)
		var log []model.ReceivedPostback
		if err := f.st.DB.Where("click_id = ?", c.ID).Order("id").Find(&log).Error; err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range log {
			got = append(got, l.Outcome)
		}
		if len(convs) != 1 || convs[0].Status != model.StatusSale || strings.Join(got, " ") != "accepted updated duplicate" {
			t.Fatalf("click %s: %d conversions (%+v), log %v; want one sale, accepted updated duplicate", c.ID, len(convs), convs, got)
		}
	}
}

// stuckClicks is a click store that answers nothing until the caller gives up.
type stuckClicks struct{}

func (stuckClicks) Lookup(ctx context.Context, _ string) (*model.Click, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestSlowPostbackIsQueuedNotHeld: a postback that cannot be applied
// within QueueAfter (an overloaded box) is answered "queued" at once and
// applied, attributed, by the replay; the network's request is not held.
func TestSlowPostbackIsQueuedNotHeld(t *testing.T) {
	f := newFixture(t, nil)
	dir := t.TempDir()
	stuck := NewService(Options{CacheTTL: time.Hour, SpoolDir: dir, QueueAfter: 200 * time.Millisecond}, f.st, f.svc.redis, stuckClicks{}, nil)
	e := echo.New()
	stuck.Register(e)
	c := f.click(true)
	began := time.Now()
	code, body, _ := send(e, "/"+testKey+"/postback?status=sale&tid=S&subid="+c.ID)
	if took := time.Since(began); code != 200 || !strings.Contains(body, outcomeQueued) || took > 2*time.Second {
		t.Fatalf("answer %d %s after %v, want 200 queued within ~200ms", code, body, took)
	}
	if n := len(f.conversions(c.ID)); n != 0 {
		t.Fatalf("%d conversions before the replay", n)
	}
	up, _ := f.spoolService(f.st, dir, 1<<20)
	runSpool(t, up)
	eventually(t, "the spool replayed", 10*time.Second, func() bool { return !up.spool.inBacklog() })
	if convs := f.conversions(c.ID); len(convs) != 1 || !convs[0].Attributed || convs[0].Status != model.StatusSale {
		t.Fatalf("conversions %+v, want one attributed sale", convs)
	}
}

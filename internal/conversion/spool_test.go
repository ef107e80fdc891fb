package conversion

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kite-tracker/kite/internal/model"
)

func testRecord(i int) spooledPostback {
	return spooled(Postback{Key: testKey, Method: "GET", RemoteIP: "203.0.113.7",
		Raw: "GET /***/postback?tid=" + strconv.Itoa(i), Values: url.Values{"subid": {"x"}, "tid": {strconv.Itoa(i)}}},
		time.Unix(1700000000+int64(i), 0).UTC())
}

// readAll rotates the spool and reads every waiting postback, in order.
func readAll(t *testing.T, sp *postbackSpool) (recs []spooledPostback, skipped int) {
	t.Helper()
	files, err := sp.rotate()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		sr, err := openSpoolReader(path)
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, _, err := sr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		skipped += sr.skipped
		sr.close()
	}
	return recs, skipped
}

func tids(recs []spooledPostback) (out []string) {
	for _, r := range recs {
		out = append(out, r.Values.Get("tid"))
	}
	return out
}

func mustAppend(t *testing.T, sp *postbackSpool, onlyInBacklog bool, rec spooledPostback) bool {
	t.Helper()
	ok, err := sp.appendIf(onlyInBacklog, rec)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestSpoolBacklogAndOrder: a spool not in backlog takes nothing from a
// backlog-only append; once something is saved, everything after queues
// behind it, and comes back in arrival order with its receive time.
func TestSpoolBacklogAndOrder(t *testing.T) {
	sp, err := openPostbackSpool(t.TempDir(), 1<<20)
	if err != nil || sp.inBacklog() {
		t.Fatalf("fresh spool: backlog %v, err %v", sp.inBacklog(), err)
	}
	if mustAppend(t, sp, true, testRecord(0)) {
		t.Fatal("a backlog-only append was saved with no backlog")
	}
	mustAppend(t, sp, false, testRecord(1))
	if !sp.inBacklog() || !mustAppend(t, sp, true, testRecord(2)) {
		t.Fatal("an append did not start the backlog")
	}
	if sp.clearBacklogIfEmpty() {
		t.Fatal("backlog cleared with postbacks waiting")
	}
	first, _ := sp.rotate()
	mustAppend(t, sp, true, testRecord(3)) // arrives during the replay of the first file
	recs, skipped := readAll(t, sp)
	if got := tids(recs); skipped != 0 || len(got) != 3 || got[0] != "1" || got[1] != "2" || got[2] != "3" {
		t.Fatalf("read %v (%d skipped), want [1 2 3]", got, skipped)
	}
	if !recs[0].At.Equal(testRecord(1).At) || recs[0].postback(&snapshot{postbackKey: testKey}).Key != testKey {
		t.Fatalf("record lost its time or key: %+v", recs[0])
	}
	files, _ := sp.rotate()
	for _, f := range files {
		if err := sp.done(f); err != nil {
			t.Fatal(err)
		}
	}
	if len(first) != 1 || !sp.clearBacklogIfEmpty() || sp.inBacklog() || sp.size() != 0 {
		t.Fatalf("after the replay: backlog %v, %d bytes", sp.inBacklog(), sp.size())
	}
}

// TestSpoolTornLastRecord: a crash cut the last line short; the next
// process appends after it, and only the torn line is lost.
func TestSpoolTornLastRecord(t *testing.T) {
	dir := t.TempDir()
	sp, _ := openPostbackSpool(dir, 1<<20)
	mustAppend(t, sp, false, testRecord(1))
	mustAppend(t, sp, false, testRecord(2))
	f, err := os.OpenFile(filepath.Join(dir, pbActiveSpool), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"at":"2026-11-29T17:00:00Z","key":"k","val`) // the crash
	f.Close()
	sp2, _ := openPostbackSpool(dir, 1<<20) // the next process
	if !sp2.inBacklog() {
		t.Fatal("a spool left by an earlier process did not start in backlog")
	}
	mustAppend(t, sp2, true, testRecord(3))
	recs, skipped := readAll(t, sp2)
	if got := tids(recs); skipped != 1 || len(got) != 3 || got[2] != "3" {
		t.Fatalf("read %v, %d skipped; want [1 2 3], 1 skipped", got, skipped)
	}
}

// TestSpoolResumesAfterCrashMidReplay: the saved position (an offset, and
// the postbacks past it already applied, as a concurrent replay leaves
// them) is where the next process starts: nothing applied comes again.
func TestSpoolResumesAfterCrashMidReplay(t *testing.T) {
	cases := []struct {
		name      string
		committed func(starts []int64) (int64, []int64)
		want      []string
	}{
		{"nothing saved", func([]int64) (int64, []int64) { return 0, nil }, []string{"1", "2", "3", "4"}},
		{"first two", func(s []int64) (int64, []int64) { return s[2], nil }, []string{"3", "4"}},
		{"second and fourth, out of order", func(s []int64) (int64, []int64) { return s[0], []int64{s[3], s[1]} },
			[]string{"1", "3"}},
		{"first, then the third", func(s []int64) (int64, []int64) { return s[1], []int64{s[2]} }, []string{"2", "4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp, _ := openPostbackSpool(t.TempDir(), 1<<20)
			for i := 1; i <= 4; i++ {
				mustAppend(t, sp, false, testRecord(i))
			}
			files, _ := sp.rotate()
			sr, err := openSpoolReader(files[0])
			if err != nil {
				t.Fatal(err)
			}
			var starts []int64
			for {
				_, start, err := sr.next()
				if errors.Is(err, io.EOF) {
					break
				}
				starts = append(starts, start)
			}
			if err := sr.commit(c.committed(starts)); err != nil {
				t.Fatal(err)
			}
			sr.close() // the crash
			recs, _ := readAll(t, sp)
			if got := tids(recs); strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("resumed with %v, want %v", got, c.want)
			}
		})
	}
}

// TestSpoolCap: past the cap appends fail with errSpoolFull and save
// nothing; once a replayed file is removed there is room again.
func TestSpoolCap(t *testing.T) {
	line := int64(len(mustJSON(t, testRecord(1)))) + 1
	sp, _ := openPostbackSpool(t.TempDir(), 3*line)
	for i := 1; i <= 3; i++ {
		mustAppend(t, sp, false, testRecord(i))
	}
	if _, err := sp.appendIf(false, testRecord(4)); !errors.Is(err, errSpoolFull) {
		t.Fatalf("append past the cap: %v, want errSpoolFull", err)
	}
	if sp.size() != 3*line {
		t.Fatalf("size %d after a refused append, want %d", sp.size(), 3*line)
	}
	files, _ := sp.rotate()
	if err := sp.done(files[0]); err != nil {
		t.Fatal(err)
	}
	if !mustAppend(t, sp, false, testRecord(5)) {
		t.Fatal("no room after the replayed file was removed")
	}
	sp2, _ := openPostbackSpool(sp.dir, 3*line) // a restart counts what waits
	if sp2.size() != line {
		t.Fatalf("restart counted %d bytes, want %d", sp2.size(), line)
	}
}

// TestSpoolHold: a postback set aside lands in held.spool, which is neither
// replayed nor counted against the cap.
func TestSpoolHold(t *testing.T) {
	dir := t.TempDir()
	sp, _ := openPostbackSpool(dir, 1<<20)
	if err := sp.hold(testRecord(7)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, pbHeldSpool))
	if err != nil || len(b) == 0 {
		t.Fatalf("held.spool: %q %v", b, err)
	}
	sp2, _ := openPostbackSpool(dir, 1<<20)
	if files, _ := sp2.rotate(); len(files) != 0 || sp2.inBacklog() || sp2.size() != 0 {
		t.Fatalf("held postbacks replayed or counted: files %v, backlog %v", files, sp2.inBacklog())
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestUnreachable: connection failures and a database going away queue a
// postback; a statement the database refused does not.
func TestUnreachable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"shutting down", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "57P03"}), true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"numeric overflow", &pgconn.PgError{Code: "22003"}, false},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"bad conn", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"cut mid-answer", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"pool closed", errors.New("sql: database is closed"), true},
		{"timeout", context.DeadlineExceeded, true},
		{"anything else", errors.New("record not found"), false},
	}
	for _, c := range cases {
		if got := unreachable(c.err); got != c.want {
			t.Errorf("%s: unreachable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestSpoolKeepsNoKey: a spooled postback keeps its key only as a hash, in
// the file and in its values (?key=), and replay finds the configured key or
// network token by it; a key no longer configured comes back empty (refused
// as invalid then); a record from before the hash keeps working.
func TestSpoolKeepsNoKey(t *testing.T) {
	snap := &snapshot{postbackKey: testKey, byToken: map[string]*model.AffiliateNetwork{"net-token-1": {ID: 7}}}
	tests := []struct {
		name, key, want string
	}{
		{"tracker key", testKey, testKey},
		{"network token", "net-token-1", "net-token-1"},
		{"key since changed", "old-key-123", ""},
		{"no key", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := openPostbackSpool(t.TempDir(), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			rec := spooled(Postback{Key: tt.key, Method: "GET", Values: url.Values{"subid": {"x"}, "key": {tt.key}}}, time.Now().UTC())
			mustAppend(t, sp, false, rec)
			files, _ := sp.rotate()
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if tt.key != "" && strings.Contains(string(raw), tt.key) {
					t.Fatalf("the spool file holds the key: %s", raw)
				}
				_ = sp.done(f)
			}
			if got := rec.postback(snap); got.Key != tt.want || got.Values.Has("key") {
				t.Errorf("replayed key %q (values %v), want %q and no key value", got.Key, got.Values, tt.want)
			}
		})
	}
	old := spooledPostback{Key: testKey, Method: "GET"} // written before the hash
	if got := old.postback(snap).Key; got != testKey {
		t.Errorf("old record: key %q, want %q", got, testKey)
	}
}

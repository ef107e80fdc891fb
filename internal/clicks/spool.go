package clicks

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

const (
	activeSpool   = "active.spool"
	replayPattern = "replay-*.spool"
	maxSpoolLine  = 4 << 20 // a click with huge parameters still fits
)

// spool is the local append-only file of click events that could not reach
// Redis. Events are JSON lines; appends go to active.spool, which the
// replayer renames to replay-N.spool before sending it, so new appends never
// race with the replay.
type spool struct {
	dir    string
	strict bool // fsync every append

	mu   sync.Mutex
	f    *os.File
	size int64
	seq  int
}

func newSpool(dir string, strict bool) *spool { return &spool{dir: dir, strict: strict} }

// append writes the events as one write (one fsync in strict mode).
func (s *spool) append(evs []event) error {
	var buf []byte
	for _, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf = append(append(buf, b...), '\n')
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		if err := os.MkdirAll(s.dir, 0o750); err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(s.dir, activeSpool), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o640)
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		s.f, s.size = f, st.Size()
		if endsTorn(f, s.size) {
			// A crash cut the last line short: end it, or our first line would be glued to it.
			buf = append([]byte{'\n'}, buf...)
		}
	}
	n, err := s.f.Write(buf)
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("spool write: %w", err)
	}
	if s.strict {
		return s.f.Sync()
	}
	return nil
}

// endsTorn tells whether a non-empty file does not end with a newline.
func endsTorn(f *os.File, size int64) bool {
	if size == 0 {
		return false
	}
	last := make([]byte, 1)
	_, err := f.ReadAt(last, size-1)
	return err == nil && last[0] != '\n'
}

// rotate closes the active file if it holds anything, renames it for replay
// and lists every file waiting to be replayed, oldest first (including those
// left by an earlier process).
func (s *spool) rotate() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		if err := s.f.Close(); err != nil {
			return nil, err
		}
		s.f, s.size = nil, 0
	}
	active := filepath.Join(s.dir, activeSpool)
	if st, err := os.Stat(active); err == nil && st.Size() > 0 {
		s.seq++
		name := fmt.Sprintf("replay-%020d-%04d.spool", time.Now().UnixNano(), s.seq)
		if err := os.Rename(active, filepath.Join(s.dir, name)); err != nil {
			return nil, err
		}
	}
	files, err := filepath.Glob(filepath.Join(s.dir, replayPattern))
	sort.Strings(files)
	return files, err
}

// empty tells whether nothing waits in the spool; with the lock held it
// calls then(), so "spool empty" and "Redis is back" flip atomically with
// respect to appends.
func (s *spool) emptyThen(then func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size > 0 {
		return false
	}
	if st, err := os.Stat(filepath.Join(s.dir, activeSpool)); err == nil && st.Size() > 0 {
		return false
	}
	if files, _ := filepath.Glob(filepath.Join(s.dir, replayPattern)); len(files) > 0 {
		return false
	}
	then()
	return true
}

// readFile calls fn with batches of up to n events of one spool file. A line
// that does not decode (a torn write from a crash) is skipped and counted.
func readSpoolFile(path string, n int, fn func([]event) error) (skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxSpoolLine)
	batch := make([]event, 0, n)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			skipped++
			continue
		}
		batch = append(batch, e)
		if len(batch) == n {
			if err := fn(batch); err != nil {
				return skipped, err
			}
			batch = make([]event, 0, n)
		}
	}
	if err := sc.Err(); err != nil {
		return skipped, err
	}
	if len(batch) > 0 {
		return skipped, fn(batch)
	}
	return skipped, nil
}

// find scans the spool for the latest click event of id: the slow path of
// Lookup while Redis is down.
func (s *spool) find(id string) (event, bool) {
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.spool"))
	var found event
	ok := false
	for _, path := range files {
		// A file renamed or removed by the replayer meanwhile is simply skipped.
		_, _ = readSpoolFile(path, 256, func(evs []event) error {
			for _, e := range evs {
				if e.ID == id && (e.Kind == kindClick || !ok) {
					found, ok = e, true
				}
			}
			return nil
		})
	}
	return found, ok
}

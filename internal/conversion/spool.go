package conversion

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Files of the postback spool. Appends go to active.spool; the replayer
// renames it to replay-N.spool before applying it, so appends never race
// with a replay. replay-N.spool.pos says which postbacks of that file are
// committed, so a restart resumes where it stopped.
// held.spool keeps postbacks the database refused again and again while it
// answered: they need a person, and must not block the ones behind them.
const (
	pbActiveSpool   = "active.spool"
	pbReplayPattern = "replay-*.spool"
	pbHeldSpool     = "held.spool"
	posSuffix       = ".pos"
)

// errSpoolFull means the spool reached its size cap: the postback is refused
// with 503 + Retry-After, as before the spool existed.
var errSpoolFull = errors.New("postback spool full")

// spooledPostback is everything Process needs to apply a postback later,
// plus the time it was received. One JSON line each. The postback key is
// kept only as its SHA-256 (a copied spool file must not hand out the key
// that lets anyone post conversions); replay finds the configured key or
// network token with that hash (keyFor). Key is read from spools written
// before the hash.
type spooledPostback struct {
	At       time.Time  `json:"at"`
	KeyHash  string     `json:"key_sha256,omitempty"`
	Key      string     `json:"key,omitempty"`
	Method   string     `json:"method"`
	RemoteIP string     `json:"ip"`
	Raw      string     `json:"raw"`
	Values   url.Values `json:"values"`
}

func spooled(pb Postback, at time.Time) spooledPostback {
	values := pb.Values
	if values.Has("key") { // /postback?key=...
		values = maps.Clone(values)
		values.Del("key")
	}
	return spooledPostback{At: at, KeyHash: keyHash(pb.Key), Method: pb.Method, RemoteIP: pb.RemoteIP, Raw: pb.Raw,
		Values: values}
}

// postback rebuilds the request with the key that snap knows by the hash
// ("" when none: Process refuses it as an invalid key, and logs it).
func (r spooledPostback) postback(snap *snapshot) Postback {
	key := r.Key
	if key == "" {
		key = snap.keyFor(r.KeyHash)
	}
	return Postback{Key: key, Method: r.Method, RemoteIP: r.RemoteIP, Raw: r.Raw, Values: r.Values}
}

// keyHash is the hex SHA-256 of a postback key ("" for none).
func keyHash(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// keyFor is the tracker's postback key or the network token whose hash is
// hash; "" when none is (any more).
func (snap *snapshot) keyFor(hash string) string {
	if hash == "" || snap == nil {
		return ""
	}
	if snap.postbackKey != "" && keyHash(snap.postbackKey) == hash {
		return snap.postbackKey
	}
	for token := range snap.byToken {
		if keyHash(token) == hash {
			return token
		}
	}
	return ""
}

// postbackSpool is the local, fsynced, append-only file of postbacks that
// could not be applied right away. While anything waits in it (backlog),
// new postbacks queue behind, so they are applied in arrival order.
type postbackSpool struct {
	dir      string
	maxBytes int64

	mu      sync.Mutex
	f       *os.File // active.spool, opened on the first append
	bytes   int64    // active + replay files: what the cap counts
	backlog bool     // something waits: new postbacks go to the spool too
	full    bool     // the last append hit the cap (logged once per episode)
	seq     int
}

// openPostbackSpool measures what an earlier process left in dir; anything
// there puts the spool in backlog, so it is replayed before new postbacks.
func openPostbackSpool(dir string, maxBytes int64) (*postbackSpool, error) {
	sp := &postbackSpool{dir: dir, maxBytes: maxBytes}
	files, err := filepath.Glob(filepath.Join(dir, "*.spool"))
	if err != nil {
		return sp, err
	}
	for _, path := range files {
		if filepath.Base(path) == pbHeldSpool {
			continue
		}
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			sp.bytes += st.Size()
			sp.backlog = true
		}
	}
	return sp, nil
}

// inBacklog tells whether postbacks wait in the spool (a cheap first check;
// appendIf decides under the lock).
func (sp *postbackSpool) inBacklog() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.backlog
}

// appendIf writes one postback and fsyncs it; with onlyInBacklog it writes
// nothing (and says so) unless postbacks already wait, so the caller can
// apply it live instead. Every append puts the spool in backlog.
func (sp *postbackSpool) appendIf(onlyInBacklog bool, rec spooledPostback) (bool, error) {
	line, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	line = append(line, '\n')
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if onlyInBacklog && !sp.backlog {
		return false, nil
	}
	if sp.bytes+int64(len(line)) > sp.maxBytes {
		sp.full = true
		return false, errSpoolFull
	}
	if err := sp.openActive(); err != nil {
		return false, err
	}
	if endsTorn(sp.f) {
		// A crash cut the last line short: end it, or ours would be glued to it.
		line = append([]byte{'\n'}, line...)
	}
	n, err := sp.f.Write(line)
	sp.bytes += int64(n)
	if err == nil {
		err = sp.f.Sync()
	}
	if err != nil {
		return false, fmt.Errorf("postback spool write: %w", err)
	}
	sp.backlog, sp.full = true, false
	return true, nil
}

func (sp *postbackSpool) openActive() error {
	if sp.f != nil {
		return nil
	}
	if err := os.MkdirAll(sp.dir, 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(sp.dir, pbActiveSpool), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	sp.f = f
	return nil
}

// endsTorn tells whether a non-empty file does not end with a newline.
func endsTorn(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return false
	}
	last := make([]byte, 1)
	_, err = f.ReadAt(last, st.Size()-1)
	return err == nil && last[0] != '\n'
}

// rotate renames a non-empty active file for replay and lists every file
// waiting, oldest first (those left by an earlier process included).
func (sp *postbackSpool) rotate() ([]string, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.f != nil {
		if err := sp.f.Close(); err != nil {
			return nil, err
		}
		sp.f = nil
	}
	active := filepath.Join(sp.dir, pbActiveSpool)
	if st, err := os.Stat(active); err == nil && st.Size() > 0 {
		sp.seq++
		name := fmt.Sprintf("replay-%020d-%04d.spool", time.Now().UnixNano(), sp.seq)
		if err := os.Rename(active, filepath.Join(sp.dir, name)); err != nil {
			return nil, err
		}
	}
	files, err := filepath.Glob(filepath.Join(sp.dir, pbReplayPattern))
	sort.Strings(files)
	return files, err
}

// clearBacklogIfEmpty ends the backlog when nothing waits; under the lock,
// so no append can slip in between "empty" and "apply live again".
func (sp *postbackSpool) clearBacklogIfEmpty() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.f != nil {
		if st, err := sp.f.Stat(); err != nil || st.Size() > 0 {
			return false
		}
	} else if st, err := os.Stat(filepath.Join(sp.dir, pbActiveSpool)); err == nil && st.Size() > 0 {
		return false
	}
	if files, _ := filepath.Glob(filepath.Join(sp.dir, pbReplayPattern)); len(files) > 0 {
		return false
	}
	sp.backlog, sp.bytes = false, 0
	return true
}

// done removes a replayed file and its position.
func (sp *postbackSpool) done(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	_ = os.Remove(path + posSuffix)
	_ = os.Remove(path + posSuffix + ".tmp")
	sp.mu.Lock()
	sp.bytes = max(0, sp.bytes-st.Size())
	sp.mu.Unlock()
	return nil
}

// hold sets a postback aside in held.spool (fsynced) for a person to look at.
func (sp *postbackSpool) hold(rec spooledPostback) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(sp.dir, pbHeldSpool), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		return err
	}
	return f.Sync()
}

// stats is what the spool holds now, for metrics and logs.
func (sp *postbackSpool) size() int64 {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.bytes
}

// spoolReader walks one replay file from its saved position: the offset
// of the first postback not known to be applied, and the offsets of the
// ones after it that were (a replay applies postbacks of different clicks
// at once, so they do not finish in file order).
type spoolReader struct {
	path    string
	f       *os.File
	r       *bufio.Reader
	offset  int64          // of the next line
	applied map[int64]bool // start offsets past the saved position already applied
	skipped int            // lines that did not decode (a torn write)
}

func openSpoolReader(path string) (*spoolReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	sr := &spoolReader{path: path, f: f, applied: map[int64]bool{}}
	if b, err := os.ReadFile(path + posSuffix); err == nil {
		for i, field := range strings.Fields(string(b)) {
			off, err := strconv.ParseInt(field, 10, 64)
			switch {
			case err != nil:
			case i == 0:
				sr.offset = off
			default:
				sr.applied[off] = true
			}
		}
	}
	if _, err := f.Seek(sr.offset, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	sr.r = bufio.NewReaderSize(f, 64<<10)
	return sr, nil
}

// next returns the next postback not yet applied that decodes, and where
// its line starts; io.EOF at the end. A torn line is skipped and counted.
func (sr *spoolReader) next() (spooledPostback, int64, error) {
	for {
		start := sr.offset
		line, err := sr.r.ReadBytes('\n')
		sr.offset += int64(len(line))
		if len(line) > 0 && !sr.applied[start] {
			var rec spooledPostback
			if jerr := json.Unmarshal(line, &rec); jerr == nil && rec.Values != nil {
				return rec, start, nil
			}
			sr.skipped++
		}
		if err != nil {
			return spooledPostback{}, start, err
		}
	}
}

// commit saves the position: everything before offset, and the lines
// starting at applied, are applied; a restart resumes from there. Written
// to a new file and renamed, so a crash leaves the old position or the new
// one. Not fsynced: it survives a crash of Kite; after a crash of the
// machine the last postbacks may be applied again (duplicates, harmless
// unless the network's duplicate policy is "accept as new").
func (sr *spoolReader) commit(offset int64, applied []int64) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", offset)
	for k := range sr.applied {
		if k >= offset {
			applied = append(applied, k)
		}
	}
	for _, k := range applied {
		fmt.Fprintf(&b, " %d", k)
	}
	b.WriteByte('\n')
	tmp := sr.path + posSuffix + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, sr.path+posSuffix)
}

func (sr *spoolReader) close() { sr.f.Close() }

package s2s

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// excerptLimit bounds the response body kept with each attempt.
const excerptLimit = 512

// result is what one send produced.
type result struct {
	code      int
	latency   time.Duration
	excerpt   string
	err       error
	permanent bool // retrying cannot help (bad URL, blocked destination)
}

// maxRecordBatch bounds the attempts recorded in one transaction.
const maxRecordBatch = 128

// deliver sends one claimed row and hands the outcome to the recorder.
func (w *Worker) deliver(ctx context.Context, r claimed, done chan<- outcome) {
	at := time.Now().UTC()
	done <- outcome{r: r, at: at, res: w.send(ctx, r)}
}

// recordLinger is how long the recorder waits for more outcomes before
// writing a batch: under load sends finish one by one, and a transaction
// per one or two attempts cost Postgres more than the sends themselves.
// The wait delays only the record of a delivery, never the delivery: at
// 1,400 deliveries/s, 5 ms made batches of 12 and 50 ms batches of ~70,
// a tenth of the statements.
const recordLinger = 50 * time.Millisecond

// recorder writes outcomes in batches until done is closed and drained. A
// batch that fails to commit is only logged: its rows' leases run out and
// they are sent again (at least once, never lost).
func (w *Worker) recorder(ctx context.Context, done <-chan outcome) {
	linger := time.NewTimer(recordLinger)
	for o := range done {
		batch := []outcome{o}
		linger.Reset(recordLinger)
	more:
		for len(batch) < maxRecordBatch {
			select {
			case o, ok := <-done:
				if !ok {
					break more
				}
				batch = append(batch, o)
			case <-linger.C:
				break more
			}
		}
		if err := w.recordBatch(ctx, batch); err != nil {
			w.log.Error("record s2s attempts", "rows", len(batch), "err", err)
			continue
		}
		w.catchUp(ctx, batch)
	}
}

func (w *Worker) send(ctx context.Context, r claimed) result {
	req, err := buildRequest(ctx, r)
	if err != nil {
		return result{err: err, permanent: true}
	}
	start := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		return result{latency: time.Since(start), err: err, permanent: errors.Is(err, ErrBlocked)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, excerptLimit))
	// Drain a little more so the connection can be reused; a huge body is cut.
	_, _ = io.CopyN(io.Discard, resp.Body, 16<<10)
	res := result{code: resp.StatusCode, latency: time.Since(start), excerpt: cleanText(string(body), excerptLimit)}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		res.err = fmt.Errorf("http status %d", resp.StatusCode)
	}
	return res
}

// buildRequest makes the HTTP request of a row. A POST sends its body as a
// form (the rendered template's query), the way sources read postbacks.
func buildRequest(ctx context.Context, r claimed) (*http.Request, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: bad url", ErrBlocked)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q (http or https only)", ErrBlocked, u.Scheme)
	}
	method := strings.ToUpper(r.Method)
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(r.Body)
	} else {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBlocked, err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "Kite-S2S/1")
	return req, nil
}

// cleanText makes s safe for a TEXT column: valid UTF-8, no NUL, at most n bytes.
func cleanText(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// nextState decides what a failed attempt leaves: another try after a backoff
// (never past the end of the retry window, so the last try lands on its edge),
// or dead once the window is over or the failure is permanent.
func (w *Worker) nextState(r claimed, now time.Time, res result) (status string, next time.Time) {
	if res.permanent {
		return statusDead, now
	}
	end := r.since().Add(w.opt.MaxAge)
	if !now.Before(end) {
		return statusDead, now
	}
	next = now.Add(w.backoff(r.Attempts + 1))
	if next.After(end) {
		next = end
	}
	return statusPending, next
}

package conversion

import (
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/model"
)

// FuzzPostbackParse feeds any method, content type, query and body through
// the postback parser: it must never panic, a refusal must be a 4xx with a
// reason, and an accepted postback must hold only values the store can take.
func FuzzPostbackParse(f *testing.F) {
	const id = "0190f0a4-7b1e-7c3a-9f00-000000000001"
	seeds := []struct{ method, ctype, query, body string }{
		{"GET", "", "subid=" + id + "&status=lead&payout=10,5&currency=eur&tid=T1", ""},
		{"POST", "application/json", "", `{"subid":"` + id + `","payout":10.50,"status":"approved","sale_status":"approved"}`},
		{"POST", "application/x-www-form-urlencoded", "", "clickid=" + id + "&sum=1e9&status=ping&ignore_status=ping,test"},
		{"POST", "multipart/form-data; boundary=X", "", "--X\r\nContent-Disposition: form-data; name=\"cid\"\r\n\r\n" + id + "\r\n--X--\r\n"},
		{"POST", "", "", `{"subid":["a"],"payout":{"x":1},"status":null}`},
		{"GET", "", "subid=%00%ff&payout=NaN&currency=%E2%82%AC", ""},
		{"POST", "text/plain", "subid=" + id, "subid=x;payout=-1%zz"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.ctype, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, ctype, query string, body []byte) {
		if method != http.MethodGet {
			method = http.MethodPost
		}
		r := httptest.NewRequest(http.MethodGet, "/k/postback", nil)
		r.Method = method
		r.URL.RawQuery = query
		r.Body = http.NoBody
		if len(body) > 0 {
			r.Body = readCloser{bytes.NewReader(body)}
		}
		r.Header.Set("Content-Type", ctype)
		vals, _, bad := readValues(r)
		if bad != nil {
			checkRefusal(t, bad)
			return
		}
		in, bad := parseIncoming(vals)
		if bad != nil {
			checkRefusal(t, bad)
			return
		}
		checkAccepted(t, in)
	})
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func checkRefusal(t *testing.T, bad *badInput) {
	t.Helper()
	if bad.code < 400 || bad.code > 499 || bad.reason == "" {
		t.Fatalf("refusal %d %q: want a 4xx with a reason", bad.code, bad.reason)
	}
}

func checkAccepted(t *testing.T, in *incoming) {
	t.Helper()
	if _, err := uuid.Parse(in.clickID); err != nil {
		t.Fatalf("accepted click id %q is not a UUID", in.clickID)
	}
	switch in.status {
	case model.StatusLead, model.StatusSale, model.StatusRejected, model.StatusRebill:
	case "":
		if !in.ignored {
			t.Fatalf("no status and not ignored")
		}
	default:
		t.Fatalf("status %q is not one of ours", in.status)
	}
	if p := in.payout; p != nil && (math.IsNaN(*p) || *p < 0 || *p > maxPayout) {
		t.Fatalf("payout %v out of range", *p)
	}
	if in.currency != "" && (len(in.currency) != 3 || strings.ToUpper(in.currency) != in.currency) {
		t.Fatalf("currency %q is not an ISO code", in.currency)
	}
	storable(t, "tid", in.tid, maxTID)
	storable(t, "original_status", in.originalStatus, maxStatus)
	if len(in.params) > maxParams {
		t.Fatalf("%d params kept, at most %d", len(in.params), maxParams)
	}
	for k, v := range in.params {
		storable(t, "param name", k, maxParamKey)
		storable(t, "param "+k, v, maxParamVal)
	}
}

// storable: valid UTF-8 without NUL (Postgres TEXT refuses both) and within size.
func storable(t *testing.T, what, s string, max int) {
	t.Helper()
	if len(s) > max || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		t.Fatalf("%s %q: longer than %d, invalid UTF-8 or NUL", what, s, max)
	}
}

package conversion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/kite-tracker/kite/internal/model"
)

// Column sizes: the schema uses TEXT, these are the sizes Kite keeps.
// Longer values are cut (and the cut logged), never refused.
const (
	maxTID       = 255
	maxStatus    = 64
	maxParamKey  = 64
	maxParamVal  = 1024
	maxParams    = 64
	maxRaw       = 8192
	maxBody      = 64 << 10
	maxPayout    = 1e12 // NUMERIC(18,4) holds < 1e14; anything near that is a typo
	maxRemoteIP  = 64
	maxLogReason = 512
)

// Parameter names and their aliases (shared/API.md "Postback").
var (
	subIDNames  = []string{"subid", "clickid", "click_id", "cid"}
	payoutNames = []string{"payout", "revenue", "sum"}
	tidNames    = []string{"tid", "txid", "transaction_id"}
	reserved    = map[string]bool{"subid": true, "clickid": true, "click_id": true, "cid": true, "status": true,
		"payout": true, "revenue": true, "sum": true, "currency": true, "tid": true, "txid": true,
		"transaction_id": true, "lead_status": true, "sale_status": true, "rejected_status": true,
		"rebill_status": true, "ignore_status": true, "key": true}
)

// badInput is a postback refused with a 4xx and a reason safe to show.
type badInput struct {
	code   int
	reason string
}

func (b *badInput) Error() string { return b.reason }

func refuse(code int, format string, args ...any) *badInput {
	return &badInput{code: code, reason: fmt.Sprintf(format, args...)}
}

// incoming is a parsed and validated postback.
type incoming struct {
	clickID        string
	tid            string
	status         string // ours: lead | sale | rejected | rebill
	originalStatus string // the network's word
	payout         *float64
	currency       string // "" when the postback named none
	params         map[string]string
	ignored        bool // the status is in ignore_status
	cuts           []string
}

// readValues merges the query string and a form or JSON body into one set;
// the query wins, as networks put the essentials there.
func readValues(r *http.Request) (url.Values, []byte, *badInput) {
	vals := url.Values{}
	for k, v := range r.URL.Query() {
		vals[strings.ToLower(k)] = v
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return vals, nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return vals, nil, refuse(http.StatusBadRequest, "cannot read body")
	}
	if len(body) > maxBody {
		return vals, body[:maxBody], refuse(http.StatusRequestEntityTooLarge, "body too large")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var extra url.Values
	switch {
	case len(bytes.TrimSpace(body)) == 0:
	case ct == "application/json" || (ct == "" && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))):
		if extra, err = jsonValues(body); err != nil {
			return vals, body, refuse(http.StatusBadRequest, "invalid JSON body")
		}
	case ct == "multipart/form-data":
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return vals, body, refuse(http.StatusBadRequest, "invalid form body")
		}
		extra = r.MultipartForm.Value
	default:
		if extra, err = url.ParseQuery(string(body)); err != nil {
			return vals, body, refuse(http.StatusBadRequest, "invalid form body")
		}
	}
	for k, v := range extra {
		if k = strings.ToLower(k); len(vals[k]) == 0 {
			vals[k] = v
		}
	}
	return vals, body, nil
}

// jsonValues flattens a JSON object of scalars into values; numbers keep
// their text (10.50 stays "10.50").
func jsonValues(body []byte) (url.Values, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	out := url.Values{}
	for k, v := range obj {
		switch x := v.(type) {
		case string:
			out.Set(k, x)
		case json.Number:
			out.Set(k, x.String())
		case bool:
			out.Set(k, strconv.FormatBool(x))
		case nil:
		default:
			b, _ := json.Marshal(x)
			out.Set(k, string(b))
		}
	}
	return out, nil
}

func first(vals url.Values, names []string) string {
	for _, n := range names {
		if v := strings.TrimSpace(vals.Get(n)); v != "" {
			return v
		}
	}
	return ""
}

// parseIncoming validates the values of one postback.
func parseIncoming(vals url.Values) (*incoming, *badInput) {
	in := &incoming{params: map[string]string{}}
	raw := first(vals, subIDNames)
	if raw == "" {
		return in, refuse(http.StatusBadRequest, "missing subid")
	}
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) > 64 {
		in.clickID = cut(raw, 64, "subid", in)
		return in, refuse(http.StatusBadRequest, "invalid subid")
	}
	in.clickID = id.String()
	in.tid = cut(first(vals, tidNames), maxTID, "tid", in)
	if bad := in.parseStatus(vals); bad != nil {
		return in, bad
	}
	if bad := in.parsePayout(first(vals, payoutNames)); bad != nil {
		return in, bad
	}
	if c := strings.TrimSpace(vals.Get("currency")); c != "" {
		if in.currency = normCurrency(c); in.currency == "" {
			return in, refuse(http.StatusBadRequest, "invalid currency %q", cut(c, 16, "currency", in))
		}
	}
	in.collectParams(vals)
	return in, nil
}

// parseStatus maps the network's word to ours: ignore_status first, then the
// network's own lists, then our words; no status means sale.
func (in *incoming) parseStatus(vals url.Values) *badInput {
	word := strings.TrimSpace(vals.Get("status"))
	in.originalStatus = cut(word, maxStatus, "status", in)
	w := strings.ToLower(word)
	if w == "" {
		in.status = model.StatusSale
		return nil
	}
	if inList(vals.Get("ignore_status"), w) {
		in.ignored = true
		return nil
	}
	for _, s := range []string{model.StatusLead, model.StatusSale, model.StatusRejected, model.StatusRebill} {
		if inList(vals.Get(s+"_status"), w) {
			in.status = s
			return nil
		}
	}
	switch w {
	case model.StatusLead, model.StatusSale, model.StatusRejected, model.StatusRebill:
		in.status = w
		return nil
	}
	return refuse(http.StatusBadRequest, "unknown status %q (map it with lead_status, sale_status, rejected_status, rebill_status or ignore_status)", in.originalStatus)
}

func inList(list, w string) bool {
	for _, item := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(item), w) && w != "" {
			return true
		}
	}
	return false
}

// parsePayout accepts plain decimals with '.' or a single ',' (10,5 = 10.5);
// no exponents, hex, signs, NaN or infinities.
func (in *incoming) parsePayout(s string) *badInput {
	if s == "" {
		return nil
	}
	norm := s
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		norm = strings.Replace(s, ",", ".", 1)
	}
	if !plainDecimal(norm) {
		return refuse(http.StatusBadRequest, "invalid payout %q", cut(s, 32, "payout", in))
	}
	f, err := strconv.ParseFloat(norm, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > maxPayout {
		return refuse(http.StatusBadRequest, "invalid payout %q", cut(s, 32, "payout", in))
	}
	f = math.Round(f*1e4) / 1e4
	in.payout = &f
	return nil
}

func plainDecimal(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// normCurrency returns an upper-case ISO 4217 code, or "" if s is not one.
func normCurrency(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 3 {
		return ""
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return ""
		}
	}
	return s
}

// collectParams keeps sub_id_N and every other parameter with the conversion.
func (in *incoming) collectParams(vals url.Values) {
	for k, v := range vals {
		if reserved[k] || len(v) == 0 {
			continue
		}
		if len(in.params) >= maxParams {
			in.cuts = append(in.cuts, "params")
			return
		}
		k = cut(k, maxParamKey, "param name", in)
		in.params[k] = cut(v[0], maxParamVal, "param "+k, in)
	}
}

// cut shortens s to n bytes on a rune boundary, noting what was cut.
func cut(s string, n int, what string, in *incoming) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	if in != nil {
		in.cuts = append(in.cuts, what)
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

package conversion

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
)

// TestInsertFirstWritesWhatTheRulesWrite sends the same first postback
// through the single-statement path (Postgres) and through the rules'
// transaction, and expects the same conversion, S2S rows and log line.
func TestInsertFirstWritesWhatTheRulesWrite(t *testing.T) {
	for _, known := range []bool{true, false} {
		t.Run("known="+strconv.FormatBool(known), func(t *testing.T) {
			f := newFixture(t, func(f *fixture) {
				f.ts.PostbackURL = "http://127.0.0.1:9/pb?conv={conversion_id}&p={payout}&s={status}&cur={currency}&tid={tid}"
			})
			create(t, f.st, &model.CampaignPostback{CampaignID: f.camp.ID, Method: "POST", Statuses: `[]`,
				URL: "https://camp.example/cb?id={subid}&conv={conversion_id}"})
			f.svc.Invalidate()
			type written struct {
				conv model.Conversion
				out  []model.S2SOutbox
				log  model.ReceivedPostback
			}
			send := func(rulesOnly bool) written {
				f.svc.rulesOnly = rulesOnly
				c := f.click(known)
				c.ExternalID = "ext" // the same in both runs
				v := url.Values{"subid": {c.ID}, "tid": {"T 1"}, "status": {"sale"}, "payout": {"12,5"},
					"currency": {"eur"}, "sub_id_3": {"x"}}
				res, err := f.svc.Process(context.Background(), Postback{Key: testKey, Method: "GET",
					RemoteIP: "203.0.113.7", Raw: "GET /pb", Values: v})
				if err != nil || res.ConversionID == 0 {
					t.Fatalf("rulesOnly=%v: %+v %v", rulesOnly, res, err)
				}
				var w written
				convs := f.conversions(c.ID)
				if len(convs) != 1 {
					t.Fatalf("rulesOnly=%v: %d conversions", rulesOnly, len(convs))
				}
				w.conv = convs[0]
				f.st.DB.Where("conversion_id = ?", w.conv.ID).Order("id").Find(&w.out)
				f.st.DB.Where("click_id = ?", c.ID).Take(&w.log)
				if w.log.ConversionID == nil || *w.log.ConversionID != w.conv.ID || res.ConversionID != w.conv.ID {
					t.Errorf("rulesOnly=%v: log %+v names conversion %v, answer %d, want %d", rulesOnly, w.log,
						w.log.ConversionID, res.ConversionID, w.conv.ID)
				}
				id := strconv.FormatInt(w.conv.ID, 10)
				for i := range w.out {
					mask := strings.NewReplacer(c.ID, "SUBID", "conv="+id+"&", "conv=ID&", "conv="+id+"\x00", "conv=ID")
					w.out[i].URL = strings.TrimSuffix(mask.Replace(w.out[i].URL+"\x00"), "\x00")
					w.out[i].Body = strings.TrimSuffix(mask.Replace(w.out[i].Body+"\x00"), "\x00")
					w.out[i].ID, w.out[i].ConversionID, w.out[i].NextAttemptAt, w.out[i].CreatedAt = 0, 0, w.conv.CreatedAt, w.conv.CreatedAt
				}
				w.conv.ID, w.conv.ClickID, w.conv.ClickCreatedAt = 0, "", nil
				w.log.ID, w.log.ConversionID, w.log.ClickID = 0, nil, ""
				if !w.conv.CreatedAt.Equal(w.conv.UpdatedAt) || !w.log.ReceivedAt.Equal(w.conv.CreatedAt) {
					t.Errorf("rulesOnly=%v: times conv %v/%v log %v, want one", rulesOnly, w.conv.CreatedAt, w.conv.UpdatedAt, w.log.ReceivedAt)
				}
				w.conv.CreatedAt, w.conv.UpdatedAt, w.log.ReceivedAt = w.conv.CreatedAt.UTC(), w.conv.CreatedAt.UTC(), w.conv.CreatedAt.UTC()
				for i := range w.out {
					w.out[i].NextAttemptAt, w.out[i].CreatedAt = w.conv.CreatedAt, w.conv.CreatedAt
				}
				return w
			}
			fast, rules := send(false), send(true)
			fast.conv.CreatedAt, fast.conv.UpdatedAt, fast.log.ReceivedAt = rules.conv.CreatedAt, rules.conv.CreatedAt, rules.conv.CreatedAt
			for i := range fast.out {
				fast.out[i].NextAttemptAt, fast.out[i].CreatedAt = rules.conv.CreatedAt, rules.conv.CreatedAt
			}
			if fast.conv.Payout != 12.5 || fast.conv.Currency != "EUR" || fast.conv.Attributed != known {
				t.Errorf("fast path conversion %+v", fast.conv)
			}
			if got, want := len(fast.out), map[bool]int{true: 2, false: 0}[known]; got != want {
				t.Errorf("fast path queued %d S2S postbacks, want %d", got, want)
			}
			if fast.conv.Params != rules.conv.Params {
				t.Errorf("params: fast %s, rules %s", fast.conv.Params, rules.conv.Params)
			}
			fast.conv.Params, rules.conv.Params = "", ""
			if fast.conv != rules.conv {
				t.Errorf("conversion:\nfast  %+v\nrules %+v", fast.conv, rules.conv)
			}
			if fast.log != rules.log {
				t.Errorf("log:\nfast  %+v\nrules %+v", fast.log, rules.log)
			}
			if len(fast.out) != len(rules.out) {
				t.Fatalf("outbox: fast %+v, rules %+v", fast.out, rules.out)
			}
			for i := range fast.out {
				if fast.out[i] != rules.out[i] {
					t.Errorf("outbox row %d:\nfast  %+v\nrules %+v", i, fast.out[i], rules.out[i])
				}
			}
		})
	}
}

// TestRepeatLogsDuplicate: an exact repeat answers and logs a duplicate
// naming the conversion, on the single-statement path as through the rules'
// transaction; a status going back is logged as ignored.
func TestRepeatLogsDuplicate(t *testing.T) {
	for _, rulesOnly := range []bool{false, true} {
		t.Run("rulesOnly="+strconv.FormatBool(rulesOnly), func(t *testing.T) {
			f := newFixture(t, nil)
			f.svc.rulesOnly = rulesOnly
			c := f.click(true)
			send := func(status string) Result {
				v := url.Values{"subid": {c.ID}, "tid": {"T1"}, "status": {status}}
				res, err := f.svc.Process(context.Background(), Postback{Key: testKey, Method: "GET",
					RemoteIP: "203.0.113.7", Raw: "GET /pb", Values: v})
				if err != nil {
					t.Fatalf("%s: %v", status, err)
				}
				return res
			}
			first := send("sale")
			cases := []struct{ status, outcome string }{
				{"sale", model.PostbackDuplicate}, {"sale", model.PostbackDuplicate}, {"lead", model.PostbackIgnored},
			}
			for i, tc := range cases {
				res := send(tc.status)
				if res.Outcome != tc.outcome || res.ConversionID != first.ConversionID || res.Status != "sale" {
					t.Errorf("%d %s: %+v, want %s of conversion %d", i, tc.status, res, tc.outcome, first.ConversionID)
				}
			}
			var logs []model.ReceivedPostback
			f.st.DB.Where("click_id = ?", c.ID).Order("id").Find(&logs)
			if len(logs) != 1+len(cases) {
				t.Fatalf("%d log lines, want %d", len(logs), 1+len(cases))
			}
			for i, tc := range cases {
				l := logs[i+1]
				if l.Outcome != tc.outcome || l.ConversionID == nil || *l.ConversionID != first.ConversionID ||
					l.Reason == "" || l.HTTPStatus != 200 || l.Status != tc.status {
					t.Errorf("log %d: %+v (conversion %v)", i, l, l.ConversionID)
				}
			}
			if n := len(f.conversions(c.ID)); n != 1 {
				t.Errorf("%d conversions, want 1", n)
			}
		})
	}
}

// TestChangeExistingWritesWhatTheRulesWrite sends the same change of an
// existing conversion through the one-statement compare-and-set path
// (Postgres) and through the rules' transaction, and expects the same
// conversion, S2S rows and log line.
func TestChangeExistingWritesWhatTheRulesWrite(t *testing.T) {
	cases := []struct {
		name          string
		policy        string
		knownAtFirst  bool // the click is known when the first postback comes
		first, second url.Values
		outcome       string
		queued        int // S2S rows of the second postback
	}{
		{name: "lead to sale", policy: model.DuplicateIgnore, knownAtFirst: true,
			first:   url.Values{"status": {"lead"}, "payout": {"1"}},
			second:  url.Values{"status": {"sale"}, "payout": {"7,25"}, "currency": {"eur"}, "sub_id_2": {"y"}},
			outcome: model.PostbackUpdated, queued: 2},
		{name: "sale to rejected keeps the price", policy: model.DuplicateIgnore, knownAtFirst: true,
			first: url.Values{"status": {"sale"}, "payout": {"3"}}, second: url.Values{"status": {"rejected"}},
			outcome: model.PostbackUpdated, queued: 1}, // the campaign's postback wants no rejections
		{name: "update policy repeat", policy: model.DuplicateUpdate, knownAtFirst: true,
			first:   url.Values{"status": {"sale"}, "payout": {"3"}, "sub_id_1": {"a"}},
			second:  url.Values{"status": {"sale"}, "payout": {"4"}, "sub_id_1": {"b"}},
			outcome: model.PostbackUpdated, queued: 0},
		{name: "unattributed lead attributed by its sale", policy: model.DuplicateIgnore, knownAtFirst: false,
			first: url.Values{"status": {"lead"}}, second: url.Values{"status": {"sale"}, "payout": {"2"}},
			outcome: model.PostbackUpdated, queued: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(f *fixture) {
				f.network.DuplicatePolicy = tc.policy
				f.ts.PostbackURL = "http://127.0.0.1:9/pb?conv={conversion_id}&p={payout}&s={status}&cur={currency}&tid={tid}"
			})
			create(t, f.st, &model.CampaignPostback{CampaignID: f.camp.ID, Method: "POST", Statuses: `[]`,
				URL: "https://camp.example/cb?id={subid}&conv={conversion_id}&s={status}"})
			f.svc.Invalidate()
			send := func(rulesOnly bool) changed {
				f.svc.rulesOnly = rulesOnly
				c := f.click(tc.knownAtFirst)
				c.ExternalID = "ext" // the same in both runs
				f.process(t, c.ID, tc.first)
				f.clicks.add(c)
				before := f.count("s2s_outbox", "")
				res := f.process(t, c.ID, tc.second)
				if res.Outcome != tc.outcome {
					t.Errorf("rulesOnly=%v: outcome %s, want %s", rulesOnly, res.Outcome, tc.outcome)
				}
				if got := f.count("s2s_outbox", "") - before; got != int64(tc.queued) {
					t.Errorf("rulesOnly=%v: %d S2S postbacks queued, want %d", rulesOnly, got, tc.queued)
				}
				return f.changedOf(t, c.ID, res.ConversionID)
			}
			fast, rules := send(false), send(true)
			if fast.conv != rules.conv {
				t.Errorf("conversion:\nfast  %+v\nrules %+v", fast.conv, rules.conv)
			}
			if fast.log != rules.log {
				t.Errorf("log:\nfast  %+v\nrules %+v", fast.log, rules.log)
			}
			if strings.Join(fast.out, "\n") != strings.Join(rules.out, "\n") {
				t.Errorf("outbox:\nfast  %q\nrules %q", fast.out, rules.out)
			}
		})
	}
}

// changed is what a postback left, with ids and times masked to compare runs.
type changed struct {
	conv model.Conversion
	log  model.ReceivedPostback
	out  []string // method, URL and body of each S2S row
}

func (f *fixture) changedOf(t *testing.T, clickID string, convID int64) changed {
	t.Helper()
	var w changed
	convs := f.conversions(clickID)
	if len(convs) != 1 || convs[0].ID != convID {
		t.Fatalf("conversions %+v, want one with id %d", convs, convID)
	}
	w.conv = convs[0]
	var rows []model.S2SOutbox
	f.st.DB.Where("conversion_id = ?", convID).Order("id").Find(&rows)
	mask := strings.NewReplacer(clickID, "SUBID", "conv="+strconv.FormatInt(convID, 10), "conv=ID")
	for _, r := range rows {
		w.out = append(w.out, r.Method+" "+mask.Replace(r.URL)+" "+mask.Replace(r.Body))
	}
	f.st.DB.Where("click_id = ?", clickID).Order("id DESC").Take(&w.log)
	if w.log.ConversionID == nil || *w.log.ConversionID != convID {
		t.Errorf("log %+v does not name conversion %d", w.log, convID)
	}
	w.conv.ID, w.conv.ClickID, w.conv.ClickCreatedAt, w.conv.CreatedAt, w.conv.UpdatedAt = 0, "", nil, time.Time{}, time.Time{}
	w.log.ID, w.log.ConversionID, w.log.ClickID, w.log.ReceivedAt = 0, nil, "", time.Time{}
	return w
}

// process sends one postback of click clickID.
func (f *fixture) process(t testing.TB, clickID string, v url.Values) Result {
	t.Helper()
	q := url.Values{"subid": {clickID}, "tid": {"T1"}}
	for k, vs := range v {
		q[k] = vs
	}
	res, err := f.svc.Process(context.Background(), Postback{Key: testKey, Method: "GET",
		RemoteIP: "203.0.113.7", Raw: "GET /pb", Values: q})
	if err != nil {
		t.Fatalf("%v: %v", q, err)
	}
	return res
}

// TestChangeExistingRacedWritesNothing: when the conversion changed after
// it was read (another postback, the joiner), the compare-and-set statement
// writes nothing and the rules' transaction decides on the row as it is now.
func TestChangeExistingRacedWritesNothing(t *testing.T) {
	cases := []struct {
		name     string
		meantime func(f *fixture, clickID string) // changes the row after it was read
		outcome  string                           // of the late "sale"
		status   string                           // the conversion's in the end
	}{
		{name: "rejected meanwhile", meantime: func(f *fixture, clickID string) {
			f.process(f.t, clickID, url.Values{"status": {"rejected"}})
		}, outcome: model.PostbackIgnored, status: model.StatusRejected},
		{name: "touched meanwhile", meantime: func(f *fixture, clickID string) {
			f.st.DB.Exec("UPDATE conversions SET updated_at = updated_at WHERE click_id = ?", clickID)
		}, outcome: model.PostbackUpdated, status: model.StatusSale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if !f.st.IsPostgres() {
				t.Skip("the compare-and-set path is Postgres only")
			}
			ctx := context.Background()
			c := f.click(true)
			f.process(t, c.ID, url.Values{"status": {"lead"}})
			var read struct {
				model.Conversion `gorm:"embedded"`
				RowVersion       string `gorm:"column:row_version"`
			}
			f.st.DB.Raw("SELECT *, xmin::text AS row_version FROM conversions WHERE click_id = ?", c.ID).Find(&read)
			tc.meantime(f, c.ID)
			logs, out := f.count("received_postbacks", ""), f.count("s2s_outbox", "")
			j := f.job(t, c.ID, url.Values{"status": {"sale"}, "payout": {"9"}})
			if _, ok, err := f.svc.changeExisting(ctx, j, &read.Conversion, read.RowVersion); ok || err != nil {
				t.Fatalf("changeExisting on a stale row: ok=%v err=%v, want not done", ok, err)
			}
			if f.count("received_postbacks", "") != logs || f.count("s2s_outbox", "") != out {
				t.Errorf("a stale compare-and-set wrote a log line or S2S rows")
			}
			if res := f.process(t, c.ID, url.Values{"status": {"sale"}, "payout": {"9"}}); res.Outcome != tc.outcome {
				t.Errorf("late sale: %s, want %s", res.Outcome, tc.outcome)
			}
			if got := f.conversions(c.ID); len(got) != 1 || got[0].Status != tc.status {
				t.Errorf("conversions %+v, want one %s", got, tc.status)
			}
		})
	}
}

// job prepares a postback as Process does up to the write.
func (f *fixture) job(t *testing.T, clickID string, v url.Values) *job {
	t.Helper()
	q := url.Values{"subid": {clickID}, "tid": {"T1"}}
	for k, vs := range v {
		q[k] = vs
	}
	snap, err := f.svc.cfg.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in, bad := parseIncoming(q)
	if bad != nil {
		t.Fatalf("%v: %s", q, bad.reason)
	}
	j := &job{in: in, snap: snap, now: time.Now().UTC(),
		rp: &model.ReceivedPostback{ReceivedAt: time.Now().UTC(), Method: "GET", ClickID: clickID, Status: in.status}}
	if fail := f.svc.resolveClick(context.Background(), j, "203.0.113.7"); fail != nil {
		t.Fatalf("resolve: %s", fail.reason)
	}
	return j
}

// TestConcurrentStatusChangesApplyOnce fires upgrades and rejections of
// one lead at once: whatever the order, every change is one allowed
// transition with its S2S postback, and the rest are logged unchanged.
func TestConcurrentStatusChangesApplyOnce(t *testing.T) {
	f := newFixture(t, nil)
	c := f.click(true)
	f.process(t, c.ID, url.Values{"status": {"lead"}})
	const n = 8
	outcomes := make(chan [2]string, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		status := []string{"sale", "rejected"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := url.Values{"subid": {c.ID}, "tid": {"T1"}, "status": {status}}
			res, err := f.svc.Process(context.Background(), Postback{Key: testKey, Values: v})
			if err != nil {
				t.Error(err)
			}
			outcomes <- [2]string{status, res.Outcome}
		}()
	}
	wg.Wait()
	close(outcomes)
	updated := map[string]int{}
	for o := range outcomes {
		if o[1] == model.PostbackUpdated {
			updated[o[0]]++
		} else if o[1] != model.PostbackDuplicate && o[1] != model.PostbackIgnored {
			t.Errorf("%s: outcome %s", o[0], o[1])
		}
	}
	if updated["rejected"] != 1 || updated["sale"] > 1 {
		t.Errorf("updates %v, want one rejection and at most one sale", updated)
	}
	convs := f.conversions(c.ID)
	if len(convs) != 1 || convs[0].Status != model.StatusRejected {
		t.Fatalf("conversions %+v, want one rejected", convs)
	}
	if got, want := f.count("s2s_outbox", ""), int64(1+updated["sale"]+updated["rejected"]); got != want {
		t.Errorf("%d S2S postbacks, want %d (the lead and each change)", got, want)
	}
	if got := f.count("received_postbacks", ""); got != 1+2*n {
		t.Errorf("%d log lines, want %d", got, 1+2*n)
	}
}

// TestLogOnlyOutcomes: what insertFirst's statement writes, by the existing
// conversion's status, without a second round trip is exactly what decide
// leaves unchanged; the rest (transitions, "update" and "accept" repeats)
// comes back to Go.
func TestLogOnlyOutcomes(t *testing.T) {
	type logged struct{ Outcome, Reason string }
	cases := []struct {
		key  logOnlyKey
		want map[string]logged
	}{
		{key: logOnlyKey{status: "sale", policy: model.DuplicateIgnore, attributed: true}, want: map[string]logged{
			"sale":     {"duplicate", "duplicate: same subid, tid and status"},
			"rejected": {"ignored", "status change rejected -> sale not allowed"},
			"rebill":   {"ignored", "status change rebill -> sale not allowed"},
		}},
		{key: logOnlyKey{status: "sale", policy: model.DuplicateUpdate}, want: map[string]logged{
			"rejected": {"ignored", "status change rejected -> sale not allowed"},
			"rebill":   {"ignored", "status change rebill -> sale not allowed"},
		}},
		{key: logOnlyKey{status: "rejected", policy: model.DuplicateAccept, upsell: true}, want: map[string]logged{}},
		{key: logOnlyKey{status: "lead", policy: model.DuplicateIgnore}, want: map[string]logged{
			"lead":     {"duplicate", "duplicate: same subid, tid and status"},
			"sale":     {"ignored", "status change sale -> lead not allowed"},
			"rejected": {"ignored", "status change rejected -> lead not allowed"},
			"rebill":   {"ignored", "status change rebill -> lead not allowed"},
		}},
	}
	for _, tc := range cases {
		var got map[string]logged
		if err := json.Unmarshal([]byte(renderLogOnly(tc.key)), &got); err != nil {
			t.Fatalf("%+v: %v", tc.key, err)
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%+v:\n got %v\nwant %v", tc.key, got, tc.want)
		}
	}
}

package conversion

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

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

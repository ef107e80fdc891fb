package conversion

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/hot"
	"github.com/kite-tracker/kite/internal/model"
)

func TestS2SPostbacksFollowStatuses(t *testing.T) {
	f := newFixture(t, func(f *fixture) {
		f.ts.PostbackStatuses = `["sale"]`
		f.offer.ConversionCapEnabled, f.offer.DailyCap, f.offer.ConversionTimezone = true, 10, "Asia/Tokyo"
	})
	create(t, f.st, &model.CampaignPostback{CampaignID: f.camp.ID, Method: "POST", Statuses: `["lead","rejected"]`,
		URL: "https://camp.example/cb?id={subid}&st={status:lead=1 sale=2 rejected=3}&tid={tid}"})
	create(t, f.st, &model.CampaignPostback{CampaignID: f.camp.ID, Method: "GET", Statuses: `[]`,
		URL: "https://camp.example/any?p={payout}&c={currency}"})
	f.svc.Invalidate()
	ctx := context.Background()
	c := f.click(true)
	send := func(v url.Values) {
		v.Set("subid", c.ID)
		if _, err := f.svc.Process(ctx, Postback{Key: testKey, Method: "GET", Values: v}); err != nil {
			t.Fatal(err)
		}
	}
	rowsFor := func(status string) []model.S2SOutbox {
		var rows []model.S2SOutbox
		f.st.DB.Where("conversion_id = ?", f.conversions(c.ID)[0].ID).Order("id").Find(&rows)
		return rows
	}
	send(url.Values{"status": {"lead"}, "tid": {"A 1"}, "payout": {"0"}})
	rows := rowsFor("lead")
	if len(rows) != 2 {
		t.Fatalf("after lead: %+v, want the campaign's POST and its any-status GET", rows)
	}
	if rows[0].Method != "POST" || rows[0].URL != "https://camp.example/cb" || rows[0].Body != "id="+c.ID+"&st=1&tid=A+1" {
		t.Errorf("POST row %+v", rows[0])
	}
	if rows[1].Method != "GET" || rows[1].URL != "https://camp.example/any?p=0&c=USD" || rows[1].Status != model.OutboxPending {
		t.Errorf("GET row %+v", rows[1])
	}
	send(url.Values{"status": {"sale"}, "tid": {"A 1"}, "payout": {"9.5"}})
	rows = rowsFor("sale")
	if len(rows) != 4 || !strings.HasPrefix(rows[3].URL, "http://127.0.0.1:9/pb?cid="+c.ExternalID+"&p=9.5&s=sale&c=camp+one") {
		t.Errorf("after sale: %+v, want the any-status GET and the source's sale postback added", rows)
	}
	send(url.Values{"status": {"sale"}, "tid": {"A 1"}, "payout": {"9.5"}}) // duplicate: nothing owed
	send(url.Values{"status": {"rejected"}, "tid": {"A 1"}})
	rows = rowsFor("rejected")
	if len(rows) != 5 || rows[4].Body != "id="+c.ID+"&st=3&tid=A+1" {
		t.Errorf("after rejected: %d rows, last %+v", len(rows), rows[len(rows)-1])
	}
	count, _ := f.svc.redis.OfferCapCount(ctx, f.offer.ID, hot.CapDay(f.conversions(c.ID)[0].CreatedAt, "Asia/Tokyo"))
	if count != 1 {
		t.Errorf("cap count %d, want 1: a lead turning into a sale is one conversion", count)
	}
}

package track

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/routing"
)

func TestSimulate(t *testing.T) {
	d := basic("http", "")
	d.Streams = append([]model.Stream{
		{ID: 1, CampaignID: 1, Type: "forced", Name: "bots", Schema: "action", ActionType: "status404",
			Filters: []model.StreamFilter{{Name: "bot", Mode: "accept"}}},
		{ID: 2, CampaignID: 1, Type: "regular", Name: "germany", Schema: "redirect", ActionType: "http",
			Filters: []model.StreamFilter{{Name: "country", Mode: "accept", Payload: `["DE"]`}},
			Offers:  []model.StreamOffer{{OfferID: 1, Share: 1}}},
	}, d.Streams...)
	g := newRig(t, d, nil)
	g.e.POST("/admin_api/v1/campaigns/:id/simulate", g.h.Simulate)
	post := func(id, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/admin_api/v1/campaigns/"+id+"/simulate", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		g.e.ServeHTTP(w, req)
		return w
	}
	tests := []struct {
		name, id, body string
		code           int
		stream         int64
		outcomes       []string // per stream in routing order
	}{
		{"US desktop reaches the default", "1", `{"ip":"8.8.8.8","user_agent":"` + desktopUA + `","params":{"zoneid":"5"}}`, 200, 10,
			[]string{routing.OutcomeRejected, routing.OutcomeRejected, routing.OutcomeChosen}},
		{"a crawler hits the forced stream", "1", `{"ip":"8.8.8.8","user_agent":"Googlebot/2.1 (+http://www.google.com/bot.html)"}`, 200, 1,
			[]string{routing.OutcomeChosen}},
		{"bad ip", "1", `{"ip":"nope"}`, 400, 0, nil},
		{"unknown campaign", "99", `{}`, 404, 0, nil},
		{"bad body", "1", `{`, 400, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := post(tt.id, tt.body)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body.String())
			}
			if tt.code != 200 {
				return
			}
			var resp SimulateResponse
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if resp.StreamID != tt.stream || len(resp.Hops) != 1 {
				t.Fatalf("stream %d, want %d: %s", resp.StreamID, tt.stream, w.Body.String())
			}
			var got []string
			for _, r := range resp.Hops[0].Reasons {
				got = append(got, r.Outcome)
			}
			if strings.Join(got, ",") != strings.Join(tt.outcomes, ",") {
				t.Fatalf("outcomes %v, want %v", got, tt.outcomes)
			}
		})
	}
	if g.rec.count() != 0 {
		t.Fatal("a simulation must record nothing")
	}
}

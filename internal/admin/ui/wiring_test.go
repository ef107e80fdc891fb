package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/conversion"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/report"
	"github.com/kite-tracker/kite/internal/testenv"
)

// TestPagesOnTheRealReportPackage wires internal/report through the handler
// bridge, as the lead does, and checks the dashboard, campaigns list, report
// builder and logs ask only for names the report package knows (an unknown
// dimension, metric or column would be a 400 shown as an error on the page).
func TestPagesOnTheRealReportPackage(t *testing.T) {
	var rep *report.Reports
	en := newEnv(t, func(o *Options) {
		rep = report.New(o.Store, nil)
		o.Reports = ReportsFromHandlers(rep.Build, rep.ClicksLog, rep.ConversionsLog)
	})
	b := adminBrowser(t, en)
	paths := []string{"/admin/", "/admin/?range=yesterday", "/admin/?range=7_days_ago", "/admin/campaigns",
		"/admin/reports", "/admin/reports?grouping=day&metrics=clicks&metrics=revenue&interval=1_month_ago",
		"/admin/reports?grouping=country&f_name=country&f_op=EQUALS&f_value=US&sort=clicks&order=ASC",
		"/admin/logs/clicks", "/admin/logs/clicks?sub_id=abc&ip=1.2.3.4", "/admin/logs/conversions?status=sale",
		"/admin/reports/export.csv?grouping=campaign"}
	for _, p := range paths {
		rec := b.do(http.MethodGet, p, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d", p, rec.Code)
			continue
		}
		if body := rec.Body.String(); strings.Contains(body, `class="flash error"`) {
			i := strings.Index(body, `class="flash error"`)
			t.Errorf("%s shows an error: %s", p, body[i:min(len(body), i+300)])
		}
	}
}

// TestLogsOnTheRealConversionPackage wires internal/conversion's log handlers
// through the bridge: the received log shows the reason, the sent log shows
// attempts, and the resend button puts a dead postback back in the queue.
func TestLogsOnTheRealConversionPackage(t *testing.T) {
	var conv *conversion.Service
	en := newEnv(t, func(o *Options) {
		conv = conversion.NewService(conversion.Options{}, o.Store, testenv.Redis(t), nil, nil)
		o.Postback = PostbackLogsFromHandlers(conv.ReceivedPostbacks, conv.SentPostbacks, conv.Resend)
	})
	b := adminBrowser(t, en)
	now := time.Now().UTC()
	must(t, en.st.DB.Create(&model.ReceivedPostback{ReceivedAt: now, Method: "GET", RemoteIP: "198.51.100.1",
		RawRequest: "/k/postback?subid=x", ClickID: "x", Outcome: model.PostbackRejected, Reason: "unknown key " + xss, HTTPStatus: 403}).Error)
	row := &model.S2SOutbox{ConversionID: 1, CampaignID: 1, TSID: 1, Method: "GET", URL: "https://ts.example/pb?c=1",
		Status: model.OutboxDead, Attempts: 1, NextAttemptAt: now, CreatedAt: now, LastError: "HTTP 500"}
	must(t, en.st.DB.Create(row).Error)
	must(t, en.st.DB.Create(&model.S2SAttempt{OutboxID: row.ID, AttemptedAt: now, StatusCode: 500, LatencyMS: 42, ResponseExcerpt: "oops"}).Error)

	received := b.do(http.MethodGet, "/admin/logs/postbacks", nil).Body.String()
	if !strings.Contains(received, "unknown key &lt;script&gt;") || strings.Contains(received, `class="flash error"`) {
		t.Errorf("received log lacks the reason (or shows an error)")
	}
	sent := b.do(http.MethodGet, "/admin/logs/s2s?status=dead", nil).Body.String()
	if !strings.Contains(sent, "https://ts.example/pb?c=1") || !strings.Contains(sent, "HTTP 500") || !strings.Contains(sent, "42 ms") {
		t.Errorf("sent log lacks the row or its attempt")
	}
	if rec := b.post("/admin/logs/s2s/"+itoa64(row.ID)+"/resend", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", rec.Code, rec.Body.String())
	}
	var after model.S2SOutbox
	must(t, en.st.DB.Where("id = ?", row.ID).Take(&after).Error)
	if after.Status != model.OutboxPending {
		t.Errorf("after resend the postback is %s, want pending", after.Status)
	}
}

package ui

import (
	"context"
	"sync"
)

// xss is stored in every name field and fed back by every fake service.
const xss = `<script>alert(1)</script>`

// fakeReports answers every report with rows whose text cells hold xss, so the
// pages prove they escape what the report package returns.
type fakeReports struct {
	mu      sync.Mutex
	queries []ReportQuery
}

func (f *fakeReports) Report(_ context.Context, q ReportQuery) (*ReportTable, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	row := map[string]any{"campaign_id": 1.0}
	for _, g := range q.Grouping {
		row[g] = xss
	}
	for i, m := range q.Metrics {
		row[m] = float64(10 * (i + 1))
	}
	summary := map[string]any{}
	for _, m := range q.Metrics {
		summary[m] = 123.0
	}
	return &ReportTable{Rows: []map[string]any{row}, Total: 1, Summary: summary}, nil
}

func (f *fakeReports) ClicksLog(_ context.Context, q LogQuery) (*ReportTable, error) {
	return logTable(q.Columns), nil
}

func (f *fakeReports) ConversionsLog(_ context.Context, q LogQuery) (*ReportTable, error) {
	return logTable(q.Columns), nil
}

func logTable(cols []string) *ReportTable {
	row := map[string]any{}
	for _, c := range cols {
		row[c] = xss
	}
	return &ReportTable{Rows: []map[string]any{row}, Total: 1}
}

// fakePostbacks is a received/sent log with one row each, and records resends.
type fakePostbacks struct {
	mu     sync.Mutex
	resent []int64
}

func (f *fakePostbacks) Received(context.Context, PostbackQuery) (*ReportTable, error) {
	return &ReportTable{Rows: []map[string]any{{"id": 1.0, "sub_id": xss, "outcome": "rejected", "reason": xss, "raw_request": xss}}, Total: 1}, nil
}

func (f *fakePostbacks) Sent(context.Context, PostbackQuery) (*ReportTable, error) {
	return &ReportTable{Rows: []map[string]any{{"id": 7.0, "url": "https://ts.example/pb?x=" + xss, "status": "dead",
		"attempt_list": []any{map[string]any{"status_code": 500.0, "latency_ms": 12.0, "response_excerpt": xss}}}}, Total: 1}, nil
}

func (f *fakePostbacks) Resend(_ context.Context, id int64) error {
	f.mu.Lock()
	f.resent = append(f.resent, id)
	f.mu.Unlock()
	return nil
}

// fakeSimulator sends every visitor to a stream named xss.
type fakeSimulator struct{}

func (fakeSimulator) Simulate(_ context.Context, id int64, v TestVisitor) (*SimulationResult, error) {
	return &SimulationResult{StreamID: 1, StreamName: xss, Action: "http", Destination: "https://o.example/?q=" + xss,
		Visitor: map[string]any{"ip": v.IP, "country": "US"},
		Hops:    []SimulationHop{{CampaignID: id, Reasons: []map[string]any{{"name": xss, "type": "regular", "outcome": "chosen", "detail": xss}}}}}, nil
}

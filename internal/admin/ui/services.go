package ui

import (
	"context"
	"encoding/json"
	"fmt"
)

// ReportQuery is the report builder request, field for field the JSON of
// POST /admin_api/v1/report/build (shared/API.md).
type ReportQuery struct {
	Range    ReportRange    `json:"range"`
	Grouping []string       `json:"grouping"`
	Metrics  []string       `json:"metrics"`
	Filters  []ReportFilter `json:"filters,omitempty"`
	Sort     []ReportSort   `json:"sort,omitempty"`
	Limit    int            `json:"limit,omitempty"`
	Offset   int            `json:"offset,omitempty"`
}

// ReportRange is a date range or a preset interval in a time zone.
type ReportRange struct {
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	Interval string `json:"interval,omitempty"`
}

// ReportFilter is one report filter (Keitaro's operators).
type ReportFilter struct {
	Name       string `json:"name"`
	Operator   string `json:"operator"`
	Expression any    `json:"expression"`
}

// ReportSort orders the rows by a column, ASC or DESC.
type ReportSort struct {
	Name  string `json:"name"`
	Order string `json:"order"`
}

// ReportTable is a report answer: rows of column -> value, the total row
// count and the summary row.
type ReportTable struct {
	Rows    []map[string]any `json:"rows"`
	Total   int              `json:"total"`
	Summary map[string]any   `json:"summary"`
}

// LogQuery asks for a page of the clicks or conversions log (Keitaro's
// ClickRequest / ConversionRequest).
type LogQuery struct {
	Range   ReportRange    `json:"range"`
	Columns []string       `json:"columns"`
	Filters []ReportFilter `json:"filters,omitempty"`
	Sort    []ReportSort   `json:"sort,omitempty"`
	Limit   int            `json:"limit"`
	Offset  int            `json:"offset"`
}

// ReportRunner runs reports and reads the click and conversion logs
// (internal/report; wrap it with JSONReports).
type ReportRunner interface {
	Report(ctx context.Context, q ReportQuery) (*ReportTable, error)
	ClicksLog(ctx context.Context, q LogQuery) (*ReportTable, error)
	ConversionsLog(ctx context.Context, q LogQuery) (*ReportTable, error)
}

// PostbackQuery pages the postback logs.
type PostbackQuery struct {
	SubID  string // click id
	Status string // outcome (received) or outbox status (sent); "" = all
	Limit  int
	Offset int
}

// PostbackLogs reads the received and sent postback logs and resends an
// S2S postback (internal/conversion). Rows are the log's JSON objects; a sent
// row carries its attempts as a list of objects.
type PostbackLogs interface {
	Received(ctx context.Context, q PostbackQuery) (*ReportTable, error)
	Sent(ctx context.Context, q PostbackQuery) (*ReportTable, error)
	Resend(ctx context.Context, outboxID int64) error
}

// TestVisitor is the visitor a buyer describes in the "test a visitor" panel
// (the JSON of POST /admin_api/v1/campaigns/:id/simulate).
type TestVisitor struct {
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Referrer  string            `json:"referrer,omitempty"`
	Language  string            `json:"language,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
}

// SimulationResult says where that visitor would go, and why.
type SimulationResult struct {
	StreamID    int64           `json:"stream_id"`
	StreamName  string          `json:"stream_name"`
	Action      string          `json:"action"`
	Destination string          `json:"destination"`
	Error       string          `json:"error"`
	Visitor     map[string]any  `json:"visitor"`
	Hops        []SimulationHop `json:"hops"`
}

// SimulationHop is one campaign the visitor went through, with the verdict
// on each stream.
type SimulationHop struct {
	CampaignID int64            `json:"campaign_id"`
	Alias      string           `json:"alias"`
	StreamID   int64            `json:"stream_id"`
	Action     string           `json:"action"`
	Reasons    []map[string]any `json:"reasons"`
}

// VisitorSimulator routes a described visitor through a campaign without
// recording anything (internal/track).
type VisitorSimulator interface {
	Simulate(ctx context.Context, campaignID int64, v TestVisitor) (*SimulationResult, error)
}

// JSONReports adapts report functions with their own request/result types to
// ReportRunner by JSON: the names are the public API's, so the shapes match.
// The lead passes reports.Run, and the log functions of the same package.
func JSONReports[Req, Res any](run, clicks, conversions func(context.Context, Req) (Res, error)) ReportRunner {
	return jsonReports[Req, Res]{run, clicks, conversions}
}

type jsonReports[Req, Res any] struct {
	run, clicks, conversions func(context.Context, Req) (Res, error)
}

func (j jsonReports[Req, Res]) Report(ctx context.Context, q ReportQuery) (*ReportTable, error) {
	return viaJSON(ctx, j.run, q)
}

func (j jsonReports[Req, Res]) ClicksLog(ctx context.Context, q LogQuery) (*ReportTable, error) {
	return viaJSON(ctx, j.clicks, q)
}

func (j jsonReports[Req, Res]) ConversionsLog(ctx context.Context, q LogQuery) (*ReportTable, error) {
	return viaJSON(ctx, j.conversions, q)
}

func viaJSON[Req, Res any](ctx context.Context, fn func(context.Context, Req) (Res, error), q any) (*ReportTable, error) {
	if fn == nil {
		return nil, fmt.Errorf("ui: report function not wired")
	}
	var req Req
	if err := roundTrip(q, &req); err != nil {
		return nil, err
	}
	res, err := fn(ctx, req)
	if err != nil {
		return nil, err
	}
	var out ReportTable
	if err := roundTrip(res, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func roundTrip(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

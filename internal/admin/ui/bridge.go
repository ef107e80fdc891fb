package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
)

// The bridges below let the UI use other packages' admin API handlers as
// they are (report/build, clicks/log, postback logs, simulate), so the lead
// wires them without adapter code: the UI calls the handler in-process with
// a JSON request, exactly as the API would, and reads its JSON answer. The
// access check has already run on the UI route.

// handlerCall is one in-process call of an echo handler.
type handlerCall struct {
	method string
	query  url.Values
	body   any
	params map[string]string
}

var bridgeEcho = echo.New()

func callHandler(ctx context.Context, h echo.HandlerFunc, call handlerCall, out any) error {
	if h == nil {
		return fmt.Errorf("ui: handler not wired")
	}
	var body bytes.Buffer
	if call.body != nil {
		if err := json.NewEncoder(&body).Encode(call.body); err != nil {
			return err
		}
	}
	req := httptest.NewRequest(call.method, "/?"+call.query.Encode(), &body).WithContext(ctx)
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	req.Header.Set(echo.HeaderAccept, echo.MIMEApplicationJSON)
	rec := httptest.NewRecorder()
	c := bridgeEcho.NewContext(req, rec)
	var names, values []string
	for k, v := range call.params {
		names, values = append(names, k), append(values, v)
	}
	c.SetParamNames(names...)
	c.SetParamValues(values...)
	if err := h(c); err != nil {
		return err // an *echo.HTTPError keeps its code and message
	}
	if rec.Code >= 400 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		return echo.NewHTTPError(rec.Code, e.Error)
	}
	if out == nil || rec.Body.Len() == 0 {
		return nil
	}
	return json.Unmarshal(rec.Body.Bytes(), out)
}

// ReportsFromHandlers builds the ReportRunner from internal/report's echo
// handlers: Build (report/build), ClicksLog and ConversionsLog.
func ReportsFromHandlers(build, clicks, conversions echo.HandlerFunc) ReportRunner {
	return handlerReports{build, clicks, conversions}
}

type handlerReports struct{ build, clicks, conversions echo.HandlerFunc }

func (h handlerReports) Report(ctx context.Context, q ReportQuery) (*ReportTable, error) {
	var t ReportTable
	return &t, callHandler(ctx, h.build, handlerCall{method: http.MethodPost, body: q}, &t)
}

func (h handlerReports) ClicksLog(ctx context.Context, q LogQuery) (*ReportTable, error) {
	var t ReportTable
	return &t, callHandler(ctx, h.clicks, handlerCall{method: http.MethodPost, body: q}, &t)
}

func (h handlerReports) ConversionsLog(ctx context.Context, q LogQuery) (*ReportTable, error) {
	var t ReportTable
	return &t, callHandler(ctx, h.conversions, handlerCall{method: http.MethodPost, body: q}, &t)
}

// PostbackLogsFromHandlers builds PostbackLogs from internal/conversion's
// echo handlers: ReceivedPostbacks (GET ?limit&offset&outcome&sub_id),
// SentPostbacks (GET ?limit&offset&status&sub_id) and Resend (POST, :id).
func PostbackLogsFromHandlers(received, sent, resend echo.HandlerFunc) PostbackLogs {
	return handlerPostbacks{received, sent, resend}
}

type handlerPostbacks struct{ received, sent, resend echo.HandlerFunc }

func (q PostbackQuery) values(statusKey string) url.Values {
	v := url.Values{"limit": {strconv.Itoa(q.Limit)}, "offset": {strconv.Itoa(q.Offset)}}
	if q.SubID != "" {
		v.Set("sub_id", q.SubID)
	}
	if q.Status != "" {
		v.Set(statusKey, q.Status)
	}
	return v
}

func (h handlerPostbacks) Received(ctx context.Context, q PostbackQuery) (*ReportTable, error) {
	var t ReportTable
	return &t, callHandler(ctx, h.received, handlerCall{method: http.MethodGet, query: q.values("outcome")}, &t)
}

func (h handlerPostbacks) Sent(ctx context.Context, q PostbackQuery) (*ReportTable, error) {
	var t ReportTable
	return &t, callHandler(ctx, h.sent, handlerCall{method: http.MethodGet, query: q.values("status")}, &t)
}

func (h handlerPostbacks) Resend(ctx context.Context, id int64) error {
	return callHandler(ctx, h.resend, handlerCall{method: http.MethodPost,
		params: map[string]string{"id": strconv.FormatInt(id, 10)}}, nil)
}

// SimulatorFromHandler builds the VisitorSimulator from internal/track's
// Simulate handler (POST /admin_api/v1/campaigns/:id/simulate).
func SimulatorFromHandler(simulate echo.HandlerFunc) VisitorSimulator {
	return handlerSimulator{simulate}
}

type handlerSimulator struct{ h echo.HandlerFunc }

func (h handlerSimulator) Simulate(ctx context.Context, campaignID int64, v TestVisitor) (*SimulationResult, error) {
	var r SimulationResult
	return &r, callHandler(ctx, h.h, handlerCall{method: http.MethodPost, body: v,
		params: map[string]string{"id": strconv.FormatInt(campaignID, 10)}}, &r)
}

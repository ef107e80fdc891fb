package conversion

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/s2s"
	"github.com/kite-tracker/kite/internal/store"
	"github.com/labstack/echo/v4"
)

// page is a paged log answer, the shape of Keitaro's log endpoints.
type page[T any] struct {
	Rows  []T   `json:"rows"`
	Total int64 `json:"total"`
}

// receivedRequest filters the received postbacks log.
type receivedRequest struct {
	Limit, Offset int
	Outcome       string
	SubID         string
	CampaignID    int64 // through the postback's conversion: refused ones have none
	From, To      time.Time
}

// parseReceived reads ?limit&offset&outcome&sub_id&campaign_id&from&to.
func parseReceived(c echo.Context) (receivedRequest, error) {
	r := receivedRequest{Outcome: c.QueryParam("outcome"), SubID: strings.TrimSpace(c.QueryParam("sub_id"))}
	var err error
	if r.Limit, r.Offset, err = paging(c); err != nil {
		return r, err
	}
	if r.CampaignID, err = queryID(c, "campaign_id"); err != nil {
		return r, err
	}
	r.From, r.To, err = period(c)
	return r, err
}

// period reads ?from&to (from inclusive, to exclusive).
func period(c echo.Context) (from, to time.Time, err error) {
	if from, err = parseTime(c.QueryParam("from")); err != nil {
		return from, to, echo.NewHTTPError(http.StatusBadRequest, "invalid from")
	}
	if to, err = parseTime(c.QueryParam("to")); err != nil {
		return from, to, echo.NewHTTPError(http.StatusBadRequest, "invalid to")
	}
	return from, to, nil
}

// queryID reads an optional positive id parameter (0 when absent).
func queryID(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "invalid "+name)
	}
	return id, nil
}

func paging(c echo.Context) (limit, offset int, err error) {
	limit, offset = 50, 0
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return 0, 0, echo.NewHTTPError(http.StatusBadRequest, "invalid limit")
		}
	}
	if v := c.QueryParam("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, echo.NewHTTPError(http.StatusBadRequest, "invalid offset")
		}
	}
	return min(limit, 1000), offset, nil
}

// parseTime accepts RFC 3339, "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD" (UTC).
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// ReceivedPostbacks is GET /admin_api/v1/postbacks/received.
func (s *Service) ReceivedPostbacks(c echo.Context) error {
	req, err := parseReceived(c)
	if err != nil {
		return err
	}
	q := s.st.DB.WithContext(c.Request().Context()).Model(&model.ReceivedPostback{})
	if req.Outcome != "" {
		q = q.Where("outcome = ?", req.Outcome)
	}
	if req.SubID != "" {
		q = q.Where("click_id = ?", req.SubID)
	}
	if req.CampaignID != 0 {
		q = q.Where("conversion_id IN (SELECT id FROM conversions WHERE campaign_id = ?)", req.CampaignID)
	}
	if !req.From.IsZero() {
		q = q.Where("received_at >= ?", req.From)
	}
	if !req.To.IsZero() {
		q = q.Where("received_at < ?", req.To)
	}
	out := page[model.ReceivedPostback]{Rows: []model.ReceivedPostback{}}
	if err := q.Count(&out.Total).Error; err == nil {
		err = q.Order("id DESC").Limit(req.Limit).Offset(req.Offset).Find(&out.Rows).Error
	}
	if err != nil {
		s.log.Error("list received postbacks", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	return c.JSON(http.StatusOK, out)
}

// SentPostbacks is GET /admin_api/v1/postbacks/sent?status&conversion_id&campaign_id&from&to&limit&offset
// (from/to on the time the postback was queued); each row carries its delivery attempts.
func (s *Service) SentPostbacks(c echo.Context) error {
	var f s2s.SentFilter
	var err error
	if f.Limit, f.Offset, err = paging(c); err != nil {
		return err
	}
	switch f.Status = c.QueryParam("status"); f.Status {
	case "", model.OutboxPending, model.OutboxDelivered, model.OutboxDead:
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "status must be pending, delivered or dead")
	}
	for name, dst := range map[string]*int64{"conversion_id": &f.ConversionID, "campaign_id": &f.CampaignID} {
		if *dst, err = queryID(c, name); err != nil {
			return err
		}
	}
	if f.From, f.To, err = period(c); err != nil {
		return err
	}
	rows, total, err := s2s.List(c.Request().Context(), s.st, f)
	if err != nil {
		s.log.Error("list sent postbacks", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	return c.JSON(http.StatusOK, page[s2s.SentPostback]{Rows: rows, Total: total})
}

// Resend is POST /admin_api/v1/postbacks/sent/:id/resend: a dead or delivered
// S2S postback goes back to pending, due now.
func (s *Service) Resend(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid id")
	}
	switch err := s2s.Resend(c.Request().Context(), s.st, id); {
	case errors.Is(err, store.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "postback not found")
	case errors.Is(err, s2s.ErrNotResendable):
		return echo.NewHTTPError(http.StatusConflict, "postback is still pending")
	case err != nil:
		s.log.Error("resend postback", "id", id, "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "temporarily unavailable")
	}
	if s.opt.OnOutbox != nil {
		s.opt.OnOutbox()
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "status": model.OutboxPending})
}

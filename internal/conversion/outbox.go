package conversion

import (
	"net/url"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/macro"
	"github.com/kite-tracker/kite/internal/model"
	"gorm.io/gorm"
)

// defaultStatuses are sent when a postback's status list is empty: what a
// traffic source optimises on. A rejection is only sent when asked for, as
// a source reading no {status} would count it as one more conversion.
var defaultStatuses = []string{model.StatusLead, model.StatusSale, model.StatusRebill}

// wants tells whether a postback configured with statuses fires for status.
func wants(statuses model.JSONText, status string) bool {
	list := statusesOf(statuses)
	if len(list) == 0 {
		list = defaultStatuses
	}
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), status) {
			return true
		}
	}
	return false
}

// s2sRows renders the S2S postbacks the click's campaign and traffic source
// want for the conversion's current status.
func s2sRows(snap *snapshot, c *model.Click, conv *model.Conversion, now time.Time) []model.S2SOutbox {
	camp := snap.campaigns[c.CampaignID]
	tsID := c.TrafficSourceID
	if tsID == 0 && camp != nil && camp.TrafficSourceID != nil {
		tsID = *camp.TrafficSourceID
	}
	ts := snap.sources[tsID]
	campName, tsName := "", ""
	if camp != nil {
		campName = camp.Name
	}
	if ts != nil {
		tsName = ts.Name
	}
	// The lazy form formats only the macros the templates name.
	values := &macro.Conversion{Click: macro.Click{C: c, CampaignName: campName, TrafficSourceName: tsName}, Conv: conv}
	var rows []model.S2SOutbox
	add := func(method, tmpl string) {
		row := model.S2SOutbox{ConversionID: conv.ID, CampaignID: c.CampaignID, TSID: tsID,
			Status: model.OutboxPending, NextAttemptAt: now, CreatedAt: now}
		row.Method, row.URL, row.Body = render(method, tmpl, values)
		rows = append(rows, row)
	}
	if camp != nil {
		for _, p := range camp.Postbacks {
			if strings.TrimSpace(p.URL) != "" && wants(p.Statuses, conv.Status) {
				add(p.Method, p.URL)
			}
		}
	}
	if ts != nil && ts.State != model.StateDeleted && strings.TrimSpace(ts.PostbackURL) != "" &&
		wants(ts.PostbackStatuses, conv.Status) {
		add(ts.PostbackMethod, ts.PostbackURL)
	}
	return rows
}

// render expands a postback template. A POST sends the template's query as
// a form body to the URL without it.
func render(method, tmpl string, v macro.Values) (string, string, string) {
	u := macro.Expand(strings.TrimSpace(tmpl), v)
	if !strings.EqualFold(method, "POST") {
		return "GET", u, ""
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.RawQuery == "" {
		return "POST", u, ""
	}
	body := parsed.RawQuery
	parsed.RawQuery = ""
	return "POST", parsed.String(), body
}

// queueS2S writes the S2S rows of conv in the caller's transaction.
func (s *Service) queueS2S(tx *gorm.DB, snap *snapshot, c *model.Click, conv *model.Conversion, now time.Time) (int, error) {
	rows := s2sRows(snap, c, conv, now)
	if len(rows) == 0 {
		return 0, nil
	}
	return len(rows), tx.Create(&rows).Error
}

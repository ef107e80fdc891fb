//go:build faults

package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// explainS2S logs, for up to 5 tids the receiver never got, what the
// database says: the conversion (attributed? which campaign and source?)
// and its outbox rows. A failing run then names the stage that dropped it.
func explainS2S(t *testing.T, d *sqlDB, tids []string, got map[string]int) {
	t.Helper()
	shown := 0
	for _, tid := range tids {
		if got[tid] > 0 || shown >= 5 {
			continue
		}
		shown++
		t.Logf("S2S missing for tid %s: %s", tid, d.describeConversion(tid))
	}
}

func (d *sqlDB) describeConversion(tid string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var convs []struct {
		ID               int64
		ClickID          string
		Status           string
		Attributed       bool
		CampaignID, TSID int64
		CreatedAt        time.Time
	}
	err := d.st.DB.WithContext(ctx).Raw("/* faults.describeConversion */ SELECT id, click_id, status, attributed, "+
		"campaign_id, ts_id AS ts_id, created_at FROM conversions WHERE tid = ?", tid).Scan(&convs).Error
	if err != nil {
		return "query: " + err.Error()
	}
	if len(convs) == 0 {
		return "no conversion row"
	}
	var out []string
	for _, c := range convs {
		var rows []struct {
			ID       int64
			Status   string
			Attempts int
			URL      string
		}
		_ = d.st.DB.WithContext(ctx).Raw("SELECT id, status, attempts, url FROM s2s_outbox WHERE conversion_id = ?", c.ID).
			Scan(&rows).Error
		clickInSQL, _ := d.scalar("SELECT COUNT(*) FROM clicks WHERE id = ?", c.ClickID)
		out = append(out, fmt.Sprintf("conversion %d click=%s (in SQL: %d) status=%s attributed=%v campaign=%d ts=%d at %s; outbox %+v",
			c.ID, c.ClickID, clickInSQL, c.Status, c.Attributed, c.CampaignID, c.TSID, c.CreatedAt.Format(time.RFC3339Nano), rows))
	}
	return strings.Join(out, "; ")
}

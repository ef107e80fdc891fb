package ui

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/clicks"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/report"
)

// realClicks is how many clicks TestPagesUnder100msOnRealReports seeds: a
// third today, the rest spread over the last 8 days.
const realClicks = 30000

// TestPagesUnder100msOnRealReports: 1,000 campaigns, 30,000 clicks stored
// with clicks.InsertBatch (raw rows + the hourly rollup, as the writer does)
// and the real report package behind the handler bridge. The dashboard, the
// campaigns list (today's numbers of every campaign in one grouped query) and
// the report page must each render in < 100 ms of server (CPU) time, median
// of 5; wall time is logged (the machine is shared) and checked against 1 s.
func TestPagesUnder100msOnRealReports(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("seeds 1,000 campaigns and 30,000 clicks; timing is meaningless under -race")
	}
	en := newEnv(t, func(o *Options) {
		rep := report.New(o.Store, nil)
		o.Reports = ReportsFromHandlers(rep.Build, rep.ClicksLog, rep.ConversionsLog)
	})
	b := adminBrowser(t, en)
	ctx := t.Context()
	ids := make([]int64, 0, 1000)
	for i := 0; i < 1000; i++ {
		c, err := en.cat.CreateCampaign(ctx, catalog.CampaignRequest{Name: ptr(fmt.Sprintf("Campaign %04d", i)), Alias: ptr(fmt.Sprintf("c%04d", i))})
		must(t, err)
		ids = append(ids, c.ID)
	}
	seedClicks(t, en, ids, realClicks)

	pages := []string{"/admin/", "/admin/?range=7_days_ago", "/admin/campaigns", "/admin/reports",
		"/admin/reports?grouping=campaign&metrics=clicks&metrics=conversions&metrics=revenue&metrics=profit&interval=7_days_ago"}
	for _, path := range pages {
		var cpu, wall []time.Duration
		for i := 0; i < 5; i++ {
			c0, w0 := cpuTime(), time.Now()
			rec := b.do(http.MethodGet, path, nil)
			cpu, wall = append(cpu, cpuTime()-c0), append(wall, time.Since(w0))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, rec.Code)
			}
		}
		sortDurations(cpu)
		sortDurations(wall)
		t.Logf("%-60s median CPU %6.1f ms, median wall %6.1f ms (max wall %6.1f ms)", path,
			ms(cpu[2]), ms(wall[2]), ms(wall[4]))
		if cpu[2] > 100*time.Millisecond || wall[2] > time.Second {
			t.Errorf("%s: median CPU %v, wall %v; want < 100ms CPU", path, cpu[2], wall[2])
		}
	}
	list := b.do(http.MethodGet, "/admin/campaigns", nil).Body.String()
	if !containsAll(list, "Campaign 0000", "Campaign 0099", "1000 campaigns", "page 1 of 10", `class="num">10</td>`) || strings.Contains(list, "Campaign 0100") {
		t.Errorf("campaigns list: first page of 100 with today's 10 clicks of each campaign expected")
	}
	last := b.do(http.MethodGet, "/admin/campaigns?page=10", nil).Body.String()
	if !containsAll(last, "Campaign 0999", "page 10 of 10", `rel="prev"`, `class="num">10</td>`) || strings.Contains(last, `rel="next"`) {
		t.Errorf("campaigns list: last page wrong")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// seedClicks stores n clicks over campaigns with clicks.InsertBatch: a third
// in the last hours of today, the rest over the 8 days before.
func seedClicks(t *testing.T, en *env, campaigns []int64, n int) {
	t.Helper()
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	batch := make([]model.Click, 0, 1000)
	for i := 0; i < n; i++ {
		at := today.Add(time.Duration(i%int(max(now.Sub(today)/time.Second, 1))) * time.Second)
		if i%3 != 0 {
			at = today.Add(-time.Duration(1+i%(8*24)) * time.Hour)
		}
		id, err := uuid.NewV7()
		must(t, err)
		batch = append(batch, model.Click{ID: id.String(), CreatedAt: at, CampaignID: campaigns[i%len(campaigns)],
			StreamID: int64(1 + i%5), OfferID: int64(1 + i%7), Country: []string{"US", "DE", "BR", "IN"}[i%4],
			DeviceType: []string{"mobile", "desktop"}[i%2], IsUniqueCampaign: i%2 == 0, IsUniqueGlobal: i%3 == 0,
			Cost: 0.01, IP: fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256), UserAgent: "Mozilla/5.0 seed",
			SubID1: fmt.Sprintf("s%d", i)})
		if len(batch) == cap(batch) || i == n-1 {
			must(t, clicks.InsertBatch(t.Context(), en.st, batch))
			batch = batch[:0]
		}
	}
	// A running Kite folds the cubes' delta rows within a minute
	// (report.Maintainer); the pages are timed in that steady state.
	must(t, report.NewMaintainer(en.st, 0, nil).CompactCubes(t.Context(), today.AddDate(0, 0, -9)))
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

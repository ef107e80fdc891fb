package ui

import (
	"fmt"
	"net/http"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/catalog"
	"github.com/kite-tracker/kite/internal/model"
)

// TestCampaignListUnder100ms stores 1,000 campaigns and times the list page
// (with today's stats from the report runner) and the dashboard: the median
// of 5 renders must stay under 100 ms of server time. Server time is the
// process's CPU time (user+system) for the request: the shared CI machine
// runs many test processes on few cores, so wall time mostly measures the
// wait for a core; wall time is logged and only checked against 1 s.
func TestCampaignListUnder100ms(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("stores 1,000 campaigns; timing is meaningless under -race")
	}
	en := newEnv(t, withFakes)
	b := adminBrowser(t, en)
	ctx := t.Context()
	for i := 0; i < 1000; i++ {
		_, err := en.cat.CreateCampaign(ctx, catalog.CampaignRequest{Name: ptr(fmt.Sprintf("Campaign %04d", i)), Alias: ptr(fmt.Sprintf("c%04d", i))})
		must(t, err)
	}
	for _, path := range []string{"/admin/campaigns", "/admin/", "/admin/campaigns?q=Campaign%2009"} {
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
		t.Logf("%s with 1,000 campaigns: median CPU %v, median wall %v (max wall %v)", path, cpu[2], wall[2], wall[4])
		if cpu[2] > 100*time.Millisecond || wall[2] > time.Second {
			t.Errorf("%s: median CPU %v, wall %v; want < 100ms CPU", path, cpu[2], wall[2])
		}
	}
	var n int64
	en.st.DB.Model(&model.Campaign{}).Count(&n)
	if n != 1000 {
		t.Fatalf("campaigns: %d", n)
	}
}

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

// cpuTime is the CPU this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

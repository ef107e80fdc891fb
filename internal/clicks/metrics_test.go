package clicks

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetrics: the recorder and writer counters are registrable side by side
// and count what happened.
func TestMetrics(t *testing.T) {
	st, r := env(t)
	opt := testOptions(t)
	rec, w := NewRecorder(opt, r, st, nil), NewWriter(opt, r, st, nil)
	reg := prometheus.NewRegistry()
	if err := rec.Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := w.Register(reg); err != nil {
		t.Fatal(err)
	}
	start(t, rec.Run)
	start(t, w.Run)
	for i := 0; i < 25; i++ {
		rec.Record(newClick(t, i))
	}
	waitFor(t, "clicks in SQL", 10*time.Second, func() bool { return countSQL(t, st) == 25 })
	waitFor(t, "metrics", 5*time.Second, func() bool {
		got := gather(t, reg)
		return got["kite_clicks_recorded_total"] == 25 && got["kite_clicks_written_total"] == 25 &&
			got["kite_click_writer_lag"] == 0 && got["kite_clicks_spooled_total"] == 0
	})
}

func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()] += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return out
}

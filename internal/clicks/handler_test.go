package clicks

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/labstack/echo/v4"
)

func TestClickHandler(t *testing.T) {
	st, r := env(t)
	rec := NewRecorder(testOptions(t), r, st, nil)
	start(t, rec.Run)
	c := newClick(t, 4)
	c.Country = "CA"
	rec.Record(c)

	e := echo.New()
	e.GET("/admin_api/v1/clicks/:subid", ClickHandler(rec))
	cases := []struct {
		name string
		id   string
		code int
	}{
		{"known click", c.ID, http.StatusOK},
		{"known click, upper case", strings.ToUpper(c.ID), http.StatusOK},
		{"unknown click", newClick(t, 5).ID, http.StatusNotFound},
		{"malformed id", "12345", http.StatusBadRequest},
		{"injection attempt", "x'%20OR%201=1--", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/admin_api/v1/clicks/"+tc.id, nil)
			rw := httptest.NewRecorder()
			e.ServeHTTP(rw, req)
			if rw.Code != tc.code {
				t.Fatalf("status %d, want %d: %s", rw.Code, tc.code, rw.Body)
			}
			if tc.code != http.StatusOK {
				return
			}
			var got model.Click
			if err := json.Unmarshal(rw.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.ID != c.ID || got.Country != "CA" || got.CreatedAt.IsZero() {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

// BenchmarkRecord measures what a visitor's request pays to record a click:
// the hand-off to the batcher (the queue is sized so nothing spills).
func BenchmarkRecord(b *testing.B) {
	st, r := env(b)
	opt := testOptions(b)
	opt.FlushInterval = 5 * time.Millisecond
	opt.QueueSize = b.N + 1
	rec := NewRecorder(opt, r, st, nil)
	start(b, rec.Run)
	cs := make([]*model.Click, b.N)
	for i := range cs {
		cs[i] = newClick(b, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec.Record(cs[i])
	}
	b.StopTimer()
	if n := spoolLines(b, opt.SpoolDir); n > 0 {
		b.Fatalf("%d clicks spilled to the spool", n)
	}
}

// BenchmarkPush measures the batcher's side: encoding a click and sending it
// to Redis in pipelines of 500 (ns per click).
func BenchmarkPush(b *testing.B) {
	st, r := env(b)
	rec := NewRecorder(testOptions(b), r, st, nil)
	batch := make([]*model.Click, 500)
	for i := range batch {
		batch[i] = newClick(b, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += len(batch) {
		if err := rec.push(rec.encode(batch)); err != nil {
			b.Fatal(err)
		}
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/kite-tracker/kite/internal/report"
	"github.com/kite-tracker/kite/internal/store"
)

func init() {
	register("report", "time the report builder's typical shapes (p50/p95)", runReportBench)
}

// reportShape is one report a buyer runs often; a shape may take several
// requests (the dashboard asks for today and yesterday).
type reportShape struct {
	name     string
	requests []report.Request
}

func reportShapes(tz string) []reportShape {
	now := time.Now()
	loc, _ := time.LoadLocation(tz)
	day := func(back int) string { return now.In(loc).AddDate(0, 0, -back).Format("2006-01-02") }
	money := []string{"clicks", "campaign_unique_clicks", "conversions", "revenue", "cost", "profit", "roi", "cr", "epc"}
	totals := []string{"clicks", "conversions", "revenue", "cost", "profit", "roi"}
	return []reportShape{
		{"campaign x country x day, 30 days", []report.Request{{
			Range:    report.Range{From: day(29), To: day(0), Timezone: tz},
			Grouping: []string{"campaign", "country", "day"}, Metrics: money}}},
		{"sub_id_1, 7 days (top 100 by clicks)", []report.Request{{
			Range:    report.Range{From: day(6), To: day(0), Timezone: tz},
			Grouping: []string{"sub_id_1"}, Metrics: money,
			Sort: []report.Sort{{Name: "clicks", Order: "DESC"}}, Limit: 100}}},
		{"dashboard today + yesterday totals", []report.Request{
			{Range: report.Range{Interval: "today", Timezone: tz}, Metrics: totals},
			{Range: report.Range{Interval: "yesterday", Timezone: tz}, Metrics: totals}}},
	}
}

func runReportBench(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	db := fs.String("db", envOr("KITE_DATABASE_URL", "sqlite:./data/kite.db"), "database URL")
	n := fs.Int("n", 20, "runs per shape")
	tz := fs.String("tz", "UTC", "report time zone (try Asia/Kolkata for the raw path)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return fmt.Errorf("tz: %w", err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *db, slog.Default())
	if err != nil {
		return err
	}
	defer st.Close()
	var clicks, convs int64
	_ = st.DB.WithContext(ctx).Raw("/* bench.report */ SELECT COUNT(*) FROM clicks").Row().Scan(&clicks)
	_ = st.DB.WithContext(ctx).Raw("/* bench.report */ SELECT COUNT(*) FROM conversions").Row().Scan(&convs)
	fmt.Printf("%s: %d clicks, %d conversions in the database; %d runs per shape, zone %s%s\n",
		st.Dialect, clicks, convs, *n, *tz, loadAverage())
	reports := report.New(st, slog.Default())
	for _, shape := range reportShapes(*tz) {
		if err := benchShape(ctx, reports, shape, *n); err != nil {
			return fmt.Errorf("%s: %w", shape.name, err)
		}
	}
	return nil
}

func benchShape(ctx context.Context, reports *report.Reports, shape reportShape, n int) error {
	times := make([]time.Duration, 0, n)
	var rows, total int
	var source string
	var clicks any
	for i := 0; i < n+1; i++ { // the first run warms caches and is not counted
		began := time.Now()
		rows, total = 0, 0
		for _, req := range shape.requests {
			res, err := reports.Run(ctx, req)
			if err != nil {
				return err
			}
			rows, total, source, clicks = rows+len(res.Rows), total+res.Total, res.Source, res.Summary["clicks"]
		}
		if i > 0 {
			times = append(times, time.Since(began))
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	fmt.Printf("%-40s p50 %7.1f ms  p95 %7.1f ms  rows %d of %d groups  (source %s, clicks in range %v)\n",
		shape.name, ms(pct(0.50)), ms(pct(0.95)), rows, total, source, clicks)
	return nil
}

// loadAverage notes how busy the machine was, since figures taken on a
// shared box mean little without it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return fmt.Sprintf("; load average %s %s %s on %d CPUs", f[0], f[1], f[2], runtime.NumCPU())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

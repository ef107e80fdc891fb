package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
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
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the report runs to this file")
	only := fs.String("only", "", "run only the shapes whose name contains this")
	verbose := fs.Bool("v", false, "log each report query with its time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return fmt.Errorf("tz: %w", err)
	}
	if *n < 1 {
		return fmt.Errorf("-n %d: want at least one run per shape", *n)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *db, slog.Default())
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil { // the report cubes come with migrations
		return err
	}
	var clicks, convs int64
	_ = st.DB.WithContext(ctx).Raw("/* bench.report */ SELECT COUNT(*) FROM clicks").Row().Scan(&clicks)
	_ = st.DB.WithContext(ctx).Raw("/* bench.report */ SELECT COUNT(*) FROM conversions").Row().Scan(&convs)
	fmt.Printf("%s: %d clicks, %d conversions in the database; %d runs per shape, zone %s%s\n",
		st.Dialect, clicks, convs, *n, *tz, loadAverage())
	yard, err := baselines(ctx, st, *n)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	log := slog.Default()
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	reports := report.New(st, log)
	for _, shape := range reportShapes(*tz) {
		if !strings.Contains(shape.name, *only) {
			continue
		}
		if err := benchShape(ctx, reports, shape, *n, yard); err != nil {
			return fmt.Errorf("%s: %w", shape.name, err)
		}
	}
	return nil
}

func benchShape(ctx context.Context, reports *report.Reports, shape reportShape, n int, yard time.Duration) error {
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
	p50, p95 := reportPercentiles(times)
	fmt.Printf("%-40s p50 %7.1f ms  p95 %7.1f ms  (%.2fx / %.2fx the yardstick)  rows %d of %d groups  (source %s, clicks in range %v)\n",
		shape.name, ms(p50), ms(p95), float64(p50)/float64(yard), float64(p95)/float64(yard), rows, total, source, clicks)
	return nil
}

func reportPercentiles(times []time.Duration) (p50, p95 time.Duration) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	return pct(0.50), pct(0.95)
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

// yardsticks are plain queries timed beside the reports: the box is shared
// and its load swings tenfold, so report times mean something only as
// ratios of these, measured in the same run. The first one is the yardstick
// the ratios use: counting the hourly campaign x country cube.
var yardsticks = []struct{ name, sql string }{
	{"count(*) report_cube_countries", "/* bench.yardstick */ SELECT COUNT(*) FROM report_cube_countries"},
	{"sum(clicks) campaign x country x day, hourly cube",
		"/* bench.yardstick */ SELECT COUNT(*) FROM (SELECT campaign_id, country, date_trunc('day', hour), SUM(clicks) " +
			"FROM report_cube_countries GROUP BY 1, 2, 3) s"},
	{"count(*) clicks, last 7 days", "/* bench.yardstick */ SELECT COUNT(*) FROM clicks WHERE created_at >= ?"},
}

// baselines times the yardsticks (Postgres only) and returns the first one's p50.
func baselines(ctx context.Context, st *store.Store, n int) (time.Duration, error) {
	if !st.IsPostgres() {
		return time.Millisecond, nil
	}
	var first time.Duration
	week := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -6)
	for i, y := range yardsticks {
		times := make([]time.Duration, 0, n)
		for r := 0; r < n+1; r++ {
			args := []any{}
			if i == 2 {
				args = append(args, week)
			}
			began := time.Now()
			var c int64
			if err := st.DB.WithContext(ctx).Raw(y.sql, args...).Row().Scan(&c); err != nil {
				return 0, fmt.Errorf("yardstick %s: %w", y.name, err)
			}
			if r > 0 {
				times = append(times, time.Since(began))
			}
		}
		p50, p95 := reportPercentiles(times)
		if i == 0 {
			first = p50
		}
		fmt.Printf("yardstick %-49s p50 %7.1f ms  p95 %7.1f ms\n", y.name, ms(p50), ms(p95))
	}
	return max(first, time.Microsecond), nil
}

// startCPUProfile profiles the process until the returned stop is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

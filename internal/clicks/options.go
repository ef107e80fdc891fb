// Package clicks records every click without losing it: the recorder batches
// clicks into Redis pipelines (a click hash for attribution plus an entry on
// one Redis Stream), spills to a local append-only spool while Redis is away
// and replays it on return; the writer moves the stream into SQL (idempotent
// by click id) and keeps the hourly rollup in the same transaction.
package clicks

import (
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Durability modes of the recorder.
const (
	// DurabilityFast acknowledges a click once it is handed to the batcher:
	// a hard crash can lose one flush interval of clicks.
	DurabilityFast = "fast"
	// DurabilityStrict makes Record wait until its batch is in Redis or
	// fsynced to the spool.
	DurabilityStrict = "strict"
)

// Options tunes the recorder and the SQL writer. Zero values take defaults.
type Options struct {
	AttributionTTL time.Duration // click hash TTL in Redis, default 30 days
	FlushInterval  time.Duration // recorder batch flush, default 5ms
	BatchSize      int           // max clicks per Redis pipeline, default 500
	SpoolDir       string        // local append-only spool when Redis is down, default ./data/spool
	Durability     string        // "fast" (default) or "strict": strict fsyncs the spool/Redis write before Record returns
	WriterBatch    int           // SQL writer batch size, default 1000
	WriterInterval time.Duration // SQL writer poll/block interval, default 200ms
	Consumer       string        // consumer name in the group (hostname-pid by default)

	// WriterLinger is the least time from the start of a part batch (fewer
	// than WriterBatch clicks) to the next read, so clicks gather into
	// fewer, larger SQL transactions. A transaction has a fixed cost (round
	// trips, the rollup upsert and its cube triggers): at 5,000 clicks/s the
	// writer took 100-500 clicks a batch, and 150-click batches cost ~15 %
	// more Kite CPU and wall time per click than batches of 1,000
	// (BenchmarkWriter). Clicks reach SQL up to this much later. Default
	// WriterInterval/2; negative: no linger.
	WriterLinger time.Duration

	// ClaimIdle is how long a stream entry may stay pending with a consumer
	// before another writer claims it (the first one is presumed dead);
	// default 30s.
	ClaimIdle time.Duration
	// QueueSize bounds the recorder's in-memory queue; when full, clicks go
	// straight to the spool. Default 16 * BatchSize.
	QueueSize int
	// ReplayInterval is how often the recorder probes Redis and replays the
	// spool; default 500ms.
	ReplayInterval time.Duration
	// RedisTimeout bounds one Redis pipeline; default 1s.
	RedisTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.AttributionTTL <= 0 {
		o.AttributionTTL = 30 * 24 * time.Hour
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 5 * time.Millisecond
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.SpoolDir == "" {
		o.SpoolDir = "./data/spool"
	}
	if o.Durability != DurabilityStrict {
		o.Durability = DurabilityFast
	}
	if o.WriterBatch <= 0 {
		o.WriterBatch = 1000
	}
	if o.WriterInterval <= 0 {
		o.WriterInterval = 200 * time.Millisecond
	}
	if o.WriterLinger == 0 {
		o.WriterLinger = o.WriterInterval / 2
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 30 * time.Second
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 16 * o.BatchSize
	}
	if o.ReplayInterval <= 0 {
		o.ReplayInterval = 500 * time.Millisecond
	}
	if o.RedisTimeout <= 0 {
		o.RedisTimeout = time.Second
	}
	return o
}

type recorderMetrics struct {
	recorded prometheus.Counter
	spooled  prometheus.Counter
	replayed prometheus.Counter
	flushes  prometheus.Counter
}

func newRecorderMetrics() recorderMetrics {
	return recorderMetrics{
		recorded: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_clicks_recorded_total",
			Help: "Clicks handed to the recorder."}),
		spooled: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_clicks_spooled_total",
			Help: "Click events written to the local spool (Redis down or queue full)."}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_clicks_replayed_total",
			Help: "Click events replayed from the spool into Redis."}),
		flushes: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_clicks_redis_flushes_total",
			Help: "Redis pipelines sent by the recorder."}),
	}
}

// Register adds the recorder's metrics to reg (e.g. prometheus.DefaultRegisterer).
func (rec *Recorder) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{rec.m.recorded, rec.m.spooled, rec.m.replayed, rec.m.flushes} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

type writerMetrics struct {
	written prometheus.Counter
	batches prometheus.Counter
	errors  prometheus.Counter
	lag     prometheus.Gauge
}

func newWriterMetrics() writerMetrics {
	return writerMetrics{
		written: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_clicks_written_total",
			Help: "Clicks newly inserted into SQL by the writer."}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_click_writer_batches_total",
			Help: "Stream batches committed to SQL."}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "kite_click_writer_errors_total",
			Help: "Failed SQL batches (retried)."}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kite_click_writer_lag",
			Help: "Click events in the stream not yet committed to SQL."}),
	}
}

// Register adds the writer's metrics to reg (e.g. prometheus.DefaultRegisterer).
func (w *Writer) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{w.m.written, w.m.batches, w.m.errors, w.m.lag} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

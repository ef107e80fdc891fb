// Package config is Kite's typed configuration: defaults, then an optional
// YAML file (KITE_CONFIG), then KITE_* environment variables, then validation.
// Every key of the YAML file has an environment override named after its
// path: s2s.allow_private -> KITE_S2S_ALLOW_PRIVATE.
package config

import (
	"time"
)

// Config is everything Kite reads at start-up.
type Config struct {
	Listen      string `yaml:"listen"`       // address to serve on
	DatabaseURL string `yaml:"database_url"` // postgres://... or sqlite:PATH
	RedisURL    string `yaml:"redis_url"`    // redis://..., redis+cluster://h1,h2; empty = in-process Redis
	RedisPrefix string `yaml:"redis_prefix"` // prefix of every Redis key of this install

	Admin          Admin    `yaml:"admin"`
	PostbackKey    string   `yaml:"postback_key"`    // set only when none exists yet
	TrustedProxies []string `yaml:"trusted_proxies"` // CIDRs whose forwarding headers are believed
	GeoIPDB        string   `yaml:"geoip_db"`        // optional MaxMind-format mmdb (City/ASN/ISP)

	Clicks   Clicks   `yaml:"clicks"`
	S2S      S2S      `yaml:"s2s"`
	Snapshot Snapshot `yaml:"snapshot"`
	Reports  Reports  `yaml:"reports"`
	UI       UI       `yaml:"ui"`
	Log      Log      `yaml:"log"`

	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"` // how long a graceful stop may take
	DebugListen     string        `yaml:"debug_listen"`     // pprof on this address; empty = off
	MetricsToken    string        `yaml:"metrics_token"`    // /metrics wants "Authorization: Bearer" this; empty = open
}

// Admin is the first admin, created only when no user exists.
type Admin struct {
	Login    string `yaml:"login"`
	Password string `yaml:"password"` // empty = random, printed once
	APIKey   string `yaml:"api_key"`  // empty = random, printed once
}

// Clicks configures click recording and the SQL click writer.
type Clicks struct {
	AttributionTTL time.Duration `yaml:"attribution_ttl"` // how long a click stays in Redis for postbacks
	FlushInterval  time.Duration `yaml:"flush_interval"`  // recorder batch flush (the crash loss window)
	BatchSize      int           `yaml:"batch_size"`      // clicks per Redis pipeline
	SpoolDir       string        `yaml:"spool_dir"`       // local spool used while Redis is down
	Durability     string        `yaml:"durability"`      // fast | strict
	WriterBatch    int           `yaml:"writer_batch"`    // clicks per SQL insert transaction
	WriterInterval time.Duration `yaml:"writer_interval"` // SQL writer poll interval
	Writer         bool          `yaml:"writer"`          // run the SQL writer on this node
	MaxQueryBytes  int           `yaml:"max_query_bytes"` // longer tracking-link query strings get 414
}

// S2S configures outgoing postbacks to traffic sources.
type S2S struct {
	AllowPrivate   []string      `yaml:"allow_private"`   // CIDRs allowed despite the SSRF guard
	ConnectTimeout time.Duration `yaml:"connect_timeout"` // TCP+TLS connect timeout
	Timeout        time.Duration `yaml:"timeout"`         // whole request timeout
	PerHost        int           `yaml:"per_host"`        // concurrent requests per receiving host
	Workers        int           `yaml:"workers"`         // concurrent sends in all
	MaxAge         time.Duration `yaml:"max_age"`         // retry this long, then dead (>= 72h)
	Worker         bool          `yaml:"worker"`          // run the outbox worker on this node
}

// Snapshot configures the in-memory routing snapshot.
type Snapshot struct {
	RefreshInterval time.Duration `yaml:"refresh_interval"` // safety-net reload besides pub/sub
}

// Reports configures report storage.
type Reports struct {
	RetentionDays int `yaml:"retention_days"` // raw clicks kept this many days (0 = forever)
}

// UI configures the web interface.
type UI struct {
	IdleTimeout time.Duration `yaml:"idle_timeout"` // sessions expire after this long unused
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // json | text
}

// Default returns the configuration used when nothing is set: the embedded mode.
func Default() Config {
	return Config{
		Listen:      ":8080",
		DatabaseURL: "sqlite:./data/kite.db",
		RedisPrefix: "kite:",
		Admin:       Admin{Login: "admin"},
		Clicks: Clicks{
			AttributionTTL: 30 * 24 * time.Hour,
			FlushInterval:  5 * time.Millisecond,
			BatchSize:      500,
			SpoolDir:       "./data/spool",
			Durability:     "fast",
			WriterBatch:    1000,
			WriterInterval: 200 * time.Millisecond,
			Writer:         true,
			MaxQueryBytes:  8192,
		},
		S2S: S2S{
			ConnectTimeout: 5 * time.Second,
			Timeout:        15 * time.Second,
			PerHost:        8,
			Workers:        32,
			MaxAge:         72 * time.Hour,
			Worker:         true,
		},
		Snapshot:        Snapshot{RefreshInterval: 30 * time.Second},
		UI:              UI{IdleTimeout: 12 * time.Hour},
		Log:             Log{Level: "info", Format: "json"},
		ShutdownTimeout: 30 * time.Second,
	}
}

// Embedded tells whether Kite runs on its embedded storage (SQLite and an
// in-process Redis): a single node.
func (c Config) Embedded() bool { return c.RedisURL == "" }

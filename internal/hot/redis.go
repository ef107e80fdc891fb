// Package hot holds everything Kite keeps in Redis: click records, uniqueness
// and limit counters, the click stream, config-change pub/sub and the local
// spool used while Redis is away.
package hot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis is the Redis connection plus the key prefix of this install. Every
// key Kite writes goes through Key, so several installs (or tests) can share
// one Redis without seeing each other's data.
type Redis struct {
	C        redis.UniversalClient
	Prefix   string
	embedded *miniredis.Miniredis
	caps     sharedTrips[*capCall] // offer-cap counts sharing round trips (see capTrips)
	capsOnce sync.Once
}

// Open connects to url; an empty url starts an in-process Redis (embedded
// mode). Accepted: redis://, rediss://, redis+cluster://h1:p,h2:p.
func Open(ctx context.Context, url, prefix string, log *slog.Logger) (*Redis, error) {
	r := &Redis{Prefix: prefix}
	switch {
	case url == "":
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start in-process redis: %w", err)
		}
		r.embedded = m
		r.C = redis.NewClient(&redis.Options{Addr: m.Addr(), ContextTimeoutEnabled: true, Protocol: resp2})
		if log != nil {
			log.Info("embedded redis started: in-process, single node, clicks cache kept in memory only", "addr", m.Addr())
		}
	case strings.HasPrefix(url, "redis+cluster://"):
		addrs := strings.Split(strings.TrimPrefix(url, "redis+cluster://"), ",")
		r.C = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true, Protocol: resp2})
	default:
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("parse redis url: %w", err)
		}
		opt.PoolSize = 64
		// Without this go-redis ignores context deadlines, and a hung Redis
		// would hold every redirect for the socket timeout.
		opt.ContextTimeoutEnabled = true
		if !strings.Contains(url, "protocol=") {
			opt.Protocol = resp2
		}
		r.C = redis.NewClient(opt)
	}
	return r, nil
}

// resp2 is the protocol Kite speaks unless the URL asks otherwise: Kite
// uses no RESP3 feature, and with RESP3 go-redis looks for pending push
// notifications before every command, which cost about 6 % of a click's
// CPU under load.
const resp2 = 2

// Key builds a key of this install: Key("click", id) = "<prefix>click:<id>".
func (r *Redis) Key(parts ...string) string {
	return r.Prefix + strings.Join(parts, ":")
}

// Embedded tells whether Redis runs in-process.
func (r *Redis) Embedded() bool { return r.embedded != nil }

// Ping checks Redis answers (for /readyz).
func (r *Redis) Ping(ctx context.Context) error { return r.C.Ping(ctx).Err() }

// Close closes the client and stops an in-process Redis.
func (r *Redis) Close() error {
	err := r.C.Close()
	if r.embedded != nil {
		r.embedded.Close()
	}
	return err
}

package hot

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// ScriptCall is one call of a Lua script: its keys and arguments.
type ScriptCall struct {
	Keys []string
	Args []any
}

// EvalShaAll runs the calls of s in one pipeline, by SHA so the script's
// text is not sent each time. Calls Redis answers NOSCRIPT (it restarted,
// or its script cache was flushed) are sent once more after loading the
// script; calls that ran are never repeated, so a script that counts
// (INCR) counts once. Not for Redis Cluster: a script may only touch keys
// of one hash slot.
func (r *Redis) EvalShaAll(ctx context.Context, s *redis.Script, calls []ScriptCall) error {
	cmds, err := r.evalSha(ctx, s, calls)
	if err == nil || !redis.HasErrorPrefix(err, "NOSCRIPT") {
		return err
	}
	var again []ScriptCall
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			again = append(again, calls[i])
		}
	}
	if err := s.Load(ctx, r.C).Err(); err != nil {
		return err
	}
	_, err = r.evalSha(ctx, s, again)
	return err
}

func (r *Redis) evalSha(ctx context.Context, s *redis.Script, calls []ScriptCall) ([]*redis.Cmd, error) {
	pipe := r.C.Pipeline()
	cmds := make([]*redis.Cmd, len(calls))
	for i, c := range calls {
		cmds[i] = s.EvalSha(ctx, pipe, c.Keys, c.Args...)
	}
	_, err := pipe.Exec(ctx)
	return cmds, err
}

// Cluster tells whether r is a Redis Cluster client, where multi-key
// scripts and MGET must not span hash slots.
func (r *Redis) Cluster() bool {
	_, ok := r.C.(*redis.ClusterClient)
	return ok
}

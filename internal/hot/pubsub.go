package hot

import (
	"context"
	"time"
)

// ConfigChannel is the pub/sub channel (under the prefix) that announces a
// configuration change, so every node rebuilds its routing snapshot.
const ConfigChannel = "config-changed"

// PublishConfigChanged tells every node that configuration changed.
func (r *Redis) PublishConfigChanged(ctx context.Context) error {
	return r.C.Publish(ctx, r.Key(ConfigChannel), time.Now().UTC().Format(time.RFC3339Nano)).Err()
}

// SubscribeConfigChanged delivers a signal for each announced change until ctx
// ends. Signals coalesce: a slow reader gets one for many changes. If Redis
// drops the subscription, go-redis resubscribes; the snapshot timer covers the gap.
func (r *Redis) SubscribeConfigChanged(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	sub := r.C.Subscribe(ctx, r.Key(ConfigChannel))
	go func() {
		defer sub.Close()
		ch := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-ch:
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}

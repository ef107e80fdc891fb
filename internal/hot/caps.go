package hot

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Conversion caps: the conversion path counts an offer's conversions per day
// (the day of the offer's conversion_timezone); routing reads the count and
// sends traffic to the alternative offer once the daily cap is reached.

func (r *Redis) capKey(offerID int64, day string) string {
	return r.Key("cap", strconv.FormatInt(offerID, 10), day)
}

// CapDay is the day key of t in the offer's time zone (UTC when unknown).
func CapDay(t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02")
}

// IncrOfferCap counts one more conversion of the offer on day and returns the new count.
func (r *Redis) IncrOfferCap(ctx context.Context, offerID int64, day string) (int64, error) {
	k := r.capKey(offerID, day)
	pipe := r.C.TxPipeline()
	incr := pipe.Incr(ctx, k)
	pipe.Expire(ctx, k, 72*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return incr.Val(), nil
}

// OfferCapCount returns the offer's conversions counted on day (0 if none).
func (r *Redis) OfferCapCount(ctx context.Context, offerID int64, day string) (int64, error) {
	n, err := r.C.Get(ctx, r.capKey(offerID, day)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}

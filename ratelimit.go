package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// The per-key rate limit: a token bucket per service and key type, as
// upstream's check_service_over_api_rate_limit.
const (
	// DefaultRateLimit is a service's rate limit when Service.RateLimit is
	// 0: requests per RateLimitInterval for each of its key types.
	DefaultRateLimit = 3000
	// RateLimitInterval is the period the rate limit is given for.
	RateLimitInterval = 60 * time.Second
	// tokenBucketMax caps a bucket's capacity, whatever the rate limit.
	tokenBucketMax = 1000
	// tokenBucketMin is the floor a bucket never goes below: refused
	// requests take a token too, down to it.
	tokenBucketMin = 0
)

// BucketParams are the rules of a token bucket: how many tokens it gains
// per second, how many it holds at most, and the floor that taking a token
// never goes below.
type BucketParams struct {
	ReplenishPerSec float64
	Max             int64
	Min             int64
}

// Validate reports whether p describes a bucket that can be computed: a
// positive, finite replenish rate and Min <= Max.
func (p BucketParams) Validate() error {
	if !(p.ReplenishPerSec > 0) || math.IsInf(p.ReplenishPerSec, 0) {
		return fmt.Errorf("notify: token bucket: replenish rate %v is not a positive number", p.ReplenishPerSec)
	}
	if p.Min > p.Max {
		return fmt.Errorf("notify: token bucket: min %d is above max %d", p.Min, p.Max)
	}
	return nil
}

// IdleTTL is how long a bucket left alone takes to be full again from its
// floor, plus one token's time: after that, forgetting it changes nothing
// but a fraction of a token, so adapters may let it expire.
func (p BucketParams) IdleTTL() time.Duration {
	secs := float64(p.Max-p.Min+1) / p.ReplenishPerSec
	return time.Duration(math.Ceil(secs)) * time.Second
}

// RateLimitParams returns the bucket of a service whose rate limit is
// rateLimit requests per minute (0 or less: DefaultRateLimit), as upstream
// computes it: replenished by rateLimit/60 tokens a second, holding
// min(ceil(rateLimit/3)+1, 1000), with a floor of 0.
func RateLimitParams(rateLimit int) BucketParams {
	if rateLimit <= 0 {
		rateLimit = DefaultRateLimit
	}
	perInterval := RateLimitInterval.Seconds()
	return BucketParams{
		ReplenishPerSec: float64(rateLimit) / perInterval,
		Max:             min(int64(math.Ceil(float64(rateLimit)/3))+1, tokenBucketMax),
		Min:             tokenBucketMin,
	}
}

// RateLimitCacheKey is the cache key of a service's token bucket for one
// key type: "{service_id}-tokens-{key_type}", upstream's.
func RateLimitCacheKey(serviceID uuid.UUID, keyType KeyType) string {
	return serviceID.String() + "-tokens-" + string(keyType)
}

// Bucket is the state of a token bucket between two requests: the tokens
// it holds and when it was last replenished, in Unix seconds. Replenished
// moves only by whole tokens, so the fraction of a token earned since is
// kept for the next request.
type Bucket struct {
	Tokens      int64
	Replenished float64
}

// NewBucket returns a full bucket, as a bucket never used (or forgotten)
// is.
func NewBucket(now time.Time, p BucketParams) Bucket {
	return Bucket{Tokens: p.Max, Replenished: unixSeconds(now)}
}

// Take adds the whole tokens earned since b was last replenished (up to
// p.Max), takes one (down to p.Min), and returns the tokens left: a
// request may go ahead when at least one is left. A clock that went back
// earns nothing. cache/rediscache runs the same steps in Lua.
func (b *Bucket) Take(now time.Time, p BucketParams) int64 {
	elapsed := max(unixSeconds(now)-b.Replenished, 0)
	earned := math.Floor(elapsed * p.ReplenishPerSec)
	tokens := min(float64(b.Tokens)+earned, float64(p.Max))
	b.Tokens = max(int64(tokens)-1, p.Min)
	b.Replenished += earned / p.ReplenishPerSec
	return b.Tokens
}

// unixSeconds is t in Unix seconds, to the microsecond.
func unixSeconds(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// TokenBucket is an optional Cache ability that makes the rate limit exact
// across every process sharing the cache: the Notifier takes a token from
// the bucket at key in one atomic step. Without it, or while it fails,
// each process keeps its own buckets. cache/cachetest checks it when a
// Cache has it.
type TokenBucket interface {
	// TakeToken runs Bucket.Take on the bucket at key at time now (a
	// missing bucket starts full, as NewBucket) atomically, stores the
	// result, and returns the tokens left. The bucket may be forgotten
	// after p.IdleTTL of disuse. Params that fail p.Validate are an error
	// and change nothing. A bucket never changes a counter (Get, Set,
	// Incr) of the same key: an adapter keeps them apart or refuses the
	// call.
	TakeToken(ctx context.Context, key string, now time.Time, p BucketParams) (int64, error)
}

// RateLimitError is the 429 refusal of a request over the per-key rate
// limit, in upstream's words.
func RateLimitError(keyType KeyType, rateLimit int) *Error {
	return &Error{
		Name:   NameRateLimit,
		Status: http.StatusTooManyRequests,
		Message: fmt.Sprintf("Exceeded rate limit for key type %s of %d requests per %d seconds",
			keyType.label(), rateLimit, int(RateLimitInterval.Seconds())),
	}
}

// checkRateLimit takes a token from the caller's bucket, before anything
// else of a send is looked at, and refuses with RateLimitError when none
// is left. A cache that fails falls back to this process's buckets: the
// request is never failed for it.
func (n *Notifier) checkRateLimit(ctx context.Context, c *Caller) error {
	limit, p, key := rateLimitOf(c)
	now := n.cfg.Clock()
	if n.takeToken(ctx, key, now, p) < 1 {
		return RateLimitError(c.Key.KeyType, limit)
	}
	return nil
}

// rateLimitOf returns the caller's rate limit (requests per minute), its
// bucket's params and the bucket's cache key.
func rateLimitOf(c *Caller) (int, BucketParams, string) {
	limit := c.Service.RateLimit
	if limit <= 0 {
		limit = DefaultRateLimit
	}
	return limit, RateLimitParams(limit), RateLimitCacheKey(c.Service.ID, c.Key.KeyType)
}

// takeToken asks the cache when it is a TokenBucket and answers, else this
// process's buckets.
func (n *Notifier) takeToken(ctx context.Context, key string, now time.Time, p BucketParams) int64 {
	if tb, ok := n.cache.(TokenBucket); ok {
		left, err := tb.TakeToken(ctx, key, now, p)
		if err == nil {
			return left
		}
		if n.buckets.warnDue(now) && !errors.Is(err, context.Canceled) {
			n.log.WarnContext(ctx, "rate limit: cache failed; counting in this process until it answers",
				slog.String("key", key), slog.Any("error", err))
		}
	}
	return n.buckets.take(key, now, p)
}

// Buckets is a set of token buckets in memory, by key, that forgets a
// bucket left unused for its IdleTTL (measured with the now of the calls)
// and sweeps forgotten ones from time to time. The zero value is empty and
// ready. It is not safe for concurrent use: its owner holds a lock around
// it, as the Notifier does for its own buckets and cache/memcache for
// TakeToken.
type Buckets struct {
	m     map[string]bucketEntry
	takes int
}

type bucketEntry struct {
	b       Bucket
	expires time.Time
}

// bucketSweepEvery is how many takes pass between two sweeps of forgotten
// buckets.
const bucketSweepEvery = 4096

// Take runs Bucket.Take on the bucket at key, which starts full when it is
// missing or forgotten, and returns the tokens left.
func (s *Buckets) Take(key string, now time.Time, p BucketParams) int64 {
	if s.m == nil {
		s.m = map[string]bucketEntry{}
	}
	e, ok := s.m[key]
	if !ok || !now.Before(e.expires) {
		e = bucketEntry{b: NewBucket(now, p)}
	}
	left := e.b.Take(now, p)
	e.expires = now.Add(p.IdleTTL())
	s.m[key] = e
	s.takes++
	if s.takes%bucketSweepEvery == 0 {
		for k, v := range s.m {
			if !now.Before(v.expires) {
				delete(s.m, k)
			}
		}
	}
	return left
}

// Len returns the number of buckets held, forgotten ones not yet swept
// included.
func (s *Buckets) Len() int { return len(s.m) }

// localBuckets are the token buckets of one process: the rate limit when
// the Cache has no TokenBucket or it fails.
type localBuckets struct {
	mu      sync.Mutex
	buckets Buckets
	// lastWarn is when a cache failure was last logged (Unix nanoseconds).
	lastWarn atomic.Int64
}

// cacheWarnEvery spaces the warnings about a failing cache, which would
// otherwise come with every request.
const cacheWarnEvery = 10 * time.Second

func (l *localBuckets) take(key string, now time.Time, p BucketParams) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buckets.Take(key, now, p)
}

// warnDue reports whether a cache failure at now should be logged: the
// first one, then at most one every cacheWarnEvery.
func (l *localBuckets) warnDue(now time.Time) bool {
	last := l.lastWarn.Load()
	if last != 0 && now.UnixNano()-last < int64(cacheWarnEvery) {
		return false
	}
	return l.lastWarn.CompareAndSwap(last, now.UnixNano())
}

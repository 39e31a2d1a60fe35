package notify_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// bucketCall is one TakeToken call a fakeBucketCache saw.
type bucketCall struct {
	key string
	p   notify.BucketParams
}

// fakeBucketCache is a Cache with the TokenBucket ability that answers
// left (or err) and records what it was asked.
type fakeBucketCache struct {
	brokenCache
	mu    sync.Mutex
	calls []bucketCall
	left  int64
	err   error
}

func (c *fakeBucketCache) TakeToken(_ context.Context, key string, _ time.Time, p notify.BucketParams) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, bucketCall{key, p})
	return c.left, c.err
}

var _ notify.TokenBucket = (*fakeBucketCache)(nil)

// Upstream: tests/app/notifications/test_validators.py
// test_check_token_bucket_service_over_api_rate_limit_when_rate_limit_has_not_exceeded_limit_succeeds
// (its parameters), with ours: 0 is the default rate limit, not a bucket
// that refuses everything.
func TestRateLimitParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rateLimit int
		replenish float64
		max       int64
	}{
		{"default", 3000, 50, 1000},
		{"rate_limit 24000", 24000, 400, 1000},
		{"rate_limit 10", 10, 0.16666666666666666, 5},
		{"rate_limit 1", 1, 0.016666666666666666, 2},
		{"rate_limit 60", 60, 1, 21},
		{"rate_limit 0 is the default", 0, 50, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := notify.RateLimitParams(tt.rateLimit)
			assert.Equal(t, notify.BucketParams{ReplenishPerSec: tt.replenish, Max: tt.max, Min: 0}, p)
			assert.NoError(t, p.Validate())
		})
	}
}

func TestBucketParamsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    notify.BucketParams
		ok   bool
	}{
		{"upstream default", notify.RateLimitParams(3000), true},
		{"no replenishment", notify.BucketParams{ReplenishPerSec: 0, Max: 1}, false},
		{"negative replenishment", notify.BucketParams{ReplenishPerSec: -1, Max: 1}, false},
		{"floor above capacity", notify.BucketParams{ReplenishPerSec: 1, Max: 1, Min: 2}, false},
		{"negative floor", notify.BucketParams{ReplenishPerSec: 1, Max: 5, Min: -5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.ok {
				assert.NoError(t, tt.p.Validate())
			} else {
				assert.Error(t, tt.p.Validate())
			}
		})
	}
}

// TestBucketTake follows upstream's tally-bucket-rate-limit script step by
// step: whole tokens are earned, the bucket never holds more than max nor
// less than min, and a refused request takes a token too.
func TestBucketTake(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := notify.BucketParams{ReplenishPerSec: 1.0 / 6, Max: 5, Min: 0} // rate_limit 10
	type step struct {
		at   time.Duration // after t0
		left int64
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a full bucket lets max-1 through at once", []step{{0, 4}, {0, 3}, {0, 2}, {0, 1}, {0, 0}, {0, 0}}},
		{"one token per six seconds", []step{{0, 4}, {6 * time.Second, 4}, {11 * time.Second, 3}, {12 * time.Second, 3}}},
		{"never more than max", []step{{0, 4}, {time.Hour, 4}}},
		{"a drained bucket needs two tokens to let one through", []step{
			{0, 4}, {0, 3}, {0, 2}, {0, 1}, {0, 0},
			{6 * time.Second, 0}, {18 * time.Second, 1}, {18 * time.Second, 0},
		}},
		{"a clock that goes back earns nothing", []step{{10 * time.Second, 4}, {0, 3}, {10 * time.Second, 2}}},
		{"fractions are kept for the next request", []step{
			{0, 4}, {0, 3}, {4 * time.Second, 2}, {7 * time.Second, 2}, {12 * time.Second, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := notify.NewBucket(t0, p)
			for i, s := range tt.steps {
				assert.Equal(t, s.left, b.Take(t0.Add(s.at), p), "step %d at +%v", i+1, s.at)
			}
		})
	}
}

func TestBucketParamsIdleTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rateLimit int
		want      time.Duration
	}{
		{3000, 21 * time.Second},
		{60, 22 * time.Second},
		{1, 180 * time.Second},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, notify.RateLimitParams(tt.rateLimit).IdleTTL(), "rate limit %d", tt.rateLimit)
	}
}

// Upstream: test_check_token_bucket_service_over_api_rate_limit_when_exceed_rate_limit_request_fails_raises_error
// and ..._when_rate_limit_has_not_exceeded_limit_succeeds: the bucket is
// asked with the key "{service_id}-tokens-{key_type}" and upstream's
// parameters; fewer than one token left is a 429 RateLimitError.
func TestRateLimitAsksTheCacheBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		keyType notify.KeyType
		label   string
		left    int64
		refused bool
	}{
		{"team, 0 left", notify.KeyTypeTeam, "TEAM", 0, true},
		{"team, -1 left", notify.KeyTypeTeam, "TEAM", -1, true},
		{"live, 0 left", notify.KeyTypeLive, "LIVE", 0, true},
		{"live, -1 left", notify.KeyTypeLive, "LIVE", -1, true},
		{"test, 0 left", notify.KeyTypeSimulate, "TEST", 0, true},
		{"test, -1 left", notify.KeyTypeSimulate, "TEST", -1, true},
		{"live, 1 left", notify.KeyTypeLive, "LIVE", 1, false},
		{"live, 999 left", notify.KeyTypeLive, "LIVE", 999, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cache := &fakeBucketCache{left: tt.left}
			f := newFixture(t, notify.Service{Restricted: true},
				notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
			_, err := f.sendSMS(tt.keyType, teamPhone)
			if tt.refused {
				requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
					"Exceeded rate limit for key type "+tt.label+" of 3000 requests per 60 seconds")
			} else {
				require.NoError(t, err)
			}
			cache.mu.Lock()
			defer cache.mu.Unlock()
			assert.Equal(t, []bucketCall{{f.svc.ID.String() + "-tokens-" + string(tt.keyType),
				notify.BucketParams{ReplenishPerSec: 50, Max: 1000, Min: 0}}}, cache.calls)
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	sends := []struct {
		name string
		send func(f *fixture, kt notify.KeyType) error
	}{
		{"SendSMS", func(f *fixture, kt notify.KeyType) error { _, err := f.sendSMS(kt, teamPhone); return err }},
		{"SendEmail", func(f *fixture, kt notify.KeyType) error { _, err := f.sendEmail(kt, teamEmail); return err }},
		{"SendJSON", func(f *fixture, kt notify.KeyType) error {
			_, err := f.env.Notifier.SendJSON(ctx, f.keys[kt], notify.SMS,
				[]byte(`{"phone_number": "`+teamPhone+`", "template_id": "`+f.sms.ID.String()+`", "personalisation": {"name": "Jo"}}`))
			return err
		}},
		{"SendV1", func(f *fixture, kt notify.KeyType) error {
			_, err := f.env.Notifier.SendV1(ctx, f.keys[kt], notify.SMS,
				[]byte(`{"to": "`+teamPhone+`", "template": "`+f.sms.ID.String()+`", "personalisation": {"name": "Jo"}}`))
			return err
		}},
	}
	for _, s := range sends {
		t.Run(s.name+": the bucket of rate_limit 10 lets 4 through at once", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, notify.Service{Restricted: true, RateLimit: 10})
			for i := range 4 {
				require.NoError(t, s.send(f, notify.KeyTypeLive), "request %d", i+1)
			}
			err := s.send(f, notify.KeyTypeLive)
			requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
				"Exceeded rate limit for key type LIVE of 10 requests per 60 seconds")
			// Each key type has its own bucket.
			require.NoError(t, s.send(f, notify.KeyTypeTeam))
		})
	}
	t.Run("checked before the body is parsed", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, RateLimit: 1})
		_, err := f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], notify.SMS, []byte("not json"))
		requireRefusal(t, err, http.StatusBadRequest, notify.NameBadRequest, notify.MsgInvalidJSON)
		_, err = f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], notify.SMS, []byte("not json"))
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
			"Exceeded rate limit for key type LIVE of 1 requests per 60 seconds")
		_, err = f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], notify.Letter, []byte("{}"))
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
			"Exceeded rate limit for key type LIVE of 1 requests per 60 seconds")
	})
	t.Run("a refused request takes no daily-limit place", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, notify.Service{Restricted: true, RateLimit: 10, MessageLimit: 100})
		for range 4 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err)
		}
		for range 10 {
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.Equal(t, http.StatusTooManyRequests, notify.StatusOf(err))
		}
		count, err := f.env.Cache.Get(ctx, notify.DailyChannelCacheKey(f.svc.ID, notify.DailyLimitSMS, time.Now()))
		require.NoError(t, err)
		assert.EqualValues(t, 4, count)
		stored, err := f.env.Store.CountNotifications(ctx, f.svc.ID, time.Now().Add(-time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 4, stored)
	})
	t.Run("tokens come back with time", func(t *testing.T) {
		t.Parallel()
		clock := &rcClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
		f := newFixture(t, notify.Service{Restricted: true, RateLimit: 60},
			notifytest.WithConfig(func(c *notify.Config) { c.Clock = clock.Now }))
		accepted := 0
		for range 30 {
			if _, err := f.sendSMS(notify.KeyTypeLive, teamPhone); err == nil {
				accepted++
			}
		}
		assert.Equal(t, 20, accepted, "capacity 21: 20 at once")
		clock.Advance(5 * time.Second) // the refused requests drained the bucket: 5 tokens earned, one left after this take
		for range 5 {
			if _, err := f.sendSMS(notify.KeyTypeLive, teamPhone); err == nil {
				accepted++
			}
		}
		assert.Equal(t, 24, accepted)
	})
}

// TestRateLimitWithoutASharedBucket: with no cache, a cache without the
// TokenBucket ability, or one that fails, the process keeps its own
// buckets: the limit still holds and no request fails for the cache.
func TestRateLimitWithoutASharedBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cache notify.Cache
	}{
		{"no cache", nil},
		{"a cache without buckets", brokenCache{}},
		{"a failing bucket", &fakeBucketCache{err: errors.New("redis: connection refused")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, notify.Service{Restricted: true, RateLimit: 10},
				notifytest.WithConfig(func(c *notify.Config) { c.Cache = tt.cache }))
			for i := range 4 {
				_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
				require.NoError(t, err, "request %d", i+1)
			}
			_, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
				"Exceeded rate limit for key type LIVE of 10 requests per 60 seconds")
		})
	}
}

func TestRateLimitCacheKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	assert.Equal(t, f.svc.ID.String()+"-tokens-normal", notify.RateLimitCacheKey(f.svc.ID, notify.KeyTypeLive))
	assert.Equal(t, f.svc.ID.String()+"-tokens-test", notify.RateLimitCacheKey(f.svc.ID, notify.KeyTypeSimulate))
}

func TestBucketsForgetIdleBuckets(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := notify.RateLimitParams(10) // capacity 5, idle TTL 36 s
	tests := []struct {
		name  string
		after time.Duration
		held  int
	}{
		{"kept while it may still differ from a full one", p.IdleTTL() - time.Second, 2},
		{"swept once idle for its TTL", p.IdleTTL(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s notify.Buckets
			assert.Equal(t, int64(4), s.Take("a", t0, p))
			assert.Equal(t, int64(4), s.Take("b", t0, p), "buckets are by key")
			// Busy traffic on "b" later on; a sweep runs within it.
			for range 5000 {
				s.Take("b", t0.Add(tt.after), p)
			}
			assert.Equal(t, tt.held, s.Len())
		})
	}
}

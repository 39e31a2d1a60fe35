package notify_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/rediscache"
	"github.com/notifykit/notify/notifytest"
)

// callCounter is a rediscache that counts the calls the Notifier makes.
type callCounter struct {
	*rediscache.Cache
	calls sync.Map // method name -> *atomic.Int64
}

func (c *callCounter) count(name string) {
	v, _ := c.calls.LoadOrStore(name, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (c *callCounter) n(name string) int64 {
	if v, ok := c.calls.Load(name); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

func (c *callCounter) Get(ctx context.Context, key string) (int64, error) {
	c.count("Get")
	return c.Cache.Get(ctx, key)
}

func (c *callCounter) IncrBelow(ctx context.Context, key string, limit int64) (int64, bool, error) {
	c.count("IncrBelow")
	return c.Cache.IncrBelow(ctx, key, limit)
}

func (c *callCounter) TakeToken(ctx context.Context, key string, now time.Time, p notify.BucketParams) (int64, error) {
	c.count("TakeToken")
	return c.Cache.TakeToken(ctx, key, now, p)
}

func (c *callCounter) TakeTokenAndGet(ctx context.Context, bucket string, now time.Time, p notify.BucketParams, keys []string) (int64, []notify.CachedCount, error) {
	c.count("TakeTokenAndGet")
	return c.Cache.TakeTokenAndGet(ctx, bucket, now, p, keys)
}

func (c *callCounter) IncrBelowBatch(ctx context.Context, places []notify.LimitPlace) []notify.LimitResult {
	c.count("IncrBelowBatch")
	return c.Cache.IncrBelowBatch(ctx, places)
}

func (c *callCounter) AdmitBatch(ctx context.Context, now time.Time, as []notify.Admission) []notify.AdmitResult {
	c.count("AdmitBatch")
	return c.Cache.AdmitBatch(ctx, now, as)
}

// withoutAdmit is a callCounter without the BatchAdmitter ability.
type withoutAdmit struct {
	notify.Cache
	notify.LimitCache
	notify.LimitReleaser
	notify.TokenBucket
	notify.TokenCountReader
	notify.BatchLimitCache
}

func newWithoutAdmit(c *callCounter) withoutAdmit { return withoutAdmit{c, c, c, c, c, c} }

// TestLimitsTakenWithTheRow: with a BatchAdmitter, a send makes no cache
// call of its own: its token and its place are taken with its batch, and
// concurrent sends share those calls.
func TestLimitsTakenWithTheRow(t *testing.T) {
	t.Parallel()
	cache := &callCounter{Cache: redisCache(t)}
	f := limitFixture(t, notify.Service{SMSMessageLimit: 1000},
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
	_, err := f.sendSMS(notify.KeyTypeLive, ukSMS) // seeds the counter from the Store
	require.NoError(t, err)
	gets, incrs := cache.n("Get"), cache.n("IncrBelow")
	const sends = 20
	for range sends {
		_, err := f.sendSMS(notify.KeyTypeLive, ukSMS)
		require.NoError(t, err)
	}
	assert.EqualValues(t, sends+1, cache.n("AdmitBatch"), "one call per commit")
	for _, name := range []string{"TakeTokenAndGet", "TakeToken", "IncrBelowBatch"} {
		assert.Zero(t, cache.n(name), name)
	}
	assert.Equal(t, gets, cache.n("Get"), "no Get once the counter is seeded")
	assert.Equal(t, incrs, cache.n("IncrBelow"), "no IncrBelow once the counter is seeded")
	v, err := cache.Get(ctx, channelKey(f, notify.DailyLimitSMS))
	require.NoError(t, err)
	assert.EqualValues(t, sends+1, v)

	before := cache.n("AdmitBatch")
	got := concurrently(t, f, map[string]int{ukSMS: 200})
	assert.Equal(t, 200, got[ukSMS].accepted)
	assert.Less(t, cache.n("AdmitBatch")-before, int64(200), "concurrent sends share admissions")
	assertStored(t, f, notify.DailyCounts{SMS: sends + 201})
}

// TestLimitsHeldBackKeepTheirAnswers: limits taken with the row answer as
// when checked before the body: a 429 wins over any other refusal, an
// invalid request spends its token, a refused one stores and counts
// nothing, and a simulated recipient is rate limited too.
func TestLimitsHeldBackKeepTheirAnswers(t *testing.T) {
	t.Parallel()
	rc := redisCache(t)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 100, RateLimit: 3}, // a bucket of 2: one request goes through
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = rc }))
	_, err := f.sendSMS(notify.KeyTypeLive, "not a number")
	requireRefusal(t, err, http.StatusBadRequest, "ValidationError", "phone_number Must not contain letters or symbols")
	_, err = f.sendSMS(notify.KeyTypeLive, ukSMS)
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
		"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
	_, err = f.sendSMS(notify.KeyTypeLive, "not a number")
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
		"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
	_, err = f.env.Notifier.SendJSON(ctx, f.keys[notify.KeyTypeLive], notify.SMS, []byte(`{"phone_number": 7}`))
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
		"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
	_, err = f.sendSMS(notify.KeyTypeLive, "07700 900000") // simulated
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
		"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
	assertStored(t, f, notify.DailyCounts{})
	v, err := rc.Get(ctx, channelKey(f, notify.DailyLimitSMS)) // seeded by the first check
	require.NoError(t, err)
	assert.Zero(t, v, "no place was taken")
}

// TestOneCacheCallBeforeTheBody: with a TokenCountReader and a
// BatchLimitCache but no BatchAdmitter, a send makes one cache call for its
// checks and its place is reserved with the batch; concurrent sends share
// reservation calls.
func TestOneCacheCallBeforeTheBody(t *testing.T) {
	t.Parallel()
	counter := &callCounter{Cache: redisCache(t)}
	cache := newWithoutAdmit(counter)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 1000},
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
	_, err := f.sendSMS(notify.KeyTypeLive, ukSMS) // seeds the counter from the Store
	require.NoError(t, err)
	gets := counter.n("Get")
	const sends = 20
	for range sends {
		_, err := f.sendSMS(notify.KeyTypeLive, ukSMS)
		require.NoError(t, err)
	}
	assert.EqualValues(t, sends+1, counter.n("TakeTokenAndGet"))
	assert.Equal(t, gets, counter.n("Get"), "no Get once the counter is seeded")
	assert.Zero(t, counter.n("TakeToken"))
	assert.Zero(t, counter.n("IncrBelow"), "UK texts are reserved in batches")
	assert.EqualValues(t, sends+1, counter.n("IncrBelowBatch"), "one batch per commit")
	v, err := counter.Get(ctx, channelKey(f, notify.DailyLimitSMS))
	require.NoError(t, err)
	assert.EqualValues(t, sends+1, v)

	before := counter.n("IncrBelowBatch")
	got := concurrently(t, f, map[string]int{ukSMS: 200})
	assert.Equal(t, 200, got[ukSMS].accepted)
	assert.Less(t, counter.n("IncrBelowBatch")-before, int64(200), "concurrent sends share reservations")
	assertStored(t, f, notify.DailyCounts{SMS: sends + 201})
}

// TestBatchReservationRefusesPastTheLimit: sends that passed the check
// before the body but find the counter full at their commit get the 429,
// are not stored, and take nothing.
func TestBatchReservationRefusesPastTheLimit(t *testing.T) {
	t.Parallel()
	rc := redisCache(t)
	// The check reads 0: every send passes it and meets the limit only
	// when its place is reserved.
	cache := faultyCache{Cache: rc, suffix: "-sms-" + time.Now().UTC().Format("2006-01-02") + "-count", getZero: true}
	const limit, sends = 10, 60
	f := limitFixture(t, notify.Service{SMSMessageLimit: limit},
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
	require.NoError(t, rc.Set(ctx, channelKey(f, notify.DailyLimitSMS), 0, time.Hour))
	got := concurrently(t, f, map[string]int{ukSMS: sends})
	assert.Equal(t, limit, got[ukSMS].accepted)
	assert.Equal(t, map[string]int{"Exceeded send limits (sms: 10) for today": sends - limit}, got[ukSMS].refused)
	v, err := rc.Get(ctx, channelKey(f, notify.DailyLimitSMS))
	require.NoError(t, err)
	assert.EqualValues(t, limit, v)
	assertStored(t, f, notify.DailyCounts{SMS: limit})
}

// plainLimitCache has the abilities a third-party cache had before the
// batch ones: the Notifier reserves and checks one call at a time.
type plainLimitCache struct {
	notify.Cache
	notify.LimitCache
	notify.LimitReleaser
	notify.TokenBucket
}

// TestLimitsWithoutBatchAbilities: a cache without TokenCountReader and
// BatchLimitCache keeps limits exact and 429s apart.
func TestLimitsWithoutBatchAbilities(t *testing.T) {
	t.Parallel()
	rc := redisCache(t)
	cache := plainLimitCache{rc, rc, rc, rc}
	const limit = 50
	f := limitFixture(t, notify.Service{SMSMessageLimit: limit, EmailMessageLimit: limit, RateLimit: 6000},
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
	got := concurrently(t, f, map[string]int{ukSMS: 200, strangerEm: 200})
	assert.Equal(t, limit, got[ukSMS].accepted)
	assert.Equal(t, limit, got[strangerEm].accepted)
	assertStored(t, f, notify.DailyCounts{SMS: limit, Email: limit})
	for _, name := range []notify.DailyLimitName{notify.DailyLimitSMS, notify.DailyLimitEmail} {
		v, err := rc.Get(ctx, channelKey(f, name))
		require.NoError(t, err)
		assert.EqualValues(t, limit, v, name)
	}
}

// TestRateLimitRefusalTakesNoDailyPlace: a 429 for the rate limit leaves
// the daily counter as it was, through the one-call check.
func TestRateLimitRefusalTakesNoDailyPlace(t *testing.T) {
	t.Parallel()
	rc := redisCache(t)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 100, RateLimit: 3}, // a bucket of 2: one request goes through
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = rc }))
	var refused int
	for range 5 {
		_, err := f.sendSMS(notify.KeyTypeLive, ukSMS)
		if err != nil {
			requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
				"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
			refused++
		}
	}
	assert.Equal(t, 4, refused)
	v, err := rc.Get(ctx, channelKey(f, notify.DailyLimitSMS))
	require.NoError(t, err)
	assert.EqualValues(t, 1, v)
	assertStored(t, f, notify.DailyCounts{SMS: 1})
}

// failingBatchCache is a rediscache whose batch reservations fail.
type failingBatchCache struct{ *rediscache.Cache }

func (c failingBatchCache) IncrBelowBatch(_ context.Context, places []notify.LimitPlace) []notify.LimitResult {
	res := make([]notify.LimitResult, len(places))
	for i := range res {
		res[i].Err = errFault
	}
	return res
}

func (c failingBatchCache) AdmitBatch(_ context.Context, _ time.Time, as []notify.Admission) []notify.AdmitResult {
	res := make([]notify.AdmitResult, len(as))
	for i := range res {
		res[i].Err = errFault
	}
	return res
}

// TestBatchReservationFailureNeverFailsASend: when the cache cannot
// reserve, the sends are stored all the same (the count from the Store
// stands) and counted once stored.
func TestBatchReservationFailureNeverFailsASend(t *testing.T) {
	t.Parallel()
	rc := redisCache(t)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 100},
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = failingBatchCache{rc} }))
	got := concurrently(t, f, map[string]int{ukSMS: 30})
	assert.Equal(t, 30, got[ukSMS].accepted)
	assertStored(t, f, notify.DailyCounts{SMS: 30})
	v, err := rc.Get(ctx, channelKey(f, notify.DailyLimitSMS))
	require.NoError(t, err)
	assert.EqualValues(t, 30, v, "counted after the store, as without a LimitCache")
}

// stuckBatchCache is a rediscache whose batch calls hang until their
// context ends, as a Redis that stopped answering.
type stuckBatchCache struct{ *rediscache.Cache }

func (c stuckBatchCache) AdmitBatch(ctx context.Context, _ time.Time, as []notify.Admission) []notify.AdmitResult {
	<-ctx.Done()
	res := make([]notify.AdmitResult, len(as))
	for i := range res {
		res[i].Err = ctx.Err()
	}
	return res
}

func (c stuckBatchCache) IncrBelowBatch(ctx context.Context, places []notify.LimitPlace) []notify.LimitResult {
	<-ctx.Done()
	res := make([]notify.LimitResult, len(places))
	for i := range res {
		res[i].Err = ctx.Err()
	}
	return res
}

// TestStuckAdmissionsNeverFailASend: when the batch calls of the cache
// hang past the commit timeout, each send checks its limits on its own
// and is stored: a cache that fails never fails a send, and a 429 still
// comes from the checks made.
func TestStuckAdmissionsNeverFailASend(t *testing.T) {
	t.Parallel()
	rc := redisCache(t)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 100, RateLimit: 30}, // a bucket of 11
		notifytest.WithConfig(func(c *notify.Config) {
			c.Cache = stuckBatchCache{rc}
			c.GroupCommit.Timeout = 200 * time.Millisecond
		}))
	got := concurrently(t, f, map[string]int{ukSMS: 15})
	assert.Equal(t, 10, got[ukSMS].accepted)
	assert.Equal(t, map[string]int{"Exceeded rate limit for key type LIVE of 30 requests per 60 seconds": 5}, got[ukSMS].refused)
	assertStored(t, f, notify.DailyCounts{SMS: 10})
}

// TestThrottledCallerChecksFirst: once a caller's send was refused at its
// commit, its next sends check their limits before their body for a
// while: a client over its limit costs one cache call a request.
func TestThrottledCallerChecksFirst(t *testing.T) {
	t.Parallel()
	cache := &callCounter{Cache: redisCache(t)}
	f := limitFixture(t, notify.Service{SMSMessageLimit: 100, RateLimit: 3}, // a bucket of 2: one request goes through
		notifytest.WithConfig(func(c *notify.Config) { c.Cache = cache }))
	_, err := f.sendSMS(notify.KeyTypeLive, ukSMS)
	require.NoError(t, err)
	_, err = f.sendSMS(notify.KeyTypeLive, ukSMS)
	requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
		"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
	assert.EqualValues(t, 2, cache.n("AdmitBatch"))
	assert.Zero(t, cache.n("TakeTokenAndGet"))
	for range 3 {
		_, err = f.sendSMS(notify.KeyTypeLive, ukSMS)
		requireRefusal(t, err, http.StatusTooManyRequests, notify.NameRateLimit,
			"Exceeded rate limit for key type LIVE of 3 requests per 60 seconds")
	}
	assert.EqualValues(t, 2, cache.n("AdmitBatch"), "refused before the body: no row handed over")
	assert.EqualValues(t, 3, cache.n("TakeTokenAndGet"))
	// Another key type of the service is not held back.
	_, err = f.sendSMS(notify.KeyTypeTeam, teamPhone)
	require.NoError(t, err)
	assert.EqualValues(t, 3, cache.n("AdmitBatch"))
	assertStored(t, f, notify.DailyCounts{SMS: 2})
}

// countingFailingAdmitter is a rediscache whose admissions fail at once,
// counting the calls.
type countingFailingAdmitter struct {
	*rediscache.Cache
	calls *atomic.Int64
}

func (c countingFailingAdmitter) AdmitBatch(_ context.Context, _ time.Time, as []notify.Admission) []notify.AdmitResult {
	c.calls.Add(1)
	res := make([]notify.AdmitResult, len(as))
	for i := range res {
		res[i].Err = errFault
	}
	return res
}

// TestFailedAdmissionChecksFirstForAWhile: once an admission failed, sends
// check their limits before their body for a while instead of waiting
// for the batch call to fail again; they are all stored.
func TestFailedAdmissionChecksFirstForAWhile(t *testing.T) {
	t.Parallel()
	calls := new(atomic.Int64)
	f := limitFixture(t, notify.Service{SMSMessageLimit: 100},
		notifytest.WithConfig(func(c *notify.Config) {
			c.Cache = countingFailingAdmitter{redisCache(t), calls}
			at := time.Now()
			c.Clock = func() time.Time { return at } // the while never ends
		}))
	for range 20 {
		_, err := f.sendSMS(notify.KeyTypeLive, ukSMS)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, calls.Load())
	assertStored(t, f, notify.DailyCounts{SMS: 20})
}

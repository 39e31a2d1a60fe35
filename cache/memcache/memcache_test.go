package memcache_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestClockExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ttl     time.Duration
		advance time.Duration
		incr    bool
		wantHit bool
	}{
		{"before expiry", time.Hour, time.Hour - time.Nanosecond, false, true},
		{"at expiry", time.Hour, time.Hour, false, false},
		{"after expiry", time.Hour, 2 * time.Hour, false, false},
		{"ttl 0 never expires", 0, 24 * 365 * time.Hour, false, true},
		{"incr before expiry keeps ttl", time.Hour, 30 * time.Minute, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{now: time.Date(2024, 5, 1, 23, 0, 0, 0, time.UTC)}
			c := memcache.New(memcache.Options{Clock: clock.Now})
			ctx := t.Context()
			require.NoError(t, c.Set(ctx, "k", 10, tc.ttl))
			if tc.incr {
				// Incr half way, then go past the original expiry.
				clock.Advance(tc.advance)
				v, err := c.Incr(ctx, "k")
				require.NoError(t, err)
				require.Equal(t, int64(11), v)
			}
			clock.Advance(tc.advance)
			v, err := c.Get(ctx, "k")
			if tc.wantHit {
				require.NoError(t, err)
				assert.Equal(t, int64(10), v)
				return
			}
			require.ErrorIs(t, err, notify.ErrCacheMiss)
			_, err = c.Incr(ctx, "k")
			require.ErrorIs(t, err, notify.ErrCacheMiss)
		})
	}
}

func TestNegativeTTL(t *testing.T) {
	t.Parallel()
	c := memcache.New(memcache.Options{})
	err := c.Set(t.Context(), "k", 1, -time.Second)
	require.Error(t, err)
	_, err = c.Get(t.Context(), "k")
	assert.ErrorIs(t, err, notify.ErrCacheMiss)
}

func TestNilClockIsTimeNow(t *testing.T) {
	t.Parallel()
	c := memcache.New(memcache.Options{Clock: nil})
	require.NoError(t, c.Set(t.Context(), "k", 1, time.Hour))
	v, err := c.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Equal(t, int64(1), v)
}

func TestExpiredKeysAreSwept(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	c := memcache.New(memcache.Options{Clock: clock.Now})
	ctx := t.Context()
	for i := range 1000 {
		require.NoError(t, c.Set(ctx, fmt.Sprint("old-", i), 1, time.Minute))
	}
	require.Equal(t, 1000, c.Len())
	clock.Advance(time.Hour)
	for i := range 100 { // the sweep runs within these writes
		require.NoError(t, c.Set(ctx, fmt.Sprint("new-", i), 1, 0))
	}
	assert.Equal(t, 100, c.Len(), "expired keys were not swept")
}

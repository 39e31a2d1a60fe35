// The in-memory Cache: the default of a Notifier built without one.

package notify

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// cacheSweepEvery is how many writes pass between two sweeps of expired keys.
const cacheSweepEvery = 1024

// MemoryCache is an in-memory Cache. The zero value is not usable; call NewMemoryCache.
type MemoryCache struct {
	now    func() time.Time
	mu     sync.Mutex
	items  map[string]cacheEntry
	writes int
}

type cacheEntry struct {
	value int64
	// expires is when the cacheEntry stops existing; zero means never.
	expires time.Time
}

func (e cacheEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

var _ Cache = (*MemoryCache)(nil)

// MemoryCacheOption configures a MemoryCache.
type MemoryCacheOption func(*MemoryCache)

// WithMemoryCacheClock makes the MemoryCache read the time from now instead of time.Now, so
// that tests can move time forward. A nil now is ignored.
func WithMemoryCacheClock(now func() time.Time) MemoryCacheOption {
	return func(c *MemoryCache) {
		if now != nil {
			c.now = now
		}
	}
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache(opts ...MemoryCacheOption) *MemoryCache {
	c := &MemoryCache{now: time.Now, items: map[string]cacheEntry{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

func cacheCheckCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache: %w", err)
	}
	return nil
}

// lookup returns the live cacheEntry at key, dropping it if it has expired.
// c.mu must be held.
func (c *MemoryCache) lookup(key string) (cacheEntry, bool) {
	e, ok := c.items[key]
	if !ok {
		return cacheEntry{}, false
	}
	if e.expired(c.now()) {
		delete(c.items, key)
		return cacheEntry{}, false
	}
	return e, true
}

// Get returns the counter at key, or an error wrapping ErrCacheMiss.
func (c *MemoryCache) Get(ctx context.Context, key string) (int64, error) {
	if err := cacheCheckCtx(ctx); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lookup(key)
	if !ok {
		return 0, fmt.Errorf("memcache: get %q: %w", key, ErrCacheMiss)
	}
	return e.value, nil
}

// Set stores value at key, expiring after ttl (0: never). It replaces any
// earlier value and expiry. A negative ttl is an error.
func (c *MemoryCache) Set(ctx context.Context, key string, value int64, ttl time.Duration) error {
	if err := cacheCheckCtx(ctx); err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("memcache: set %q: negative ttl %v", key, ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := cacheEntry{value: value}
	now := c.now()
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}
	c.items[key] = e
	c.writes++
	if c.writes%cacheSweepEvery == 0 {
		for k, e := range c.items {
			if e.expired(now) {
				delete(c.items, k)
			}
		}
	}
	return nil
}

// Incr adds one to an existing counter, keeping its expiry, and returns the
// new value. A missing key is not created: the error wraps
// ErrCacheMiss.
func (c *MemoryCache) Incr(ctx context.Context, key string) (int64, error) {
	if err := cacheCheckCtx(ctx); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lookup(key)
	if !ok {
		return 0, fmt.Errorf("memcache: incr %q: %w", key, ErrCacheMiss)
	}
	e.value++
	c.items[key] = e
	return e.value, nil
}

// IncrBelow adds one to an existing counter only if its value is below
// limit, atomically, and returns the value and whether it added. A missing
// key is not created: the error wraps ErrCacheMiss.
func (c *MemoryCache) IncrBelow(ctx context.Context, key string, limit int64) (int64, bool, error) {
	if err := cacheCheckCtx(ctx); err != nil {
		return 0, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lookup(key)
	if !ok {
		return 0, false, fmt.Errorf("memcache: incr below %q: %w", key, ErrCacheMiss)
	}
	if e.value >= limit {
		return e.value, false, nil
	}
	e.value++
	c.items[key] = e
	return e.value, true, nil
}

// SetIfAbsent stores value at key, expiring after ttl (0: never), only if
// the key does not exist, and reports whether it stored it.
func (c *MemoryCache) SetIfAbsent(ctx context.Context, key string, value int64, ttl time.Duration) (bool, error) {
	if err := cacheCheckCtx(ctx); err != nil {
		return false, err
	}
	if ttl < 0 {
		return false, fmt.Errorf("memcache: set if absent %q: negative ttl %v", key, ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.lookup(key); ok {
		return false, nil
	}
	e := cacheEntry{value: value}
	if ttl > 0 {
		e.expires = c.now().Add(ttl)
	}
	c.items[key] = e
	return true, nil
}

var _ LimitCache = (*MemoryCache)(nil)

// Len returns the number of keys held, expired ones not yet dropped
// included.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

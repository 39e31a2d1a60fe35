// Package memcache is an in-memory notify.Cache for a single process: the
// cache of unit tests, examples and single-process programs. Expiry is lazy:
// an expired key is dropped when it is next read, and expired keys are swept
// from time to time on writes. Processes that share a Store should share a
// cache too (cache/rediscache) or use none: a per-process cache would
// undercount the others' notifications.
package memcache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/notifykit/notify"
)

// sweepEvery is how many writes pass between two sweeps of expired keys.
const sweepEvery = 1024

// Cache is an in-memory notify.Cache. The zero value is not usable; call New.
type Cache struct {
	now    func() time.Time
	mu     sync.Mutex
	items  map[string]entry
	writes int
	// buckets are the token buckets of TakeToken (bucket.go).
	buckets notify.Buckets
}

type entry struct {
	value int64
	// expires is when the entry stops existing; zero means never.
	expires time.Time
}

func (e entry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

var _ notify.Cache = (*Cache)(nil)

// Option configures a Cache.
type Option func(*Cache)

// WithClock makes the Cache read the time from now instead of time.Now, so
// that tests can move time forward. A nil now is ignored.
func WithClock(now func() time.Time) Option {
	return func(c *Cache) {
		if now != nil {
			c.now = now
		}
	}
}

// New returns an empty Cache.
func New(opts ...Option) *Cache {
	c := &Cache{now: time.Now, items: map[string]entry{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache: %w", err)
	}
	return nil
}

// lookup returns the live entry at key, dropping it if it has expired.
// c.mu must be held.
func (c *Cache) lookup(key string) (entry, bool) {
	e, ok := c.items[key]
	if !ok {
		return entry{}, false
	}
	if e.expired(c.now()) {
		delete(c.items, key)
		return entry{}, false
	}
	return e, true
}

// Get returns the counter at key, or an error wrapping notify.ErrCacheMiss.
func (c *Cache) Get(ctx context.Context, key string) (int64, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lookup(key)
	if !ok {
		return 0, fmt.Errorf("memcache: get %q: %w", key, notify.ErrCacheMiss)
	}
	return e.value, nil
}

// Set stores value at key, expiring after ttl (0: never). It replaces any
// earlier value and expiry. A negative ttl is an error.
func (c *Cache) Set(ctx context.Context, key string, value int64, ttl time.Duration) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("memcache: set %q: negative ttl %v", key, ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := entry{value: value}
	now := c.now()
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}
	c.items[key] = e
	c.writes++
	if c.writes%sweepEvery == 0 {
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
// notify.ErrCacheMiss.
func (c *Cache) Incr(ctx context.Context, key string) (int64, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lookup(key)
	if !ok {
		return 0, fmt.Errorf("memcache: incr %q: %w", key, notify.ErrCacheMiss)
	}
	e.value++
	c.items[key] = e
	return e.value, nil
}

// IncrBelow adds one to an existing counter only if its value is below
// limit, atomically, and returns the value and whether it added. A missing
// key is not created: the error wraps notify.ErrCacheMiss.
func (c *Cache) IncrBelow(ctx context.Context, key string, limit int64) (int64, bool, error) {
	if err := checkCtx(ctx); err != nil {
		return 0, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.lookup(key)
	if !ok {
		return 0, false, fmt.Errorf("memcache: incr below %q: %w", key, notify.ErrCacheMiss)
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
func (c *Cache) SetIfAbsent(ctx context.Context, key string, value int64, ttl time.Duration) (bool, error) {
	if err := checkCtx(ctx); err != nil {
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
	e := entry{value: value}
	if ttl > 0 {
		e.expires = c.now().Add(ttl)
	}
	c.items[key] = e
	return true, nil
}

var _ notify.LimitCache = (*Cache)(nil)

// Len returns the number of keys held, expired ones not yet dropped
// included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

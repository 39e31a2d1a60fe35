// Package rediscache is a notify.Cache on Redis (github.com/redis/go-redis/v9),
// so that several API processes share the daily counters.
//
// Counters are plain Redis strings holding a decimal integer, under an
// optional key prefix. Incr runs a small Lua script that increments a key
// only if it exists, so a counter is never created by an increment and keeps
// the expiry Set gave it. Every failure, a Redis error or a value that is not
// an integer, is returned wrapped: the Notifier decides to fall back to the
// Store, the cache never hides an error.
package rediscache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
)

// Options configures a Cache. The zero value is usable.
type Options struct {
	// Prefix is put before every key, e.g. "notify:" (default: none).
	Prefix string
}

// Cache is a notify.Cache on Redis. It is safe for concurrent use; it does
// not own the client, so closing the client is the caller's job.
type Cache struct {
	client redis.UniversalClient
	prefix string
}

var _ notify.Cache = (*Cache)(nil)

// incrExisting increments KEYS[1] only when it exists and returns the new
// value, or nil (redis.Nil to the client) when it does not. INCR keeps the
// key's expiry.
var incrExisting = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
	return redis.call('INCR', KEYS[1])
end
return false
`)

// New returns a Cache that stores counters through client.
func New(client redis.UniversalClient, opts Options) *Cache {
	return &Cache{client: client, prefix: opts.Prefix}
}

// key returns the Redis key of a counter.
func (c *Cache) key(key string) string { return c.prefix + key }

// Get returns the counter at key, or an error wrapping notify.ErrCacheMiss
// when there is none. A value that is not an integer is an error.
func (c *Cache) Get(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("rediscache: get %q: %w", key, err)
	}
	s, err := c.client.Get(ctx, c.key(key)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("rediscache: get %q: %w", key, notify.ErrCacheMiss)
	}
	if err != nil {
		return 0, fmt.Errorf("rediscache: get %q: %w", key, err)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("rediscache: get %q: value is not an integer: %w", key, err)
	}
	return v, nil
}

// Set stores value at key, expiring after ttl (0: never). It replaces any
// earlier value and expiry. A negative ttl is an error. Sub-second ttls are
// kept to the millisecond.
func (c *Cache) Set(ctx context.Context, key string, value int64, ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("rediscache: set %q: negative ttl %v", key, ttl)
	}
	if ttl > 0 && ttl < time.Millisecond {
		ttl = time.Millisecond // go-redis would read less than 1 ms as "no expiry"
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("rediscache: set %q: %w", key, err)
	}
	if err := c.client.Set(ctx, c.key(key), value, ttl).Err(); err != nil {
		return fmt.Errorf("rediscache: set %q: %w", key, err)
	}
	return nil
}

// Incr adds one to the existing counter at key and returns the new value,
// keeping its expiry. A missing key is not created: Incr returns an error
// wrapping notify.ErrCacheMiss. Increments are atomic in Redis, so
// concurrent ones from any number of processes are never lost.
func (c *Cache) Incr(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("rediscache: incr %q: %w", key, err)
	}
	v, err := incrExisting.Run(ctx, c.client, []string{c.key(key)}).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("rediscache: incr %q: %w", key, notify.ErrCacheMiss)
	}
	if err != nil {
		return 0, fmt.Errorf("rediscache: incr %q: %w", key, err)
	}
	return v, nil
}

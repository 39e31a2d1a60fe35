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

var _ notify.LimitCache = (*Cache)(nil)

// incrBelow adds one to KEYS[1] only when it exists and holds an integer
// below ARGV[1], in one atomic step inside Redis. It returns nil (redis.Nil
// to the client) for a missing key, an error reply for a value that is not
// an integer, and otherwise a pair: the resulting value (an integer when it
// added, the stored decimal string when it did not) and 1 or 0 for added.
var incrBelow = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
	return false
end
if not string.match(v, '^%-?%d+$') then
	return redis.error_reply('ERR value is not an integer or out of range')
end
if tonumber(v) >= tonumber(ARGV[1]) then
	return {v, 0}
end
return {redis.call('INCR', KEYS[1]), 1}
`)

// IncrBelow adds one to the existing counter at key only if its value is
// below limit and returns the resulting value and whether it added. The
// check and the increment run as one Lua script, so any number of processes
// sharing the Redis can never take more than limit places between them. The
// key keeps its expiry. A missing key is not created: the error wraps
// notify.ErrCacheMiss. A value that is not an integer is an error and is
// left unchanged.
func (c *Cache) IncrBelow(ctx context.Context, key string, limit int64) (int64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, fmt.Errorf("rediscache: incr below %q: %w", key, err)
	}
	res, err := incrBelow.Run(ctx, c.client, []string{c.key(key)}, limit).Slice()
	if errors.Is(err, redis.Nil) {
		return 0, false, fmt.Errorf("rediscache: incr below %q: %w", key, notify.ErrCacheMiss)
	}
	if err != nil {
		return 0, false, fmt.Errorf("rediscache: incr below %q: %w", key, err)
	}
	v, added, err := parsePair(res)
	if err != nil {
		return 0, false, fmt.Errorf("rediscache: incr below %q: %w", key, err)
	}
	return v, added, nil
}

// parsePair reads the script's {value, added} reply.
func parsePair(res []any) (int64, bool, error) {
	if len(res) != 2 {
		return 0, false, fmt.Errorf("unexpected reply of %d elements", len(res))
	}
	var v int64
	switch x := res[0].(type) {
	case int64:
		v = x
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("value is not an integer: %w", err)
		}
		v = n
	default:
		return 0, false, fmt.Errorf("unexpected value of type %T", res[0])
	}
	added, ok := res[1].(int64)
	if !ok {
		return 0, false, fmt.Errorf("unexpected flag of type %T", res[1])
	}
	return v, added == 1, nil
}

// SetIfAbsent stores value at key, expiring after ttl (0: never), only if
// the key does not exist, and reports whether it stored it (SET NX). A
// counter seeded from the Store must not overwrite one that concurrent
// requests have already incremented: the first seed wins and later ones
// leave it alone. A negative ttl is an error.
func (c *Cache) SetIfAbsent(ctx context.Context, key string, value int64, ttl time.Duration) (bool, error) {
	if ttl < 0 {
		return false, fmt.Errorf("rediscache: set if absent %q: negative ttl %v", key, ttl)
	}
	if ttl > 0 && ttl < time.Millisecond {
		ttl = time.Millisecond // go-redis would read less than 1 ms as "no expiry"
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("rediscache: set if absent %q: %w", key, err)
	}
	ok, err := c.client.SetNX(ctx, c.key(key), value, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("rediscache: set if absent %q: %w", key, err)
	}
	return ok, nil
}

package rediscache

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
)

var _ notify.LimitReleaser = (*Cache)(nil)

// decrIfPositive subtracts one from KEYS[1] only when it exists and holds
// an integer above zero, in one atomic step inside Redis, and returns the
// resulting value (the stored one when it did not subtract). It returns
// nil (redis.Nil to the client) for a missing key and an error reply for a
// value that is not an integer. DECR keeps the key's expiry.
var decrIfPositive = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
	return false
end
if not string.match(v, '^%-?%d+$') then
	return redis.error_reply('ERR value is not an integer or out of range')
end
if tonumber(v) <= 0 then
	return v
end
return redis.call('DECR', KEYS[1])
`)

// DecrIfPositive subtracts one from the existing counter at key if it is
// above zero and returns the resulting value: it gives back a daily-limit
// place that IncrBelow reserved for a notification that was not stored.
// The check and the decrement run as one Lua script, so a counter never
// goes below zero however many processes release at once, and the key
// keeps its expiry. A missing key is not created: the error wraps
// notify.ErrCacheMiss. A value that is not an integer is an error and is
// left unchanged.
func (c *Cache) DecrIfPositive(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("rediscache: decr if positive %q: %w", key, err)
	}
	v, err := decrIfPositive.Run(ctx, c.client, []string{c.key(key)}).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("rediscache: decr if positive %q: %w", key, notify.ErrCacheMiss)
	}
	if err != nil {
		return 0, fmt.Errorf("rediscache: decr if positive %q: %w", key, err)
	}
	return v, nil
}

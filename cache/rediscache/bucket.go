package rediscache

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
)

var _ notify.TokenBucket = (*Cache)(nil)

// takeToken is notify.Bucket.Take inside Redis, so that every process
// sharing the Redis takes from the same bucket in one atomic step (the
// steps of upstream's tally-bucket-rate-limit script). KEYS[1] is a hash
// with the fields tokens and replenished (Unix seconds); a missing one is
// a full bucket. ARGV: now (Unix seconds), replenish per second, max, min,
// and the expiry in milliseconds. It returns the tokens left.
//
// Numbers are Lua doubles, as float64 in Go; replenished is stored with
// 17 significant digits so that it reads back exactly.
var takeToken = redis.NewScript(bucketLua + `
return tokens
`)

// bucketLua is the body of takeToken up to its answer: it leaves the
// tokens left in the local tokens. admit runs it too.
const bucketLua = `
local now = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local min = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'replenished')
local tokens = tonumber(state[1])
local replenished = tonumber(state[2])
if tokens == nil or replenished == nil then
	tokens = max
	replenished = now
end
local elapsed = math.max(now - replenished, 0)
local earned = math.floor(elapsed * rate)
tokens = math.min(tokens + earned, max)
tokens = math.max(tokens - 1, min)
replenished = replenished + earned / rate
redis.call('HSET', KEYS[1], 'tokens', string.format('%d', tokens), 'replenished', string.format('%.17g', replenished))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
`

// TakeToken takes a token from the bucket at key at time now and returns
// the tokens left, in one Lua script: any number of processes sharing the
// Redis take from one bucket and never get more than it holds between
// them. A missing bucket starts full. The bucket is a hash under the
// key's prefix and expires after p.IdleTTL of disuse. Params that fail
// p.Validate are an error and change nothing; so is a key holding another
// type of value.
func (c *Cache) TakeToken(ctx context.Context, key string, now time.Time, p notify.BucketParams) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, fmt.Errorf("rediscache: take token %q: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("rediscache: take token %q: %w", key, err)
	}
	left, err := takeToken.Run(ctx, c.client, []string{c.key(key)}, bucketArgs(now, p)...).Int64()
	if err != nil {
		return 0, fmt.Errorf("rediscache: take token %q: %w", key, err)
	}
	return left, nil
}

// bucketArgs are the ARGV of the takeToken script.
func bucketArgs(now time.Time, p notify.BucketParams) []any {
	return []any{
		strconv.FormatFloat(float64(now.UnixMicro())/1e6, 'g', -1, 64),
		strconv.FormatFloat(p.ReplenishPerSec, 'g', -1, 64),
		p.Max, p.Min,
		p.IdleTTL().Milliseconds(),
	}
}

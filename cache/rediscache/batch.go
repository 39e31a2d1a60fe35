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

var (
	_ notify.TokenCountReader = (*Cache)(nil)
	_ notify.BatchLimitCache  = (*Cache)(nil)
)

// TakeTokenAndGet takes a token from the bucket at bucket, as TakeToken,
// and reads the counters at keys, as Get, in one pipelined round trip (on
// Redis Cluster, one per node the keys live on). The script of the bucket
// is sent by its SHA; after a Redis restart that forgot it, it is loaded
// and run again in a second round trip. A missing counter is Found false;
// a value that is not an integer is an error.
func (c *Cache) TakeTokenAndGet(ctx context.Context, bucket string, now time.Time, p notify.BucketParams, keys []string) (int64, []notify.CachedCount, error) {
	if err := p.Validate(); err != nil {
		return 0, nil, fmt.Errorf("rediscache: take token %q: %w", bucket, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, fmt.Errorf("rediscache: take token %q: %w", bucket, err)
	}
	args := bucketArgs(now, p)
	bkeys := []string{c.key(bucket)}
	var take *redis.Cmd
	gets := make([]*redis.StringCmd, len(keys))
	_, _ = c.client.Pipelined(ctx, func(pl redis.Pipeliner) error {
		take = pl.EvalSha(ctx, takeToken.Hash(), bkeys, args...)
		for i, k := range keys {
			gets[i] = pl.Get(ctx, c.key(k))
		}
		return nil
	})
	left, err := take.Int64()
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		left, err = takeToken.Run(ctx, c.client, bkeys, args...).Int64()
	}
	if err != nil {
		return 0, nil, fmt.Errorf("rediscache: take token %q: %w", bucket, err)
	}
	counts := make([]notify.CachedCount, len(keys))
	for i, g := range gets {
		s, err := g.Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return 0, nil, fmt.Errorf("rediscache: get %q: %w", keys[i], err)
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, nil, fmt.Errorf("rediscache: get %q: value is not an integer: %w", keys[i], err)
		}
		counts[i] = notify.CachedCount{Value: v, Found: true}
	}
	return left, counts, nil
}

// IncrBelowBatch runs the IncrBelow script for each place, in order, in one
// pipelined round trip (on Redis Cluster, one per node). Each place is
// taken atomically on its own, as by IncrBelow; Redis runs the commands of
// one connection in order, so places on one key are taken in order. When
// Redis forgot the script, it is loaded and the places that found it
// missing are sent again, in order, in a second round trip.
func (c *Cache) IncrBelowBatch(ctx context.Context, places []notify.LimitPlace) []notify.LimitResult {
	res := make([]notify.LimitResult, len(places))
	if len(places) == 0 {
		return res
	}
	if err := ctx.Err(); err != nil {
		for i, p := range places {
			res[i].Err = fmt.Errorf("rediscache: incr below %q: %w", p.Key, err)
		}
		return res
	}
	cmds := c.evalEach(ctx, incrBelow, len(places), func(i int) ([]string, []any) {
		return []string{c.key(places[i].Key)}, []any{places[i].Limit}
	})
	for i, cmd := range cmds {
		reply, err := cmd.Slice()
		switch {
		case errors.Is(err, redis.Nil):
			err = notify.ErrCacheMiss
		case err == nil:
			res[i].Value, res[i].Added, err = parsePair(reply)
		}
		if err != nil {
			res[i] = notify.LimitResult{Err: fmt.Errorf("rediscache: incr below %q: %w", places[i].Key, err)}
		}
	}
	return res
}

// DecrIfPositiveBatch runs the DecrIfPositive script for each key, in
// order, in one pipelined round trip (on Redis Cluster, one per node), and
// again for the keys that found the script forgotten. A missing key is an
// error wrapping notify.ErrCacheMiss.
func (c *Cache) DecrIfPositiveBatch(ctx context.Context, keys []string) []error {
	errs := make([]error, len(keys))
	if len(keys) == 0 {
		return errs
	}
	if err := ctx.Err(); err != nil {
		for i, k := range keys {
			errs[i] = fmt.Errorf("rediscache: decr if positive %q: %w", k, err)
		}
		return errs
	}
	cmds := c.evalEach(ctx, decrIfPositive, len(keys), func(i int) ([]string, []any) {
		return []string{c.key(keys[i])}, nil
	})
	for i, cmd := range cmds {
		err := cmd.Err()
		if errors.Is(err, redis.Nil) {
			err = notify.ErrCacheMiss
		}
		if err != nil {
			errs[i] = fmt.Errorf("rediscache: decr if positive %q: %w", keys[i], err)
		}
	}
	return errs
}

// evalEach runs script once for each of n elements, in order, in one
// pipelined round trip (on Redis Cluster, one per node), with the keys and
// arguments args gives for element i; when Redis forgot the script (a
// restart), it is loaded and the elements that found it missing are sent
// again, in order, in a second round trip. It returns the command of each
// element; one whose script could not be loaded carries that error.
func (c *Cache) evalEach(ctx context.Context, script *redis.Script, n int, args func(i int) ([]string, []any)) []*redis.Cmd {
	cmds := make([]*redis.Cmd, n)
	todo := make([]int, n)
	for i := range todo {
		todo[i] = i
	}
	for try := 0; try < 2 && len(todo) > 0; try++ {
		if try == 1 {
			if err := script.Load(ctx, c.client).Err(); err != nil {
				for _, i := range todo {
					cmds[i].SetErr(err)
				}
				return cmds
			}
		}
		_, _ = c.client.Pipelined(ctx, func(pl redis.Pipeliner) error {
			for _, i := range todo {
				keys, argv := args(i)
				cmds[i] = pl.EvalSha(ctx, script.Hash(), keys, argv...)
			}
			return nil
		})
		var again []int
		for _, i := range todo {
			if try == 0 && redis.HasErrorPrefix(cmds[i].Err(), "NOSCRIPT") {
				again = append(again, i)
			}
		}
		todo = again
	}
	return cmds
}

package rediscache

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
)

var _ notify.BatchAdmitter = (*Cache)(nil)

// admit is one notify.Admission in one atomic step: the counter of its
// place (KEYS[2], when given) is read and checked first, so that a value
// that is not an integer INCR takes (none of 19 digits or more, no
// leading zero) fails the admission before anything is written;
// then a token is taken from the bucket at KEYS[1] as takeToken takes it
// (ARGV[1..5]); then, only when at least one token is left, the place is
// taken below ARGV[6] as incrBelow takes it. It returns {tokens left,
// place, value}: place -1 none asked or no token left, -2 the counter is
// missing (not created), 0 refused at the limit, 1 taken.
var admit = redis.NewScript(`
local v = false
if #KEYS > 1 then
	v = redis.call('GET', KEYS[2])
	if v and (#v > 18 or not (v == '0' or string.match(v, '^%-?[1-9]%d*$'))) then
		return redis.error_reply('ERR value is not an integer or out of range')
	end
end
` + bucketLua + `
if #KEYS < 2 or tokens < 1 then
	return {tokens, -1, 0}
end
if not v then
	return {tokens, -2, 0}
end
if tonumber(v) >= tonumber(ARGV[6]) then
	return {tokens, 0, v}
end
return {tokens, 1, redis.call('INCR', KEYS[2])}
`)

// AdmitBatch takes the token and the place of each admission, in order.
// On one Redis (a Client, which a failover client is too) every admission
// is one run of the admit script, all of them in one pipelined round trip
// (and a second for those that found the script forgotten after a Redis
// restart). On a Cluster or a Ring, where a bucket and a counter may live
// on different nodes, the tokens are taken in one pipeline and the places
// of the admissions left a token in a second (IncrBelowBatch): each
// admission is then two steps, exact all the same, as its place is taken
// only after its token.
func (c *Cache) AdmitBatch(ctx context.Context, now time.Time, as []notify.Admission) []notify.AdmitResult {
	res := make([]notify.AdmitResult, len(as))
	if len(as) == 0 {
		return res
	}
	if err := ctx.Err(); err != nil {
		for i, a := range as {
			res[i].Err = fmt.Errorf("rediscache: admit %q: %w", a.Bucket, err)
		}
		return res
	}
	var todo []int
	for i, a := range as {
		if err := a.Params.Validate(); err != nil {
			res[i].Err = fmt.Errorf("rediscache: admit %q: %w", a.Bucket, err)
			continue
		}
		todo = append(todo, i)
	}
	if _, single := c.client.(*redis.Client); single {
		c.admitScripted(ctx, now, as, todo, res)
	} else {
		c.admitInSteps(ctx, now, as, todo, res)
	}
	return res
}

// admitScripted runs the admit script for each of the admissions todo.
func (c *Cache) admitScripted(ctx context.Context, now time.Time, as []notify.Admission, todo []int, res []notify.AdmitResult) {
	cmds := c.evalEach(ctx, admit, len(todo), func(j int) ([]string, []any) {
		a := as[todo[j]]
		keys := []string{c.key(a.Bucket)}
		args := bucketArgs(now, a.Params)
		if a.Place.Key != "" {
			keys = append(keys, c.key(a.Place.Key))
			args = append(args, a.Place.Limit)
		}
		return keys, args
	})
	for j, i := range todo {
		reply, err := cmds[j].Int64Slice()
		if err == nil && len(reply) != 3 {
			err = fmt.Errorf("unexpected reply %v", reply)
		}
		if err != nil {
			res[i].Err = fmt.Errorf("rediscache: admit %q: %w", as[i].Bucket, err)
			continue
		}
		res[i].Left = reply[0]
		switch reply[1] {
		case -2:
			res[i].Place.Err = fmt.Errorf("rediscache: incr below %q: %w", as[i].Place.Key, notify.ErrCacheMiss)
		case 0, 1:
			res[i].Place = notify.LimitResult{Value: reply[2], Added: reply[1] == 1}
		}
	}
}

// admitInSteps takes the tokens of the admissions todo in one pipeline,
// then the places of those left a token with IncrBelowBatch.
func (c *Cache) admitInSteps(ctx context.Context, now time.Time, as []notify.Admission, todo []int, res []notify.AdmitResult) {
	cmds := make([]*redis.Cmd, len(todo))
	_, _ = c.client.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for j, i := range todo {
			cmds[j] = pl.EvalSha(ctx, takeToken.Hash(), []string{c.key(as[i].Bucket)}, bucketArgs(now, as[i].Params)...)
		}
		return nil
	})
	var places []notify.LimitPlace
	var owners []int
	for j, i := range todo {
		left, err := cmds[j].Int64()
		if redis.HasErrorPrefix(err, "NOSCRIPT") {
			left, err = takeToken.Run(ctx, c.client, []string{c.key(as[i].Bucket)}, bucketArgs(now, as[i].Params)...).Int64()
		}
		if err != nil {
			res[i].Err = fmt.Errorf("rediscache: admit %q: %w", as[i].Bucket, err)
			continue
		}
		res[i].Left = left
		if left >= 1 && as[i].Place.Key != "" {
			places = append(places, as[i].Place)
			owners = append(owners, i)
		}
	}
	for j, r := range c.IncrBelowBatch(ctx, places) {
		if j < len(owners) {
			res[owners[j]].Place = r
		}
	}
}

package redisqueue

import (
	"context"
	"slices"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/queueing"
)

var _ notify.BatchConsumer = (*Queue)(nil)

// ackScript acknowledges and deletes the entries ARGV[2…] of the stream
// KEYS[1] for the group ARGV[1] (XACK + XDEL) in one atomic step, and
// returns how many were still pending.
var ackScript = redis.NewScript(`
local ids = {}
for i = 2, #ARGV do
	ids[#ids + 1] = ARGV[i]
end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
return acked
`)

// maxAck caps the entries one ackScript call names (Lua's unpack has a
// limit on its results).
const maxAck = 1000

// ConsumeBatch is Consume with up to size tasks per handler call: each
// XREADGROUP (or XAUTOCLAIM) reads up to size tasks per free worker, and
// Options.Workers handler calls run at once. A batch is what is waiting:
// ConsumeBatch never waits to fill one. The tasks a handler acknowledges
// (nil) are acknowledged and deleted together in one script; each other
// one is settled as Consume settles a failed task (retried after a
// backoff, dead-lettered when permanent or out of attempts, put back at
// once when the consumer is stopping). A handler that panics, or returns
// a result of another length than its tasks, fails every task of its
// batch. While a handler runs its consumer keeps every entry of its batch
// claimed; a consumer that dies leaves them to others after
// Options.VisibilityTimeout. A size below 1 is taken as 1.
func (q *Queue) ConsumeBatch(ctx context.Context, queue string, size int, h notify.BatchHandler) error {
	return q.consume(ctx, queue, "consume batch", func(c *consumer) { c.hb, c.per = h, max(size, 1) })
}

// dispatchBatches starts a batch handler call on msgs, c.per entries a
// call, each on a slot already taken; it returns how many calls it
// started.
func (c *consumer) dispatchBatches(readCtx context.Context, msgs []redis.XMessage, extra map[string]int) int {
	started := 0
	for chunk := range slices.Chunk(msgs, c.per) {
		started++
		c.start(chunk, func() { c.handleBatch(readCtx, chunk, extra) })
	}
	return started
}

// handleBatch runs the batch handler on entries and settles them.
func (c *consumer) handleBatch(readCtx context.Context, msgs []redis.XMessage, extra map[string]int) {
	ids := make([]string, 0, len(msgs))
	tasks := make([]notify.Task, 0, len(msgs))
	for _, m := range msgs {
		if t, ok := c.task(readCtx, m, extra[m.ID]); ok {
			ids = append(ids, m.ID)
			tasks = append(tasks, t)
		}
	}
	if len(tasks) == 0 {
		return
	}
	errs := queueing.RunBatch(c.ctx, "redisqueue", c.hb, tasks)
	var done []string
	for i, err := range errs {
		if err == nil {
			done = append(done, ids[i])
			continue
		}
		c.finish(ids[i], tasks[i], err)
	}
	c.ack(done)
}

// ack acknowledges and deletes the handled entries ids in one script call
// (per maxAck entries). On failure the entries stay pending and another
// consumer claims them after the visibility timeout.
func (c *consumer) ack(ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), settleTimeout)
	defer cancel()
	for chunk := range slices.Chunk(ids, maxAck) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, c.q.opts.Group)
		for _, id := range chunk {
			args = append(args, id)
		}
		if err := ackScript.Run(ctx, c.q.client, []string{c.k.stream}, args...).Err(); err != nil {
			c.log.Error("redisqueue: cannot acknowledge tasks; they will be claimed again", "entries", len(chunk), "err", err)
		}
	}
}

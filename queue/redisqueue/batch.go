package redisqueue

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/queueing"
)

var _ notify.BatchEnqueuer = (*Queue)(nil)

// EnqueueBatch adds every task to the end of its queue's stream, as Enqueue
// does, with one XADD per task sent in one pipelined round trip (split by
// hash slot on Redis Cluster). It fills empty IDs and zero EnqueuedAt the
// same way. Each task succeeds or fails on its own: the result holds one
// error per task when any failed, nil when all were added. After Close
// every task fails with an error wrapping notify.ErrClosed.
func (q *Queue) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	if len(tasks) == 0 {
		return nil
	}
	errs := make([]error, len(tasks))
	fail := func(err error) []error {
		for i, t := range tasks {
			errs[i] = fmt.Errorf("redisqueue: enqueue on %s: %w", t.Queue, err)
		}
		return errs
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if q.closed() {
		return fail(notify.ErrClosed)
	}
	now := time.Now().UTC()
	cmds := make([]*redis.StringCmd, len(tasks))
	// A failed round trip sets its error on every command, read below.
	_, _ = q.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, qt := range tasks {
			data, err := encode(queueing.Stamp(qt.Task, now), 1)
			if err != nil {
				errs[i] = fmt.Errorf("redisqueue: enqueue on %s: %w", qt.Queue, err)
				continue
			}
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{
				Stream: q.keys(qt.Queue).stream,
				MaxLen: q.opts.MaxLen,
				Approx: true,
				Values: []any{fieldTask, data},
			})
		}
		return nil
	})
	failed := false
	for i, cmd := range cmds {
		if cmd != nil && cmd.Err() != nil {
			errs[i] = fmt.Errorf("redisqueue: enqueue on %s: %w", tasks[i].Queue, cmd.Err())
		}
		failed = failed || errs[i] != nil
	}
	if !failed {
		return nil
	}
	return errs
}

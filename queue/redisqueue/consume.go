package redisqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
)

// Settle modes: what the settle script does with a handled entry besides
// acknowledging and deleting it.
const (
	modeAck     = "ack"     // nothing more: the task is done
	modeRetry   = "retry"   // add it to the retry set, due after a delay
	modeRequeue = "requeue" // add it to the end of the stream at once
	modeDead    = "dead"    // add it to the dead-letter stream
)

// settleScript acknowledges and deletes one delivered entry and, only if it
// was still pending (no other consumer settled it first), moves its task on.
//
// KEYS[1] the stream, KEYS[2] the destination (retry set, stream or
// dead-letter stream); ARGV[1] group, ARGV[2] entry id, ARGV[3] mode,
// ARGV[4] delay in ms (retry) or MAXLEN (requeue, dead), ARGV[5] the task's
// JSON, ARGV[6] the error (dead). Retry scores are Redis's own clock, so
// processes with skewed clocks agree on due times. Returns 1 when settled
// here, 0 when the entry was no longer pending.
var settleScript = redis.NewScript(`
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if acked == 0 then
	return 0
end
local mode = ARGV[3]
if mode == 'retry' then
	local t = redis.call('TIME')
	local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
	redis.call('ZADD', KEYS[2], string.format('%d', now + tonumber(ARGV[4])), ARGV[5])
elseif mode == 'requeue' then
	redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'task', ARGV[5])
elseif mode == 'dead' then
	redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'task', ARGV[5], 'error', ARGV[6])
end
return 1
`)

// promoteScript moves up to ARGV[1] due tasks from the retry set KEYS[1] to
// the end of the stream KEYS[2] (XADD MAXLEN ~ ARGV[2]). It returns the
// number moved and the milliseconds until the next task is due (-1: none).
var promoteScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[1]))
for _, m in ipairs(due) do
	redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'task', m)
	redis.call('ZREM', KEYS[1], m)
end
local wait = -1
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #nxt > 0 then
	wait = math.max(0, tonumber(nxt[2]) - now)
end
return {#due, wait}
`)

const (
	// promoteBatch is how many due retries one promote call moves.
	promoteBatch = 100
	// settleTimeout bounds the Redis calls that settle a handled task,
	// which run even after the consumer's context is cancelled.
	settleTimeout = 10 * time.Second
	// maxPause caps the wait between attempts to reach a failing Redis.
	maxPause = 5 * time.Second
)

// consumer is one Consume or ConsumeBatch call.
type consumer struct {
	q     *Queue
	queue string
	k     keys
	name  string
	h     notify.Handler
	// hb is the handler of ConsumeBatch (h is nil then), and per the most
	// tasks a handler call gets (1 for Consume).
	hb  notify.BatchHandler
	per int
	// ctx is the caller's context, given to handlers.
	ctx context.Context
	log *slog.Logger

	// slots holds one token per running handler call.
	slots chan struct{}
	// lastStart is when the latest handler call started (Unix
	// nanoseconds). See gather.
	lastStart atomic.Int64
	// workers tracks the running handlers.
	workers sync.WaitGroup
	// wake tells the scheduler that a retry was scheduled.
	wake chan struct{}

	mu       sync.Mutex
	inflight map[string]bool // entry ids being handled
}

// Consume runs h on the tasks of the named queue, Options.Workers at once,
// until ctx is done or the Queue is closed; it then waits for the running
// handlers and returns nil. Redis errors do not stop it: it logs them and
// tries again with backoff, recreating the consumer group when Redis lost
// it. Handlers get ctx. A handler that returns an error after ctx was
// cancelled has its task put back at the end of the stream at once, for a
// later consumer; a handler that succeeds is acknowledged even then.
// Consume on a closed Queue returns an error wrapping notify.ErrClosed.
func (q *Queue) Consume(ctx context.Context, queue string, h notify.Handler) error {
	return q.consume(ctx, queue, "consume", func(c *consumer) { c.h, c.per = h, 1 })
}

// consume runs a consumer of the named queue, set up by init (its
// handler), until ctx is done or the Queue is closed; op names the call in
// errors.
func (q *Queue) consume(ctx context.Context, queue, op string, init func(c *consumer)) error {
	if q.closed() {
		return fmt.Errorf("redisqueue: %s %s: %w", op, queue, notify.ErrClosed)
	}
	if ctx.Err() != nil {
		return nil
	}
	c := &consumer{
		q: q, queue: queue, k: q.keys(queue), name: consumerName(), ctx: ctx,
		slots:    make(chan struct{}, q.opts.Workers),
		wake:     make(chan struct{}, 1),
		inflight: map[string]bool{},
	}
	init(c)
	c.log = q.opts.Logger.With("queue", queue, "consumer", c.name)

	// readCtx stops the reading (not the handlers) on ctx or Close.
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		select {
		case <-q.done:
			stopReading()
		case <-readCtx.Done():
		}
	}()
	// The heartbeat outlives ctx: it keeps the claims of handlers still
	// finishing after ctx was cancelled.
	hbCtx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Go(func() { c.schedule(readCtx) })
	bg.Go(func() { c.heartbeat(hbCtx) })

	c.read(readCtx)
	c.workers.Wait()
	stopHeartbeat()
	bg.Wait()
	c.leave()
	return nil
}

// read fetches tasks and starts their handlers until ctx is done: with n
// free handler slots it reads up to n×per tasks and starts a handler call
// per slot.
func (c *consumer) read(ctx context.Context) {
	opts := c.q.opts
	reclaimEvery := max(opts.VisibilityTimeout/4, 100*time.Millisecond)
	var lastReclaim time.Time // zero: look for abandoned tasks at once
	cursor := "0-0"
	groupReady := false
	failures := 0
	backlog := false // the last read took all it asked for: more may wait
	for ctx.Err() == nil {
		if !groupReady {
			if err := c.ensureGroup(ctx); err != nil {
				c.pause(ctx, &failures, "create the consumer group", err)
				continue
			}
			groupReady = true
		}
		if !backlog {
			c.gather(ctx)
		}
		n := c.acquire(ctx)
		if n == 0 {
			return
		}
		var msgs []redis.XMessage
		var err error
		claimed := false
		if time.Since(lastReclaim) >= reclaimEvery {
			var next string
			msgs, next, err = c.q.client.XAutoClaim(ctx, &redis.XAutoClaimArgs{
				Stream: c.k.stream, Group: opts.Group, Consumer: c.name,
				MinIdle: opts.VisibilityTimeout, Start: cursor, Count: int64(n * c.per),
			}).Result()
			// A failed call (Redis down) returns no cursor: keep the old one,
			// or every later XAUTOCLAIM fails on an empty start id.
			if err == nil {
				cursor = next
				if cursor == "0-0" {
					lastReclaim = time.Now()
				}
			}
			claimed = len(msgs) > 0
		}
		if err == nil && len(msgs) == 0 {
			msgs, err = c.readNew(ctx, n*c.per)
		}
		if err != nil {
			c.release(n)
			switch {
			case ctx.Err() != nil:
				return
			case isNoGroup(err) || isUnblocked(err):
				// The stream or the group went away (a flushed or restarted
				// Redis): create them again.
				c.log.Warn("redisqueue: consumer group lost; creating it again", "err", err)
				groupReady, cursor = false, "0-0"
			default:
				c.pause(ctx, &failures, "read", err)
			}
			continue
		}
		failures = 0
		backlog = len(msgs) >= n*c.per
		extra := map[string]int{}
		if claimed {
			extra = c.claims(msgs)
		}
		started := len(msgs)
		if c.hb != nil {
			started = c.dispatchBatches(ctx, msgs, extra)
		} else {
			for _, m := range msgs {
				c.dispatch(ctx, m, extra[m.ID])
			}
		}
		c.release(n - started)
	}
}

// readNew reads up to n new entries, waiting up to Options.Block.
func (c *consumer) readNew(ctx context.Context, n int) ([]redis.XMessage, error) {
	streams, err := c.q.client.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.q.opts.Group, Consumer: c.name,
		Streams: []string{c.k.stream, ">"},
		Count:   int64(n), Block: c.q.opts.Block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var msgs []redis.XMessage
	for _, s := range streams {
		msgs = append(msgs, s.Messages...)
	}
	return msgs, nil
}

// claims returns, for entries just claimed from a dead consumer, how many
// deliveries they had beyond the one their task records: the claim counts
// as a delivery, and so do the earlier ones of consumers that died.
func (c *consumer) claims(msgs []redis.XMessage) map[string]int {
	extra := make(map[string]int, len(msgs))
	for _, m := range msgs {
		extra[m.ID] = 1 // if XPENDING fails: at least this claim
	}
	pend, err := c.q.client.XPendingExt(c.ctx, &redis.XPendingExtArgs{
		Stream: c.k.stream, Group: c.q.opts.Group, Consumer: c.name,
		Start: msgs[0].ID, End: msgs[len(msgs)-1].ID, Count: int64(len(msgs)) + 100,
	}).Result()
	if err != nil {
		c.log.Warn("redisqueue: cannot read delivery counts of claimed tasks", "err", err)
		return extra
	}
	for _, p := range pend {
		if _, ok := extra[p.ID]; ok && p.RetryCount > 1 {
			extra[p.ID] = int(p.RetryCount) - 1
		}
	}
	return extra
}

// dispatch starts the handler of one entry on a slot already taken; extra
// is the deliveries beyond the count the task carries.
func (c *consumer) dispatch(readCtx context.Context, m redis.XMessage, extra int) {
	c.start([]redis.XMessage{m}, func() { c.handle(readCtx, m, extra) })
}

// start runs handle, the handling of msgs, on a slot already taken; the
// heartbeat keeps msgs claimed until it returns.
func (c *consumer) start(msgs []redis.XMessage, handle func()) {
	c.lastStart.Store(time.Now().UnixNano())
	c.mu.Lock()
	for _, m := range msgs {
		c.inflight[m.ID] = true
	}
	c.mu.Unlock()
	c.workers.Go(func() {
		defer c.release(1)
		defer func() {
			c.mu.Lock()
			for _, m := range msgs {
				delete(c.inflight, m.ID)
			}
			c.mu.Unlock()
		}()
		handle()
	})
}

// handle runs the handler on one entry and settles it.
func (c *consumer) handle(readCtx context.Context, m redis.XMessage, extra int) {
	t, ok := c.task(readCtx, m, extra)
	if !ok {
		return
	}
	c.finish(m.ID, t, run(c.ctx, c.h, t))
}

// task returns the task of an entry for its handler, or settles the entry
// and reports false: an undecodable entry is dead-lettered, one read as the
// consumer stopped is handed back untouched, one abandoned by too many
// consumers is dead-lettered.
func (c *consumer) task(readCtx context.Context, m redis.XMessage, extra int) (notify.Task, bool) {
	raw, _ := m.Values[fieldTask].(string)
	w, err := decode(raw)
	if err != nil {
		c.settle(m.ID, modeDead, c.k.dead, raw, 0, err.Error())
		return notify.Task{}, false
	}
	if readCtx.Err() != nil {
		// Read as the consumer stopped: hand it back untouched.
		c.settle(m.ID, modeRequeue, c.k.stream, raw, 0, "")
		return notify.Task{}, false
	}
	t := cloneTask(w.task())
	t.Attempt = w.Attempt + extra
	if extra > 0 && t.Attempt > c.q.opts.MaxAttempts {
		c.deadLetter(m.ID, t, fmt.Sprintf("abandoned by its consumers: delivery %d of %d", t.Attempt, c.q.opts.MaxAttempts))
		return notify.Task{}, false
	}
	return t, true
}

// finish settles entry id of task t by its handler's result herr:
// acknowledged, dead-lettered, put back at once (the consumer is stopping)
// or retried after a backoff.
func (c *consumer) finish(id string, t notify.Task, herr error) {
	switch {
	case herr == nil:
		c.settle(id, modeAck, c.k.stream, "", 0, "")
	case notify.IsPermanent(herr):
		c.deadLetter(id, t, herr.Error())
	case c.ctx.Err() != nil:
		// Interrupted by the consumer's shutdown: deliver again soon.
		c.moveOn(id, modeRequeue, c.k.stream, t, t.Attempt+1, 0)
	case t.Attempt >= c.q.opts.MaxAttempts:
		c.deadLetter(id, t, herr.Error())
	default:
		delay := max(c.q.opts.Backoff(t.Attempt), 0)
		if c.moveOn(id, modeRetry, c.k.retry, t, t.Attempt+1, delay) {
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	}
}

// run calls h on t, turning a panic into an error.
func run(ctx context.Context, h notify.Handler, t notify.Task) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("redisqueue: handler panicked: %v", r)
		}
	}()
	return h(ctx, t)
}

// deadLetter moves a task to the dead letters with the attempt of its last
// delivery.
func (c *consumer) deadLetter(id string, t notify.Task, reason string) {
	data, err := encode(t, t.Attempt)
	if err != nil {
		c.log.Error("redisqueue: cannot dead-letter task", "task", t.ID, "err", err)
		return
	}
	c.settle(id, modeDead, c.k.dead, data, 0, reason)
}

// moveOn settles an entry whose task goes on (requeue or retry) as its
// attempt-th delivery.
func (c *consumer) moveOn(id, mode, dest string, t notify.Task, attempt int, delay time.Duration) bool {
	data, err := encode(t, attempt)
	if err != nil {
		c.log.Error("redisqueue: cannot re-encode task", "task", t.ID, "err", err)
		return false
	}
	return c.settle(id, mode, dest, data, delay, "")
}

// settle runs settleScript for one entry; it reports whether the entry was
// settled here. On failure the entry stays pending and another consumer
// claims it after the visibility timeout.
func (c *consumer) settle(id, mode, dest, data string, delay time.Duration, reason string) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), settleTimeout)
	defer cancel()
	arg := any(c.q.opts.MaxLen)
	if mode == modeRetry {
		arg = delay.Milliseconds()
	}
	n, err := settleScript.Run(ctx, c.q.client, []string{c.k.stream, dest},
		c.q.opts.Group, id, mode, arg, data, reason).Int()
	if err != nil {
		c.log.Error("redisqueue: cannot settle task; it will be claimed again", "entry", id, "mode", mode, "err", err)
		return false
	}
	return n == 1
}

// schedule moves due retries back to the stream until ctx is done.
func (c *consumer) schedule(ctx context.Context) {
	poll := c.q.opts.PollInterval
	for {
		wait := poll
		res, err := promoteScript.Run(ctx, c.q.client, []string{c.k.retry, c.k.stream},
			promoteBatch, c.q.opts.MaxLen).Int64Slice()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			c.log.Warn("redisqueue: cannot move due retries", "err", err)
		case len(res) == 2 && res[0] == promoteBatch:
			wait = 0 // more may be due
		case len(res) == 2 && res[1] >= 0:
			wait = min(wait, time.Duration(res[1])*time.Millisecond)
		}
		if wait <= 0 {
			continue
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-c.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// heartbeat refreshes the claims of the running handlers' entries (XCLAIM
// JUSTID resets their idle time without counting a delivery) so that other
// consumers do not take them over.
func (c *consumer) heartbeat(ctx context.Context) {
	ticker := time.NewTicker(max(c.q.opts.VisibilityTimeout/3, 10*time.Millisecond))
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		c.mu.Lock()
		ids := make([]string, 0, len(c.inflight))
		for id := range c.inflight {
			ids = append(ids, id)
		}
		c.mu.Unlock()
		if len(ids) == 0 {
			continue
		}
		err := c.q.client.XClaimJustID(ctx, &redis.XClaimArgs{
			Stream: c.k.stream, Group: c.q.opts.Group, Consumer: c.name,
			MinIdle: 0, Messages: ids,
		}).Err()
		if err != nil && ctx.Err() == nil {
			c.log.Warn("redisqueue: cannot refresh claims", "err", err)
		}
	}
}

// ensureGroup creates the consumer group, and the stream if needed, reading
// from the start of the stream so that no waiting task is skipped.
func (c *consumer) ensureGroup(ctx context.Context) error {
	err := c.q.client.XGroupCreateMkStream(ctx, c.k.stream, c.q.opts.Group, "0").Err()
	if err != nil && !isBusyGroup(err) {
		return fmt.Errorf("redisqueue: create group %s on %s: %w", c.q.opts.Group, c.k.stream, err)
	}
	return nil
}

// leave removes this consumer from the group when it holds no entries, so
// that consumer names of past Consume calls do not pile up.
func (c *consumer) leave() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), settleTimeout)
	defer cancel()
	pend, err := c.q.client.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: c.k.stream, Group: c.q.opts.Group, Consumer: c.name,
		Start: "-", End: "+", Count: 1,
	}).Result()
	if err != nil || len(pend) > 0 {
		return
	}
	_ = c.q.client.XGroupDelConsumer(ctx, c.k.stream, c.q.opts.Group, c.name).Err()
}

// acquire waits for a free handler slot and takes every free one; it
// returns how many it took, 0 when ctx is done.
func (c *consumer) acquire(ctx context.Context) int {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < cap(c.slots) {
		select {
		case c.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// release frees n handler slots.
func (c *consumer) release(n int) {
	for range n {
		<-c.slots
	}
}

// gather waits, for a batch consumer whose latest handler call started
// less than Options.Gather ago, until it is Gather old: meanwhile new tasks
// gather in the stream, and the next read takes them in one batch instead
// of starting a call for each few that arrived. While tasks keep coming a
// consumer so reads at most once per Gather, whether its calls are fast
// (the sandbox, a quick provider: reading again at each return gave
// batches of one or two tasks, each with its claim, its write and its
// acknowledgement) or slow; a consumer that started no call for Gather
// reads at once, and so does one whose last read took all it asked for (a
// backlog: there is nothing to wait for). A task waits at most Gather
// longer than it would without.
func (c *consumer) gather(ctx context.Context) {
	if c.per <= 1 || c.q.opts.Gather < 0 {
		return
	}
	wait := c.q.opts.Gather - time.Since(time.Unix(0, c.lastStart.Load()))
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// pause logs err and waits before the next try, longer after each failure
// in a row (100ms doubling up to 5s).
func (c *consumer) pause(ctx context.Context, failures *int, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	*failures++
	d := min(100*time.Millisecond<<min(*failures-1, 10), maxPause)
	c.log.Warn("redisqueue: cannot "+what+"; trying again", "err", err, "in", d)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// isUnblocked reports whether err says a blocking read was cut short
// because its stream was deleted.
func isUnblocked(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "UNBLOCKED")
}

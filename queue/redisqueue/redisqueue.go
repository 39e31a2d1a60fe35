// Package redisqueue is a notify.Queue on Redis Streams
// (github.com/redis/go-redis/v9), so that API and worker processes on
// several machines share one queue.
//
// Each named queue uses three keys that share a hash tag, so the scripts
// below also run on Redis Cluster:
//
//	{Prefix}{name}        the stream of ready tasks, read by the consumer group Options.Group
//	{Prefix}{name}:retry  a sorted set of tasks waiting for a retry, scored by their due time
//	{Prefix}{name}:dead   a stream of dead letters
//
// Enqueue adds a stream entry holding the task as JSON (field "task").
// Consume creates the consumer group when needed (XGROUP CREATE ... 0
// MKSTREAM, so tasks enqueued before the first consumer are delivered, and
// again after a NOGROUP error, so a Redis that restarts empty is survived),
// reads with XREADGROUP in blocking calls of Options.Block, and runs the
// handler. What happens next is one atomic script per task: on success the
// entry is acknowledged and deleted (XACK + XDEL); on failure it moves to the
// retry set with the attempt count incremented, due after Options.Backoff;
// after Options.MaxAttempts deliveries, or at once when the error wraps
// notify.ErrPermanent, it moves to the dead-letter stream. Every consumer
// also moves due retries back to the end of the stream (a script, so a task
// is moved once), and claims with XAUTOCLAIM the tasks that another consumer
// read and then left idle longer than Options.VisibilityTimeout: the tasks
// of a consumer that died. While a handler runs its consumer refreshes its
// claim, so a slow handler is not taken away.
//
// Delivery is at least once. Task.Attempt counts deliveries: the count
// carried in the task plus the claims of a task whose consumer died. A
// handler interrupted by the cancellation of its Consume call puts its task
// back at the end of the stream at once (without backoff), for another
// consumer.
package redisqueue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/backoff"
	"github.com/notifykit/notify/internal/queueing"
)

// Defaults of Options.
const (
	// DefaultPrefix is the default of Options.Prefix.
	DefaultPrefix = "notify:queue:"
	// DefaultGroup is the default of Options.Group.
	DefaultGroup = "notify"
	// DefaultWorkers is the default of Options.Workers.
	DefaultWorkers = 4
	// DefaultMaxAttempts is the default of Options.MaxAttempts.
	DefaultMaxAttempts = 10
	// DefaultVisibilityTimeout is the default of Options.VisibilityTimeout.
	DefaultVisibilityTimeout = time.Minute
	// DefaultBlock is the default of Options.Block.
	DefaultBlock = time.Second
	// DefaultGather is the default of Options.Gather.
	DefaultGather = 25 * time.Millisecond
	// DefaultMaxLen is the default of Options.MaxLen.
	DefaultMaxLen = 1_000_000
	// DefaultPollInterval is the default of Options.PollInterval.
	DefaultPollInterval = 500 * time.Millisecond
	// DefaultBackoffBase is the first retry delay of DefaultBackoff.
	DefaultBackoffBase = backoff.Base
	// DefaultBackoffMax caps the delays of DefaultBackoff.
	DefaultBackoffMax = backoff.Max
)

// Options configures a Queue. Zero values select the defaults.
type Options struct {
	// Prefix is put before every key (default "notify:queue:").
	Prefix string
	// Group names the consumer group of every stream (default "notify").
	Group string
	// Workers is how many handlers each Consume call runs at once
	// (default 4).
	Workers int
	// Backoff returns how long a task waits after its attempt-th delivery
	// failed (attempt is 1 after the first failure). Default:
	// DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many deliveries a task gets; after the last one
	// fails it goes to the dead letters (default 10).
	MaxAttempts int
	// VisibilityTimeout is how long a task read by a consumer may stay
	// unacknowledged, without its consumer refreshing its claim, before
	// another consumer takes it over (default 1m). Running handlers keep
	// their claims fresh, so this bounds how long the tasks of a dead
	// consumer wait, not how long a handler may run.
	VisibilityTimeout time.Duration
	// Block is how long one XREADGROUP call waits for tasks (default 1s).
	// Consume notices a cancelled context within about this time.
	Block time.Duration
	// Gather is how long a ConsumeBatch consumer lets tasks gather after
	// starting a handler call before it reads again, so that the next call
	// gets them together instead of one call each (default 25ms;
	// negative: never). While tasks keep coming a consumer reads at most
	// once per Gather, so a task waits up to Gather longer to be
	// delivered and batches are larger (fewer statements and
	// acknowledgements a task); a consumer that started no call for
	// Gather reads at once. Consume (one task a call) never waits.
	Gather time.Duration
	// MaxLen bounds each stream (XADD MAXLEN ~, default 1,000,000). Redis
	// trims the oldest entries beyond it, delivered or not.
	MaxLen int64
	// PollInterval is the longest a consumer waits between two looks at
	// the retry set (default 500ms); retries it schedules itself are moved
	// when due.
	PollInterval time.Duration
	// Logger receives the Redis errors that Consume survives (default
	// slog.Default()).
	Logger *slog.Logger
}

// DefaultBackoff doubles the delay from one second at each attempt, caps it
// at five minutes, and spreads it by ±10% so that retries do not come in
// waves. The memory queue (queue/memqueue) waits the same.
func DefaultBackoff(attempt int) time.Duration { return backoff.Default(attempt) }

// Queue is a notify.Queue on Redis Streams. It is safe for concurrent use.
// It does not own the client: closing the client is the caller's job.
type Queue struct {
	client redis.UniversalClient
	opts   Options

	closeOnce sync.Once
	done      chan struct{} // closed by Close
}

var _ notify.Queue = (*Queue)(nil)

// New returns a Queue that keeps its tasks in Redis through client.
func New(client redis.UniversalClient, opts Options) *Queue {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Group == "" {
		opts.Group = DefaultGroup
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.VisibilityTimeout <= 0 {
		opts.VisibilityTimeout = DefaultVisibilityTimeout
	}
	if opts.Block <= 0 {
		opts.Block = DefaultBlock
	}
	if opts.Gather == 0 {
		opts.Gather = DefaultGather
	}
	if opts.MaxLen <= 0 {
		opts.MaxLen = DefaultMaxLen
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Queue{client: client, opts: opts, done: make(chan struct{})}
}

// keys names the Redis keys of one queue.
type keys struct {
	stream, retry, dead string
}

// keys returns the keys of the named queue.
func (q *Queue) keys(queue string) keys {
	base := q.opts.Prefix + "{" + queue + "}"
	return keys{stream: base, retry: base + ":retry", dead: base + ":dead"}
}

// wireTask is a task as stored in Redis.
type wireTask struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	NotificationID uuid.UUID `json:"notification_id"`
	Payload        []byte    `json:"payload,omitempty"`
	// Attempt is the number of the next delivery: 1 for a new task.
	Attempt    int       `json:"attempt"`
	EnqueuedAt time.Time `json:"enqueued_at"`
}

func toWire(t notify.Task, attempt int) wireTask {
	return wireTask{
		ID: t.ID, Name: t.Name, NotificationID: t.NotificationID, Payload: t.Payload,
		Attempt: attempt, EnqueuedAt: t.EnqueuedAt,
	}
}

func (w wireTask) task() notify.Task {
	return notify.Task{
		ID: w.ID, Name: w.Name, NotificationID: w.NotificationID, Payload: w.Payload,
		Attempt: w.Attempt, EnqueuedAt: w.EnqueuedAt,
	}
}

// encode returns the JSON form of t for its attempt-th delivery.
func encode(t notify.Task, attempt int) (string, error) {
	b, err := json.Marshal(toWire(t, attempt))
	if err != nil {
		return "", fmt.Errorf("encode task %s: %w", t.ID, err)
	}
	return string(b), nil
}

// decode parses a stored task.
func decode(s string) (wireTask, error) {
	var w wireTask
	if err := json.Unmarshal([]byte(s), &w); err != nil {
		return wireTask{}, fmt.Errorf("decode task: %w", err)
	}
	return w, nil
}

// closed reports whether Close was called.
func (q *Queue) closed() bool {
	select {
	case <-q.done:
		return true
	default:
		return false
	}
}

// Enqueue adds t to the end of the named queue's stream. It fills t.ID when
// it is empty and t.EnqueuedAt when it is zero; t.Attempt is ignored. When
// it returns nil the task is in Redis (as durable as the server's
// persistence settings make it). After Close it returns an error wrapping
// notify.ErrClosed.
func (q *Queue) Enqueue(ctx context.Context, queue string, t notify.Task) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisqueue: enqueue on %s: %w", queue, err)
	}
	if q.closed() {
		return fmt.Errorf("redisqueue: enqueue on %s: %w", queue, notify.ErrClosed)
	}
	data, err := encode(queueing.Stamp(t, time.Now().UTC()), 1)
	if err != nil {
		return fmt.Errorf("redisqueue: enqueue on %s: %w", queue, err)
	}
	err = q.client.XAdd(ctx, &redis.XAddArgs{
		Stream: q.keys(queue).stream,
		MaxLen: q.opts.MaxLen,
		Approx: true,
		Values: []any{fieldTask, data},
	}).Err()
	if err != nil {
		return fmt.Errorf("redisqueue: enqueue on %s: %w", queue, err)
	}
	return nil
}

// DeadLetters returns the tasks of the named queue given up on, oldest
// first, each with the Attempt of its last delivery. An entry that could
// not be decoded (written by something else) comes back with its stream
// id as ID and its raw text as Payload.
func (q *Queue) DeadLetters(ctx context.Context, queue string) ([]notify.Task, error) {
	msgs, err := q.client.XRange(ctx, q.keys(queue).dead, "-", "+").Result()
	if err != nil {
		return nil, fmt.Errorf("redisqueue: dead letters of %s: %w", queue, err)
	}
	out := make([]notify.Task, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values[fieldTask].(string)
		w, err := decode(raw)
		if err != nil {
			out = append(out, notify.Task{ID: m.ID, Payload: []byte(raw)})
			continue
		}
		out = append(out, w.task())
	}
	return out, nil
}

// Len returns the number of tasks waiting in the named queue: those not yet
// delivered and those waiting for a retry, not those being handled.
func (q *Queue) Len(ctx context.Context, queue string) (int64, error) {
	k := q.keys(queue)
	var xlen *redis.IntCmd
	var pending *redis.XPendingCmd
	var retries *redis.IntCmd
	_, err := q.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, k.stream)
		pending = p.XPending(ctx, k.stream, q.opts.Group)
		retries = p.ZCard(ctx, k.retry)
		return nil
	})
	if err != nil && !isNoGroup(err) {
		return 0, fmt.Errorf("redisqueue: len of %s: %w", queue, err)
	}
	if xlen.Err() != nil || retries.Err() != nil {
		return 0, fmt.Errorf("redisqueue: len of %s: %w", queue, errors.Join(xlen.Err(), retries.Err()))
	}
	n := xlen.Val()
	if pending.Err() == nil {
		n -= pending.Val().Count
	} else if !isNoGroup(pending.Err()) {
		return 0, fmt.Errorf("redisqueue: len of %s: %w", queue, pending.Err())
	}
	return max(n, 0) + retries.Val(), nil
}

// Close stops the Queue: Enqueue and Consume return errors wrapping
// notify.ErrClosed from now on, and running Consume calls stop taking tasks
// and return once their in-flight handlers have finished (Close does not
// wait for them and does not cancel the handlers). Tasks stay in Redis.
// Closing twice is not an error. The client is not closed.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() { close(q.done) })
	return nil
}

// fieldTask is the stream field holding a task's JSON.
const fieldTask = "task"

// isNoGroup reports whether err says the stream or its group is missing.
func isNoGroup(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOGROUP")
}

// isBusyGroup reports whether err says the group exists already.
func isBusyGroup(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "BUSYGROUP")
}

// consumerName returns a name unique to one Consume call:
// hostname-pid-random.
func consumerName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// cloneTask returns t with its own copy of the payload.
func cloneTask(t notify.Task) notify.Task {
	t.Payload = slices.Clone(t.Payload)
	return t
}

package notify

import (
	"context"
	"time"
)

// Optional abilities that let the Notifier group the work of concurrent
// sends: one transaction for many notifications, one round trip for their
// delivery tasks. Adapters without them work one notification at a time.

// BatchCreator is an optional Store ability: storing many notifications in
// one transaction. When the Store has it, concurrent sends are group
// committed (see GroupCommit). store/storetest checks it when a Store has
// it.
type BatchCreator interface {
	// CreateNotifications inserts ns in as few statements and
	// transactions as it can (one multi-row INSERT in one transaction for
	// a SQL store). It returns nil when every notification was stored,
	// and otherwise a slice of len(ns) whose i-th error says why ns[i]
	// was not stored, nil for one that was. A notification whose id (or
	// unique key) exists fails alone with an error wrapping ErrDuplicate
	// when the store can tell which one it is; when it cannot, or when
	// the store fails as a whole, nothing is stored and every element
	// holds the error. A zero CreatedAt becomes now and is written back
	// for the notifications stored. An empty ns is a no-op that returns
	// nil. The Store's usual rules hold: ns is copied, ctx is honoured,
	// errors wrap their cause with %w.
	CreateNotifications(ctx context.Context, ns []*Notification) []error
}

// QueuedTask is a task and the name of the queue it goes to.
type QueuedTask struct {
	// Queue names the queue, as the queue argument of Enqueue does.
	Queue string
	// Task is the task to add.
	Task Task
}

// BatchEnqueuer is an optional Queue ability: adding many tasks, to any
// queues, in one round trip. The Notifier queues the delivery tasks of a
// group commit with it. queue/queuetest checks it when a Queue has it.
type BatchEnqueuer interface {
	// EnqueueBatch adds every task to its queue, as Enqueue would one by
	// one, in as few round trips as it can. It returns nil when every
	// task was stored, and otherwise a slice of len(tasks) whose i-th
	// error says why tasks[i] was not, nil for one that was. An empty
	// tasks is a no-op that returns nil.
	EnqueueBatch(ctx context.Context, tasks []QueuedTask) []error
}

// LimitReleaser is an optional Cache ability, beside LimitCache: handing
// back a daily-limit place that IncrBelow reserved for a notification that
// was then not stored, so that a failed send does not use up the service's
// limit. cache/cachetest checks it when a Cache has it.
type LimitReleaser interface {
	// DecrIfPositive subtracts one from the existing counter at key if it
	// is above zero, atomically, keeping its expiry, and returns the
	// resulting value; a counter at zero or below is left as it is. A
	// missing key is not created: the error wraps ErrCacheMiss.
	DecrIfPositive(ctx context.Context, key string) (int64, error)
}

// Defaults of GroupCommit.
const (
	// DefaultGroupCommitMaxBatch is the default of GroupCommit.MaxBatch.
	DefaultGroupCommitMaxBatch = 256
	// DefaultGroupCommitInFlight is the default of GroupCommit.InFlight.
	DefaultGroupCommitInFlight = 1
	// DefaultGroupCommitTimeout is the default of GroupCommit.Timeout.
	DefaultGroupCommitTimeout = 10 * time.Second
)

// GroupCommit tunes how concurrent sends share their commits when the
// Store is a BatchCreator. A send that finds no commit running commits at
// once, alone; sends that arrive while commits run wait for the next one
// and go in together. There is no fixed delay: under low load every send
// commits alone, under high load commits grow to MaxBatch. A send answers
// only after its own notification was stored and its delivery task queued;
// a notification that could not be stored fails its own send only, unless
// the Store failed as a whole. The zero value turns it on with the
// defaults.
type GroupCommit struct {
	// Disabled makes every send store and queue its notification on its
	// own, as with a Store that is not a BatchCreator.
	Disabled bool
	// MaxBatch caps the notifications of one commit (256).
	MaxBatch int
	// InFlight is how many commits may run at once (1). One leaves the
	// database a single writer of notifications and gives the largest
	// batches.
	InFlight int
	// Timeout bounds the commit of one batch, retries included, and then
	// the queueing of its tasks (10s). A commit never runs on a request's
	// context: one caller giving up does not fail the others.
	Timeout time.Duration
}

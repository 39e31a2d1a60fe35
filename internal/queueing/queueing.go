// Package queueing holds what the queue adapters share about the tasks
// they carry: how a queue stamps a task it accepts, and how it runs a
// batch handler, so that a task is treated the same whichever queue
// carries it.
package queueing

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Stamp returns t as a queue accepts it: with a new ID when its ID is
// empty (NewTaskID), and EnqueuedAt now when it is zero.
func Stamp(t notify.Task, now time.Time) notify.Task {
	if t.ID == "" {
		t.ID = NewTaskID()
	}
	if t.EnqueuedAt.IsZero() {
		t.EnqueuedAt = now
	}
	return t
}

// RunBatch calls h on tasks and returns one result per task. When h panics,
// or answers with another number of results than tasks, every task fails
// with the same error, whose message starts with adapter.
func RunBatch(ctx context.Context, adapter string, h notify.BatchHandler, tasks []notify.Task) (errs []error) {
	defer func() {
		if r := recover(); r != nil {
			errs = Fail(len(tasks), fmt.Errorf("%s: batch handler panicked: %v", adapter, r))
		}
	}()
	errs = h(ctx, tasks)
	if len(errs) != len(tasks) {
		return Fail(len(tasks), fmt.Errorf("%s: batch handler returned %d results for %d tasks", adapter, len(errs), len(tasks)))
	}
	return errs
}

// Fail returns n copies of err: the result of a batch that failed as a
// whole.
func Fail(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// taskIDPrefix is random per process, so that ids made by several
// processes sharing a queue never meet.
var (
	taskIDPrefix = uuid.NewString()
	taskIDSeq    atomic.Uint64
)

// NewTaskID returns an id no other task of any process gets: the process's
// random prefix and a counter. Task ids need to be unique, not
// unpredictable, so no random bytes are read per task (reading them costs
// more than the rest of an in-memory enqueue).
func NewTaskID() string {
	return taskIDPrefix + "-" + strconv.FormatUint(taskIDSeq.Add(1), 36)
}

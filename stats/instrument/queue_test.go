package instrument_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/queue/queuetest"
	"github.com/notifykit/notify/stats/instrument"
)

func newMemQueue(t *testing.T) *memqueue.Queue {
	t.Helper()
	q := memqueue.New(memqueue.Options{
		Backoff:     func(int) time.Duration { return 10 * time.Millisecond },
		MaxAttempts: 5,
	})
	t.Cleanup(func() { _ = q.Close() })
	return q
}

func TestQueueEnqueue(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	mq := newMemQueue(t)
	q := instrument.Queue(mq, rec)

	require.NoError(t, q.Enqueue(t.Context(), "send-sms-tasks", notify.Task{Name: "deliver_sms"}))
	assert.Equal(t, 1, mq.Len("send-sms-tasks"), "the task reached the wrapped queue")
	assert.Equal(t, []event{
		{"incr", "queue.enqueue.send-sms-tasks"}, {"timing", "queue.enqueue.send-sms-tasks"},
	}, rec.Events(""))

	rec.Reset()
	require.NoError(t, mq.Close())
	err := q.Enqueue(t.Context(), "send-sms-tasks", notify.Task{Name: "deliver_sms"})
	require.ErrorIs(t, err, notify.ErrClosed, "errors pass through unchanged")
	assert.Equal(t, []event{
		{"incr", "queue.enqueue.send-sms-tasks"}, {"timing", "queue.enqueue.send-sms-tasks"},
		{"incr", "queue.enqueue.send-sms-tasks.error"},
	}, rec.Events(""))
}

func TestQueueHandledTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		task   string
		err    error
		events []event
	}{
		{"success", "deliver_sms", nil, []event{
			{"incr", "tasks.deliver_sms"}, {"timing", "tasks.deliver_sms"},
		}},
		{"error", "deliver_email", fmt.Errorf("provider down: %w", notify.ErrPermanent), []event{
			{"incr", "tasks.deliver_email"}, {"timing", "tasks.deliver_email"},
			{"incr", "tasks.deliver_email.error"},
		}},
		{"unnamed", "", nil, []event{
			{"incr", "tasks.unnamed"}, {"timing", "tasks.unnamed"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			q := instrument.Queue(newMemQueue(t), rec)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			handled := make(chan error, 1)
			consumed := make(chan error, 1)
			go func() {
				consumed <- q.Consume(ctx, "q", func(_ context.Context, task notify.Task) error {
					assert.Equal(t, tc.task, task.Name, "the handler gets the task")
					handled <- tc.err
					return tc.err
				})
			}()
			require.NoError(t, q.Enqueue(t.Context(), "q", notify.Task{Name: tc.task}))
			select {
			case <-handled:
			case <-time.After(5 * time.Second):
				t.Fatal("task not handled")
			}
			cancel()
			require.NoError(t, <-consumed)
			assert.Equal(t, tc.events, rec.Events("tasks."))
		})
	}
}

// errQueue is a queue whose Consume fails at once.
type errQueue struct{ notify.Queue }

var errNoConsume = errors.New("cannot consume")

func (errQueue) Consume(context.Context, string, notify.Handler) error { return errNoConsume }

func TestQueueOptionalMethods(t *testing.T) {
	t.Parallel()
	mq := newMemQueue(t)
	w := instrument.Queue(mq, nil)
	c, ok := w.(interface{ Close() error })
	require.True(t, ok, "memqueue has Close, so has its wrapper")
	u, ok := w.(interface{ Unwrap() notify.Queue })
	require.True(t, ok)
	assert.Same(t, mq, u.Unwrap())
	require.NoError(t, c.Close())
	require.ErrorIs(t, mq.Enqueue(t.Context(), "q", notify.Task{}), notify.ErrClosed, "Close reached the wrapped queue")

	eq := instrument.Queue(errQueue{}, nil)
	_, ok = eq.(interface{ Close() error })
	assert.False(t, ok)
	require.ErrorIs(t, eq.Consume(t.Context(), "q", func(context.Context, notify.Task) error { return nil }), errNoConsume)

	assert.Nil(t, instrument.Queue(nil, nil))
}

func TestQueueConformance(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	// The suite's subtests are parallel: check the metrics once they ended.
	t.Cleanup(func() {
		assert.NotEmpty(t, rec.Events("tasks."))
		assert.NotEmpty(t, rec.Events("queue.enqueue."))
	})
	queuetest.Run(t, func(t *testing.T) notify.Queue { return instrument.Queue(newMemQueue(t), rec) })
}

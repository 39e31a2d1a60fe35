package queueing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/queueing"
)

func TestStamp(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	got := queueing.Stamp(notify.Task{Name: "a"}, now)
	assert.NotEmpty(t, got.ID, "an empty ID is filled")
	assert.True(t, now.Equal(got.EnqueuedAt), "a zero EnqueuedAt becomes now")
	assert.NotEqual(t, got.ID, queueing.Stamp(notify.Task{}, now).ID, "each task its own ID")

	given := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	got = queueing.Stamp(notify.Task{ID: "mine", EnqueuedAt: given}, now)
	assert.Equal(t, "mine", got.ID)
	assert.True(t, given.Equal(got.EnqueuedAt))
}

func TestRunBatch(t *testing.T) {
	tasks := []notify.Task{{Name: "a"}, {Name: "b"}}
	bad := errors.New("bad")
	got := queueing.RunBatch(t.Context(), "q", func(_ context.Context, ts []notify.Task) []error {
		assert.Equal(t, tasks, ts)
		return []error{nil, bad}
	}, tasks)
	assert.Equal(t, []error{nil, bad}, got, "results of the right length are kept")

	for name, h := range map[string]notify.BatchHandler{
		"short":  func(context.Context, []notify.Task) []error { return []error{nil} },
		"nil":    func(context.Context, []notify.Task) []error { return nil },
		"panics": func(context.Context, []notify.Task) []error { panic("boom") },
	} {
		errs := queueing.RunBatch(t.Context(), "q", h, tasks)
		require.Len(t, errs, len(tasks), name)
		for _, err := range errs {
			assert.ErrorContains(t, err, "q: batch handler", name)
		}
	}
}

func TestNewTaskIDsAreUnique(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		id := queueing.NewTaskID()
		if seen[id] {
			t.Fatalf("id %s given twice", id)
		}
		seen[id] = true
	}
	stamped := queueing.Stamp(notify.Task{Name: "x"}, time.Now())
	if stamped.ID == "" || seen[stamped.ID] {
		t.Fatalf("Stamp gave %q", stamped.ID)
	}
	if given := queueing.Stamp(notify.Task{ID: "given"}, time.Now()); given.ID != "given" {
		t.Fatalf("Stamp replaced a given id with %q", given.ID)
	}
}

package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testBatchCreate checks notify.BatchCreator, for stores that have it.
func testBatchCreate(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	bc, ok := f.store.(notify.BatchCreator)
	if !ok {
		t.Skip("the store is not a notify.BatchCreator: the Notifier stores notifications one at a time")
	}
	ctx, s := f.ctx, f.store

	t.Run("empty batch", func(t *testing.T) {
		assert.Nil(t, bc.CreateNotifications(ctx, nil))
		assert.Nil(t, bc.CreateNotifications(ctx, []*notify.Notification{}))
	})

	t.Run("stored and readable", func(t *testing.T) {
		minimal := f.notification(time.Second)
		minimal.Personalisation = nil
		full := f.notification(2 * time.Second)
		full.Type = notify.Email
		full.TemplateID = f.email.ID
		full.Subject = "Subject ’ – line"
		full.ClientReference = ptr("batch ref")
		full.UnsubscribeURL = ptr("https://example.com/unsubscribe")
		full.Queue = notify.QueuePriority
		full.JobID = ptr(uuid.New())
		full.JobRowNumber = ptr(3)
		full.UpdatedAt = ptr(at(3 * time.Second))
		zero := f.notification(0)
		zero.CreatedAt = time.Time{}
		before := time.Now().Add(-5 * time.Second)
		batch := []*notify.Notification{minimal, full, zero}
		require.Nil(t, bc.CreateNotifications(ctx, batch))
		assert.False(t, zero.CreatedAt.IsZero(), "a zero CreatedAt is written back")
		assert.True(t, zero.CreatedAt.After(before), "a zero CreatedAt becomes now, not %v", zero.CreatedAt)
		for _, n := range batch {
			got, err := s.GetNotification(ctx, n.ID)
			require.NoError(t, err)
			assertNotification(t, n, got)
		}
		list, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, IncludeJobs: true})
		require.NoError(t, err)
		assert.Subset(t, notificationIDs(list), []uuid.UUID{minimal.ID, full.ID, zero.ID})
	})

	t.Run("input is copied", func(t *testing.T) {
		n := f.notification(time.Minute)
		want := f.notification(time.Minute)
		want.ID = n.ID
		require.Nil(t, bc.CreateNotifications(ctx, []*notify.Notification{n}))
		n.Personalisation["name"] = "changed"
		n.Body = "changed"
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, got, "input was kept by reference")
	})

	t.Run("duplicate fails its own row", func(t *testing.T) {
		existing := f.create(f.notification(time.Hour))
		dup := f.notification(time.Hour + time.Second)
		dup.ID = existing.ID
		dup.Body = "another body"
		batch := []*notify.Notification{f.notification(time.Hour + 2*time.Second), dup, f.notification(time.Hour + 3*time.Second)}
		errs := bc.CreateNotifications(ctx, batch)
		require.Len(t, errs, len(batch), "a failed batch reports one error per notification")
		assert.ErrorIs(t, errs[1], notify.ErrDuplicate)
		got, err := s.GetNotification(ctx, existing.ID)
		require.NoError(t, err)
		assertNotification(t, existing, got, "a refused duplicate changed the notification")
		checkBatchOutcome(t, s, batch, errs, 1)
	})

	t.Run("duplicate within the batch", func(t *testing.T) {
		a := f.notification(2 * time.Hour)
		b := f.notification(2*time.Hour + time.Second)
		b.ID = a.ID
		errs := bc.CreateNotifications(ctx, []*notify.Notification{a, b})
		require.Len(t, errs, 2)
		require.Error(t, errs[1], "two notifications with one id were both stored")
		assert.ErrorIs(t, errs[1], notify.ErrDuplicate)
		if errs[0] == nil {
			got, err := s.GetNotification(ctx, a.ID)
			require.NoError(t, err)
			assertNotification(t, a, got, "the first of two notifications with one id is the one stored")
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		batch := []*notify.Notification{f.notification(3 * time.Hour), f.notification(3*time.Hour + time.Second)}
		errs := bc.CreateNotifications(cancelled(t), batch)
		require.Len(t, errs, len(batch))
		for i, err := range errs {
			assert.ErrorIs(t, err, context.Canceled, "notification %d", i)
			_, gerr := s.GetNotification(ctx, batch[i].ID)
			assert.ErrorIs(t, gerr, notify.ErrNotFound, "notification %d stored under a cancelled context", i)
		}
	})

	t.Run("large batch", func(t *testing.T) {
		// More rows than one SQL statement may bind parameters for.
		o := f.other()
		batch := make([]*notify.Notification, 2500)
		for i := range batch {
			batch[i] = o.notification(time.Duration(i) * time.Millisecond)
		}
		require.Nil(t, bc.CreateNotifications(ctx, batch))
		count, err := s.CountNotifications(ctx, o.svc.ID, at(-time.Hour))
		require.NoError(t, err)
		assert.Equal(t, len(batch), count)
		got, err := s.GetNotification(ctx, batch[len(batch)-1].ID)
		require.NoError(t, err)
		assertNotification(t, batch[len(batch)-1], got)
	})

	t.Run("parallel batches", func(t *testing.T) {
		o := f.other()
		const workers, batches, rows = 4, 5, 20
		errs := race(workers, func(w int) error {
			for b := range batches {
				batch := make([]*notify.Notification, rows)
				for i := range batch {
					batch[i] = o.notification(time.Duration((w*batches+b)*rows+i) * time.Millisecond)
				}
				for i, err := range bc.CreateNotifications(ctx, batch) {
					if err != nil {
						return fmt.Errorf("worker %d, batch %d, row %d: %w", w, b, i, err)
					}
				}
			}
			return nil
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		count, err := s.CountNotifications(ctx, o.svc.ID, at(-time.Hour))
		require.NoError(t, err)
		assert.Equal(t, workers*batches*rows, count)
	})
}

// checkBatchOutcome checks that a batch was either stored but for its
// failed rows, or not at all: a notification is readable exactly when its
// error is nil. A store that cannot tell which row failed fails them all;
// one that can fails only bad.
func checkBatchOutcome(t *testing.T, s notify.Store, batch []*notify.Notification, errs []error, bad int) {
	t.Helper()
	failed := 0
	for i, n := range batch {
		if i == bad {
			continue
		}
		got, err := s.GetNotification(t.Context(), n.ID)
		if errs[i] == nil {
			require.NoError(t, err, "notification %d reported stored", i)
			assertNotification(t, n, got)
			continue
		}
		failed++
		assert.ErrorIs(t, err, notify.ErrNotFound, "notification %d reported failed (%v) but stored", i, errs[i])
	}
	assert.True(t, failed == 0 || failed == len(batch)-1,
		"either the bad row fails alone or the whole batch fails; %d of %d others failed", failed, len(batch)-1)
}

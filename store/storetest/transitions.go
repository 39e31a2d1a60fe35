package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testTransition(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	n := f.create(f.notification(0))

	_, err := s.ClaimNotification(ctx, n.ID, at(time.Second), at(time.Minute))
	require.NoError(t, err)

	sentAt := at(2 * time.Second)
	units := 3
	got, err := s.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{
		Status:            notify.StatusSending,
		SentAt:            &sentAt,
		SentBy:            "sandbox",
		BillableUnits:     &units,
		ProviderReference: "ref-123",
		UpdatedAt:         at(3 * time.Second),
	})
	require.NoError(t, err)
	want := *n
	want.Status = notify.StatusSending
	want.SentAt = &sentAt
	want.SentBy = "sandbox"
	want.BillableUnits = 3
	want.ProviderReference = "ref-123"
	want.UpdatedAt = ptr(at(3 * time.Second))
	want.ClaimedUntil = nil
	want.DeliveryAttempts = 1 // the claim above
	assertNotification(t, &want, got, "returned by the transition")
	stored, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assertNotification(t, &want, stored, "stored by the transition")

	t.Run("refused when status not in from", func(t *testing.T) {
		for _, from := range [][]notify.Status{
			{notify.StatusCreated},
			{notify.StatusDelivered, notify.StatusPending},
			{},
			nil,
		} {
			_, err := s.TransitionNotification(ctx, n.ID, from, notify.NotificationUpdate{Status: notify.StatusTechnicalFailure, UpdatedAt: at(time.Hour)})
			require.ErrorIs(t, err, notify.ErrConflict, "from %v", from)
		}
		stored, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, &want, stored, "a refused transition changed the notification")
	})

	t.Run("empty update fields keep stored values", func(t *testing.T) {
		got, err := s.TransitionNotification(ctx, n.ID, notify.ReceiptableStatuses, notify.NotificationUpdate{
			Status:    notify.StatusDelivered,
			UpdatedAt: at(10 * time.Second),
		})
		require.NoError(t, err)
		want.Status = notify.StatusDelivered
		want.UpdatedAt = ptr(at(10 * time.Second))
		assertNotification(t, &want, got)
		stored, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, &want, stored)
	})

	t.Run("clears the lease", func(t *testing.T) {
		m := f.create(f.notification(time.Second))
		_, err := s.ClaimNotification(ctx, m.ID, at(time.Second), at(time.Hour))
		require.NoError(t, err)
		got, err := s.TransitionNotification(ctx, m.ID, []notify.Status{notify.StatusSending, notify.StatusCreated}, notify.NotificationUpdate{Status: notify.StatusCreated, UpdatedAt: at(2 * time.Second)})
		require.NoError(t, err)
		assert.Nil(t, got.ClaimedUntil)
		// Created again without a lease: claimable at once.
		_, err = s.ClaimNotification(ctx, m.ID, at(3*time.Second), at(time.Hour))
		require.NoError(t, err)
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.TransitionNotification(ctx, uuid.New(), []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{Status: notify.StatusSending})
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})
}

func testTransitionRace(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	const racers = 16
	targets := []notify.Status{notify.StatusSending, notify.StatusTechnicalFailure, notify.StatusCancelled, notify.StatusSent}
	for round := range 3 {
		n := f.create(f.notification(time.Duration(round) * time.Second))
		results := make([]*notify.Notification, racers)
		errs := race(racers, func(i int) error {
			got, err := f.store.TransitionNotification(f.ctx, n.ID, []notify.Status{notify.StatusCreated},
				notify.NotificationUpdate{Status: targets[i%len(targets)], SentBy: fmt.Sprint("racer-", i), UpdatedAt: at(time.Minute)})
			results[i] = got
			return err
		})
		winner := -1
		for i, err := range errs {
			if err == nil {
				assert.Equal(t, -1, winner, "round %d: two transitions won", round)
				winner = i
				continue
			}
			assert.ErrorIs(t, err, notify.ErrConflict, "round %d", round)
		}
		require.NotEqual(t, -1, winner, "round %d: no transition won", round)
		stored, err := f.store.GetNotification(f.ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, targets[winner%len(targets)], stored.Status, "round %d: the winner's status is stored", round)
		assert.Equal(t, fmt.Sprint("racer-", winner), stored.SentBy, "round %d: the winner's update is stored", round)
		assert.Equal(t, stored.Status, results[winner].Status)
	}
}

func testFindByProviderReference(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	send := func(fx *fixture, provider, ref string) *notify.Notification {
		n := fx.create(fx.notification(0))
		_, err := s.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated},
			notify.NotificationUpdate{Status: notify.StatusSending, SentBy: provider, ProviderReference: ref, SentAt: ptr(at(time.Second)), UpdatedAt: at(time.Second)})
		require.NoError(t, err)
		return n
	}
	a := send(f, "ses", "ref-a")
	b := send(f, "sandbox", "ref-b")
	c := send(other, "sandbox", "ref-c")
	d := send(f, "mmg", "ref-a") // the same reference at another provider
	f.create(f.notification(time.Minute))

	tests := []struct {
		provider, ref string
		want          *notify.Notification
	}{
		{"ses", "ref-a", a},
		{"sandbox", "ref-b", b},
		{"sandbox", "ref-c", c},
		{"mmg", "ref-a", d},
		{"sandbox", "ref-a", nil},
		{"ses", "ref-b", nil},
		{"ses", "unknown", nil},
		{"ses", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.provider+"/"+tc.ref, func(t *testing.T) {
			got, err := s.FindNotificationByProviderReference(ctx, tc.provider, tc.ref)
			if tc.want == nil {
				assert.ErrorIs(t, err, notify.ErrNotFound)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.ID, got.ID)
			assert.Equal(t, tc.ref, got.ProviderReference)
			assert.Equal(t, tc.provider, got.SentBy)
			assert.Equal(t, notify.StatusSending, got.Status)
		})
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testBatchOfOne checks the batch abilities of delivery with one
// notification per call, which is how a worker delivers a lone task: each
// call must give what ClaimNotification and TransitionNotification give.
func testBatchOfOne(t *testing.T, f *fixture) {
	bc := batchClaimer(t, f.store)
	bt := batchTransitioner(t, f.store)
	ctx, s := f.ctx, f.store
	now := at(time.Minute)
	until := now.Add(30 * time.Second)
	claimOne := func(id uuid.UUID) *notify.Notification {
		t.Helper()
		got, err := bc.ClaimNotifications(ctx, []uuid.UUID{id}, now, until)
		require.NoError(t, err)
		require.LessOrEqual(t, len(got), 1)
		if len(got) == 0 {
			return nil
		}
		return got[0]
	}
	transitionOne := func(tr notify.NotificationTransition) (*notify.Notification, error) {
		t.Helper()
		got, errs := bt.TransitionNotifications(ctx, []notify.NotificationTransition{tr})
		require.Len(t, got, 1)
		require.Len(t, errs, 1)
		return got[0], errs[0]
	}

	free := f.create(f.notification(0))
	claimed := claimOne(free.ID)
	want := *free
	want.ClaimedUntil, want.DeliveryAttempts = &until, free.DeliveryAttempts+1
	assertNotification(t, &want, claimed, "a created notification is claimed")
	assert.Nil(t, claimOne(free.ID), "a leased notification is not claimed again")
	assert.Nil(t, claimOne(uuid.New()), "an unknown notification is absent from the answer")
	delivered := f.notification(time.Second)
	delivered.Status = notify.StatusDelivered
	f.create(delivered)
	assert.Nil(t, claimOne(delivered.ID), "a final notification is not claimed")

	sentAt := at(2 * time.Minute)
	got, err := transitionOne(notify.NotificationTransition{ID: free.ID, From: []notify.Status{notify.StatusCreated},
		Update: notify.NotificationUpdate{Status: notify.StatusDelivered, SentAt: &sentAt, SentBy: "sandbox",
			BillableUnits: ptr(2), ProviderReference: "ref-1", UpdatedAt: at(3 * time.Minute)}})
	require.NoError(t, err)
	want.Status, want.SentAt, want.SentBy, want.BillableUnits, want.ProviderReference, want.UpdatedAt, want.ClaimedUntil =
		notify.StatusDelivered, &sentAt, "sandbox", 2, "ref-1", ptr(at(3*time.Minute)), nil
	assertNotification(t, &want, got, "the transition sets every field given and clears the lease")
	stored, err := s.GetNotification(ctx, free.ID)
	require.NoError(t, err)
	assertNotification(t, &want, stored, "the transition is stored")

	got, err = transitionOne(notify.NotificationTransition{ID: free.ID, From: notify.ReceiptableStatuses,
		Update: notify.NotificationUpdate{Status: notify.StatusPermanentFailure}})
	assert.ErrorIs(t, err, notify.ErrConflict, "from a status not in From")
	assert.Nil(t, got)
	got, err = transitionOne(notify.NotificationTransition{ID: free.ID, Update: notify.NotificationUpdate{Status: notify.StatusSending}})
	assert.ErrorIs(t, err, notify.ErrConflict, "no From status")
	assert.Nil(t, got)
	got, err = transitionOne(notify.NotificationTransition{ID: uuid.New(), From: []notify.Status{notify.StatusCreated},
		Update: notify.NotificationUpdate{Status: notify.StatusSending}})
	assert.ErrorIs(t, err, notify.ErrNotFound, "an unknown notification")
	assert.Nil(t, got)
	stored, err = s.GetNotification(ctx, free.ID)
	require.NoError(t, err)
	assertNotification(t, &want, stored, "refused transitions change nothing")

	// Fields not given are kept.
	sending := f.notification(2 * time.Second)
	sending.Status, sending.SentAt, sending.SentBy, sending.ProviderReference, sending.BillableUnits =
		notify.StatusSending, &sentAt, "earlier", "earlier-ref", 4
	f.create(sending)
	got, err = transitionOne(notify.NotificationTransition{ID: sending.ID, From: notify.ReceiptableStatuses,
		Update: notify.NotificationUpdate{Status: notify.StatusDelivered, UpdatedAt: at(4 * time.Minute)}})
	require.NoError(t, err)
	wantSending := *sending
	wantSending.Status, wantSending.UpdatedAt = notify.StatusDelivered, ptr(at(4*time.Minute))
	assertNotification(t, &wantSending, got, "a receipt keeps the send's details")
}

package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// testBatchDelivery checks the optional batch abilities of delivery,
// notify.BatchClaimer and notify.BatchTransitioner, each skipped with a
// reason when the store does not have it.
func testBatchDelivery(t *testing.T, newStore func(t *testing.T) notify.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"ClaimNotifications", testClaimNotifications},
		{"ClaimNotificationsRace", testClaimNotificationsRace},
		{"TransitionNotifications", testTransitionNotifications},
		{"TransitionNotificationsRace", testTransitionNotificationsRace},
		{"CancelledContext", testDeliveryBatchCancelled},
		{"BatchOfOne", testBatchOfOne},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, setup(t, newStore)) })
	}
}

// batchClaimer returns the store's BatchClaimer or skips the test.
func batchClaimer(t *testing.T, s notify.Store) notify.BatchClaimer {
	t.Helper()
	bc, ok := s.(notify.BatchClaimer)
	if !ok {
		t.Skipf("%T is not a notify.BatchClaimer: batch claims not checked (the Notifier claims one notification at a time)", s)
	}
	return bc
}

// batchTransitioner returns the store's BatchTransitioner or skips the
// test.
func batchTransitioner(t *testing.T, s notify.Store) notify.BatchTransitioner {
	t.Helper()
	bt, ok := s.(notify.BatchTransitioner)
	if !ok {
		t.Skipf("%T is not a notify.BatchTransitioner: batch transitions not checked (the Notifier transitions one notification at a time)", s)
	}
	return bt
}

func testClaimNotifications(t *testing.T, f *fixture) {
	bc := batchClaimer(t, f.store)
	ctx, s := f.ctx, f.store
	now := at(time.Minute)
	until := now.Add(30 * time.Second)

	var free []*notify.Notification
	for i := range 3 {
		free = append(free, f.create(f.notification(time.Duration(i)*time.Second)))
	}
	claim := func(n *notify.Notification, now, until time.Time) *notify.Notification {
		t.Helper()
		got, err := s.ClaimNotification(ctx, n.ID, now, until)
		require.NoError(t, err)
		return got
	}
	leased := claim(f.create(f.notification(3*time.Second)), now.Add(-10*time.Second), now.Add(10*time.Second))
	atExpiry := claim(f.create(f.notification(4*time.Second)), at(0), now)
	expired := claim(f.create(f.notification(5*time.Second)), at(0), now.Add(-time.Second))
	var final []*notify.Notification
	for _, st := range []notify.Status{notify.StatusSending, notify.StatusDelivered, notify.StatusTechnicalFailure} {
		m := f.notification(6 * time.Second)
		m.Status = st
		final = append(final, f.create(m))
	}
	unknown := uuid.New()

	ids := []uuid.UUID{free[0].ID, free[1].ID, leased.ID, atExpiry.ID, unknown, expired.ID, free[2].ID}
	for _, m := range final {
		ids = append(ids, m.ID)
	}
	ids = append(ids, free[1].ID) // named twice: claimed once
	got, err := bc.ClaimNotifications(ctx, ids, now, until)
	require.NoError(t, err)

	want := map[uuid.UUID]*notify.Notification{}
	for _, n := range append(slices.Clone(free), atExpiry, expired) {
		w := *n
		w.ClaimedUntil = &until
		w.DeliveryAttempts = n.DeliveryAttempts + 1
		want[n.ID] = &w
	}
	gotIDs := map[uuid.UUID]int{}
	for _, n := range got {
		gotIDs[n.ID]++
		if w, ok := want[n.ID]; assert.True(t, ok, "claimed %s, which is not claimable", n.ID) {
			assertNotification(t, w, n, "the claim returns the whole notification")
		}
	}
	assert.Len(t, got, len(want), "each claimable notification claimed once")
	for id := range want {
		assert.Equal(t, 1, gotIDs[id], "notification %s claimed %d times", id, gotIDs[id])
	}

	for id, w := range want {
		stored, err := s.GetNotification(ctx, id)
		require.NoError(t, err)
		assertNotification(t, w, stored, "the claim is stored")
	}
	stored, err := s.GetNotification(ctx, leased.ID)
	require.NoError(t, err)
	assertNotification(t, leased, stored, "an active lease is left alone")
	for _, m := range final {
		stored, err := s.GetNotification(ctx, m.ID)
		require.NoError(t, err)
		assertNotification(t, m, stored, "a notification that is no longer created is not claimed")
	}

	t.Run("while the leases are active", func(t *testing.T) {
		got, err := bc.ClaimNotifications(ctx, ids, until.Add(-time.Microsecond), until.Add(time.Minute))
		require.NoError(t, err)
		var claimedIDs []uuid.UUID
		for _, n := range got {
			claimedIDs = append(claimedIDs, n.ID)
		}
		assert.Equal(t, []uuid.UUID{leased.ID}, claimedIDs, "only the lease that expired meanwhile is taken")
	})

	t.Run("expired leases are claimable again", func(t *testing.T) {
		later := until.Add(time.Hour)
		got, err := bc.ClaimNotifications(ctx, ids, later, later.Add(time.Minute))
		require.NoError(t, err)
		assert.Len(t, got, len(want)+1)
		for _, n := range got {
			require.NotNil(t, n.ClaimedUntil)
			assert.True(t, later.Add(time.Minute).Equal(*n.ClaimedUntil))
			if w, ok := want[n.ID]; ok {
				assert.Equal(t, w.DeliveryAttempts+1, n.DeliveryAttempts, "each claim counts")
			}
		}
	})

	t.Run("no ids", func(t *testing.T) {
		got, err := bc.ClaimNotifications(ctx, nil, now, until)
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}

// createMany stores count notifications and returns their ids.
func (f *fixture) createMany(count int) []uuid.UUID {
	ids := make([]uuid.UUID, count)
	for i := range ids {
		ids[i] = f.create(f.notification(time.Duration(i) * time.Millisecond)).ID
	}
	return ids
}

// shuffled returns ids in a random order.
func shuffled(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	rand.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

// winners records which racer won each notification.
type winners struct {
	mu sync.Mutex
	by map[uuid.UUID][]string
}

func (w *winners) win(id uuid.UUID, racer string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.by == nil {
		w.by = map[uuid.UUID][]string{}
	}
	w.by[id] = append(w.by[id], racer)
}

func testClaimNotificationsRace(t *testing.T, f *fixture) {
	bc := batchClaimer(t, f.store)
	ids := f.createMany(60)
	now := at(time.Hour)
	var w winners
	// Half the racers claim every notification in one batch, half one by
	// one, each in its own order.
	errs := race(8, func(i int) error {
		racer, order := fmt.Sprint("racer-", i), shuffled(ids)
		if i%2 == 0 {
			got, err := bc.ClaimNotifications(f.ctx, order, now, now.Add(time.Minute))
			for _, n := range got {
				w.win(n.ID, racer)
			}
			return err
		}
		for _, id := range order {
			_, err := f.store.ClaimNotification(f.ctx, id, now, now.Add(time.Minute))
			switch {
			case err == nil:
				w.win(id, racer)
			case !assert.ErrorIs(t, err, notify.ErrConflict):
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, id := range ids {
		assert.Len(t, w.by[id], 1, "notification %s claimed by %v", id, w.by[id])
		stored, err := f.store.GetNotification(f.ctx, id)
		require.NoError(t, err)
		assert.Equal(t, 1, stored.DeliveryAttempts, "one claim counted")
	}
}

func testTransitionNotifications(t *testing.T, f *fixture) {
	bt := batchTransitioner(t, f.store)
	ctx, s := f.ctx, f.store
	lease := func(n *notify.Notification) *notify.Notification {
		t.Helper()
		got, err := s.ClaimNotification(ctx, n.ID, at(time.Second), at(time.Hour))
		require.NoError(t, err)
		return got
	}
	a := lease(f.create(f.notification(0)))
	b := lease(f.create(f.notification(time.Second)))
	c := lease(f.create(f.notification(2 * time.Second)))
	oldSent := at(3 * time.Second)
	sending := f.notification(3 * time.Second)
	sending.Status, sending.SentAt, sending.SentBy, sending.ProviderReference, sending.BillableUnits =
		notify.StatusSending, &oldSent, "earlier", "earlier-ref", 4
	f.create(sending)
	delivered := f.notification(4 * time.Second)
	delivered.Status = notify.StatusDelivered
	f.create(delivered)
	unknown := uuid.New()

	sentA, sentB := at(10*time.Second), at(11*time.Second)
	ts := []notify.NotificationTransition{
		{ID: a.ID, From: []notify.Status{notify.StatusCreated}, Update: notify.NotificationUpdate{
			Status: notify.StatusSending, SentAt: &sentA, SentBy: "p1", BillableUnits: ptr(2), ProviderReference: "ref-a", UpdatedAt: at(12 * time.Second)}},
		{ID: b.ID, From: []notify.Status{notify.StatusCreated}, Update: notify.NotificationUpdate{
			Status: notify.StatusSent, SentAt: &sentB, SentBy: "p2", BillableUnits: ptr(3), ProviderReference: "ref-b", UpdatedAt: at(13 * time.Second)}},
		{ID: c.ID, From: []notify.Status{notify.StatusSending}, Update: notify.NotificationUpdate{Status: notify.StatusDelivered, UpdatedAt: at(14 * time.Second)}},
		{ID: sending.ID, From: notify.ReceiptableStatuses, Update: notify.NotificationUpdate{Status: notify.StatusDelivered, UpdatedAt: at(15 * time.Second)}},
		{ID: delivered.ID, From: notify.ReceiptableStatuses, Update: notify.NotificationUpdate{Status: notify.StatusPermanentFailure, UpdatedAt: at(16 * time.Second)}},
		{ID: unknown, From: []notify.Status{notify.StatusCreated}, Update: notify.NotificationUpdate{Status: notify.StatusSending}},
		// a again: applies after its first transition.
		{ID: a.ID, From: []notify.Status{notify.StatusSending}, Update: notify.NotificationUpdate{Status: notify.StatusDelivered, UpdatedAt: at(17 * time.Second)}},
		{ID: b.ID, From: nil, Update: notify.NotificationUpdate{Status: notify.StatusTechnicalFailure}},
	}
	got, errs := bt.TransitionNotifications(ctx, ts)
	require.Len(t, got, len(ts))
	require.Len(t, errs, len(ts))

	wantA := *a
	wantA.Status, wantA.SentAt, wantA.SentBy, wantA.BillableUnits, wantA.ProviderReference, wantA.UpdatedAt, wantA.ClaimedUntil =
		notify.StatusSending, &sentA, "p1", 2, "ref-a", ptr(at(12*time.Second)), nil
	wantB := *b
	wantB.Status, wantB.SentAt, wantB.SentBy, wantB.BillableUnits, wantB.ProviderReference, wantB.UpdatedAt, wantB.ClaimedUntil =
		notify.StatusSent, &sentB, "p2", 3, "ref-b", ptr(at(13*time.Second)), nil
	wantSending := *sending
	wantSending.Status, wantSending.UpdatedAt = notify.StatusDelivered, ptr(at(15*time.Second))
	wantA2 := wantA
	wantA2.Status, wantA2.UpdatedAt = notify.StatusDelivered, ptr(at(17*time.Second))

	for i, tc := range []struct {
		want    *notify.Notification
		wantErr error
	}{
		{&wantA, nil},
		{&wantB, nil},
		{nil, notify.ErrConflict},
		{&wantSending, nil},
		{nil, notify.ErrConflict},
		{nil, notify.ErrNotFound},
		{&wantA2, nil},
		{nil, notify.ErrConflict},
	} {
		if tc.wantErr != nil {
			assert.ErrorIs(t, errs[i], tc.wantErr, "transition %d", i)
			assert.Nil(t, got[i], "transition %d", i)
			continue
		}
		if assert.NoError(t, errs[i], "transition %d", i) {
			assertNotification(t, tc.want, got[i], "transition %d returns the notification with its own values", i)
		}
	}

	for _, want := range []*notify.Notification{&wantA2, &wantB, c, &wantSending, delivered} {
		stored, err := s.GetNotification(ctx, want.ID)
		require.NoError(t, err)
		assertNotification(t, want, stored, "stored after the batch")
	}

	t.Run("no transitions", func(t *testing.T) {
		got, errs := bt.TransitionNotifications(ctx, nil)
		assert.Empty(t, got)
		assert.Empty(t, errs)
	})
}

func testTransitionNotificationsRace(t *testing.T, f *fixture) {
	bt := batchTransitioner(t, f.store)
	ids := f.createMany(40)
	var w winners
	// Half the racers move every notification from created in one batch,
	// half one by one, each in its own order and with its own values.
	errs := race(8, func(i int) error {
		by, order := fmt.Sprint("racer-", i), shuffled(ids)
		upd := notify.NotificationUpdate{Status: notify.StatusSending, SentBy: by, UpdatedAt: at(time.Minute)}
		if i%2 == 0 {
			ts := make([]notify.NotificationTransition, len(order))
			for k, id := range order {
				ts[k] = notify.NotificationTransition{ID: id, From: []notify.Status{notify.StatusCreated}, Update: upd}
			}
			got, errs := bt.TransitionNotifications(f.ctx, ts)
			for k, err := range errs {
				if err == nil {
					assert.Equal(t, by, got[k].SentBy)
					w.win(order[k], by)
				} else if !assert.ErrorIs(t, err, notify.ErrConflict) {
					return err
				}
			}
			return nil
		}
		for _, id := range order {
			_, err := f.store.TransitionNotification(f.ctx, id, []notify.Status{notify.StatusCreated}, upd)
			switch {
			case err == nil:
				w.win(id, by)
			case !assert.ErrorIs(t, err, notify.ErrConflict):
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, id := range ids {
		if assert.Len(t, w.by[id], 1, "notification %s moved from created by %v", id, w.by[id]) {
			stored, err := f.store.GetNotification(f.ctx, id)
			require.NoError(t, err)
			assert.Equal(t, w.by[id][0], stored.SentBy, "the winner's values are stored")
		}
	}
}

func testDeliveryBatchCancelled(t *testing.T, f *fixture) {
	bc, claims := f.store.(notify.BatchClaimer)
	bt, transitions := f.store.(notify.BatchTransitioner)
	if !claims && !transitions {
		t.Skipf("%T has no batch ability of delivery: nothing to check", f.store)
	}
	n := f.create(f.notification(0))
	ctx := cancelled(t)
	if claims {
		_, err := bc.ClaimNotifications(ctx, []uuid.UUID{n.ID}, at(time.Minute), at(time.Hour))
		assert.ErrorIs(t, err, context.Canceled, "ClaimNotifications")
	}
	if transitions {
		got, errs := bt.TransitionNotifications(ctx, []notify.NotificationTransition{
			{ID: n.ID, From: []notify.Status{notify.StatusCreated}, Update: notify.NotificationUpdate{Status: notify.StatusSending}},
		})
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.Canceled, "TransitionNotifications")
		assert.Nil(t, got[0])
	}
	stored, err := f.store.GetNotification(f.ctx, n.ID)
	require.NoError(t, err)
	assertNotification(t, n, stored, "nothing changed under a cancelled context")
}

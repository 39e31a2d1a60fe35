package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testSweepable(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store
	now := at(time.Hour)
	createdBefore := now.Add(-10 * time.Minute)

	mk := func(fx *fixture, createdAt time.Time, mod func(n *notify.Notification)) *notify.Notification {
		n := fx.notification(0)
		n.CreatedAt = createdAt
		if mod != nil {
			mod(n)
		}
		return fx.create(n)
	}
	oldest := mk(f, createdBefore.Add(-time.Hour), nil)
	sameA := mk(other, createdBefore.Add(-30*time.Minute), nil) // other services are swept too
	sameB := mk(f, createdBefore.Add(-30*time.Minute), nil)
	expired := mk(f, createdBefore.Add(-20*time.Minute), func(n *notify.Notification) { n.ClaimedUntil = ptr(now.Add(-time.Second)) })
	atNow := mk(f, createdBefore.Add(-15*time.Minute), func(n *notify.Notification) { n.ClaimedUntil = ptr(now) })
	mk(f, createdBefore.Add(-12*time.Minute), func(n *notify.Notification) { n.ClaimedUntil = ptr(now.Add(time.Microsecond)) })
	mk(f, createdBefore.Add(-11*time.Minute), func(n *notify.Notification) { n.Status = notify.StatusSending })
	mk(f, createdBefore.Add(-11*time.Minute), func(n *notify.Notification) { n.Status = notify.StatusDelivered })
	mk(f, createdBefore, nil)                  // not strictly before
	mk(f, createdBefore.Add(time.Minute), nil) // too recent
	leased := mk(f, createdBefore.Add(-5*time.Minute), nil)
	_, err := s.ClaimNotification(ctx, leased.ID, now.Add(-time.Minute), now.Add(time.Minute))
	require.NoError(t, err)

	tied := []*notify.Notification{sameA, sameB}
	slices.SortFunc(tied, func(a, b *notify.Notification) int { return compareIDs(a.ID, b.ID) })
	all := []uuid.UUID{oldest.ID, tied[0].ID, tied[1].ID, expired.ID, atNow.ID}

	tests := []struct {
		name  string
		limit int
		want  []uuid.UUID
	}{
		{"all", 100, all},
		{"limit 2", 2, all[:2]},
		{"limit 1", 1, all[:1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListSweepable(ctx, createdBefore, now, tc.limit)
			require.NoError(t, err)
			assert.Equal(t, tc.want, notificationIDs(got))
			for _, n := range got {
				assert.Equal(t, notify.StatusCreated, n.Status)
			}
		})
	}

	t.Run("lease expiry", func(t *testing.T) {
		later := now.Add(time.Hour)
		got, err := s.ListSweepable(ctx, createdBefore, later, 100)
		require.NoError(t, err)
		ids := notificationIDs(got)
		assert.Contains(t, ids, leased.ID, "an expired lease is sweepable")
		assert.Len(t, ids, 7)
	})

	t.Run("nothing old enough", func(t *testing.T) {
		got, err := s.ListSweepable(ctx, at(-10*time.Hour), now, 100)
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}

func testInProgress(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store
	cutoff := at(0)
	mk := func(fx *fixture, status notify.Status, sentBy string, sent *time.Time) *notify.Notification {
		n := fx.notification(-2 * time.Hour)
		n.Status, n.SentBy, n.SentAt = status, sentBy, sent
		return fx.create(n)
	}
	oldest := mk(f, notify.StatusSending, "sandbox", ptr(cutoff.Add(-time.Hour)))
	pending := mk(other, notify.StatusPending, "sandbox", ptr(cutoff.Add(-30*time.Minute))) // every service
	mmg := mk(f, notify.StatusSending, "mmg", ptr(cutoff.Add(-20*time.Minute)))
	mk(f, notify.StatusSending, "sandbox", ptr(cutoff))                   // not strictly before
	mk(f, notify.StatusSending, "sandbox", ptr(cutoff.Add(time.Minute)))  // too recent
	mk(f, notify.StatusDelivered, "sandbox", ptr(cutoff.Add(-time.Hour))) // final
	mk(f, notify.StatusSent, "sandbox", ptr(cutoff.Add(-time.Hour)))      // sent (international) is final
	mk(f, notify.StatusCreated, "", nil)                                  // never handed over
	mk(f, notify.StatusSending, "sandbox", nil)                           // no sent_at

	got, err := s.ListInProgress(ctx, "sandbox", cutoff, 100)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{oldest.ID, pending.ID}, notificationIDs(got), "sandbox's, oldest sent first")
	got, err = s.ListInProgress(ctx, "", cutoff, 100)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{oldest.ID, pending.ID, mmg.ID}, notificationIDs(got), "any provider")
	got, err = s.ListInProgress(ctx, "", cutoff, 2)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{oldest.ID, pending.ID}, notificationIDs(got), "limit")
	got, err = s.ListInProgress(ctx, "ses", cutoff, 100)
	require.NoError(t, err)
	assert.Empty(t, got)
}

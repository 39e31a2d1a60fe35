package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testClaim(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	n := f.create(f.notification(0))
	now := at(time.Minute)
	until := now.Add(30 * time.Second)

	got, err := s.ClaimNotification(ctx, n.ID, now, until)
	require.NoError(t, err)
	require.NotNil(t, got.ClaimedUntil)
	assert.True(t, until.Equal(*got.ClaimedUntil), "claimed until %v, want %v", got.ClaimedUntil, until)
	want := *n
	want.ClaimedUntil = &until
	want.DeliveryAttempts = n.DeliveryAttempts + 1
	assertNotification(t, &want, got, "the claim returns the whole notification")

	stored, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	require.NotNil(t, stored.ClaimedUntil)
	assert.True(t, until.Equal(*stored.ClaimedUntil))

	tests := []struct {
		name    string
		now     time.Time
		wantErr error
	}{
		{"while the lease is active", now.Add(time.Second), notify.ErrConflict},
		{"a microsecond before expiry", until.Add(-time.Microsecond), notify.ErrConflict},
		{"at expiry", until, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := tc.now.Add(30 * time.Second)
			got, err := s.ClaimNotification(ctx, n.ID, tc.now, next)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.ClaimedUntil)
			assert.True(t, next.Equal(*got.ClaimedUntil))
		})
	}

	t.Run("after expiry", func(t *testing.T) {
		later := until.Add(time.Hour)
		_, err := s.ClaimNotification(ctx, n.ID, later, later.Add(time.Minute))
		require.NoError(t, err)
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.ClaimNotification(ctx, uuid.New(), now, until)
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})

	for _, st := range []notify.Status{notify.StatusSending, notify.StatusDelivered, notify.StatusTechnicalFailure, notify.StatusCancelled} {
		t.Run("refused when "+string(st), func(t *testing.T) {
			m := f.notification(time.Second)
			m.Status = st
			f.create(m)
			_, err := s.ClaimNotification(ctx, m.ID, now, until)
			require.ErrorIs(t, err, notify.ErrConflict)
			got, err := s.GetNotification(ctx, m.ID)
			require.NoError(t, err)
			assert.Nil(t, got.ClaimedUntil, "a refused claim set the lease")
		})
	}
}

func testClaimRace(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	const racers = 16
	for round := range 3 {
		n := f.create(f.notification(time.Duration(round) * time.Second))
		now := at(time.Hour)
		errs := race(racers, func(int) error {
			_, err := f.store.ClaimNotification(f.ctx, n.ID, now, now.Add(time.Minute))
			return err
		})
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			assert.ErrorIs(t, err, notify.ErrConflict, "round %d", round)
		}
		assert.Equal(t, 1, wins, "round %d: exactly one claim wins", round)
	}
}

func testRelease(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	n := f.create(f.notification(0))
	now := at(time.Minute)

	_, err := s.ClaimNotification(ctx, n.ID, now, now.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.ReleaseNotification(ctx, n.ID))
	got, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assert.Nil(t, got.ClaimedUntil, "release clears the lease")
	assert.Equal(t, notify.StatusCreated, got.Status)

	assert.Equal(t, 1, got.DeliveryAttempts, "release keeps the attempt count")

	// Claimable again at once, and each claim counts.
	again, err := s.ClaimNotification(ctx, n.ID, now, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, again.DeliveryAttempts)
	refused, err := s.ClaimNotification(ctx, n.ID, now, now.Add(time.Hour))
	require.ErrorIs(t, err, notify.ErrConflict)
	assert.Nil(t, refused)
	got, err = s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.DeliveryAttempts, "a refused claim does not count")

	// Releasing an unleased notification is fine.
	m := f.create(f.notification(time.Second))
	require.NoError(t, s.ReleaseNotification(ctx, m.ID))

	assert.ErrorIs(t, s.ReleaseNotification(ctx, uuid.New()), notify.ErrNotFound)
}

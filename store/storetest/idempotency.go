package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// idemRecord returns a fresh record of an in-flight request made at
// base+d with a lease of a minute and a life of a day.
func idemRecord(serviceID uuid.UUID, key string, d time.Duration) *notify.IdempotencyRecord {
	return &notify.IdempotencyRecord{
		ServiceID:   serviceID,
		Key:         key,
		RequestHash: strings.Repeat("ab", 32),
		ResourceID:  uuid.New(),
		Owner:       uuid.New(),
		LockedUntil: at(d + time.Minute),
		CreatedAt:   at(d),
		ExpiresAt:   at(d + 24*time.Hour),
	}
}

// normIdem normalises a record's times for comparison.
func normIdem(r notify.IdempotencyRecord) notify.IdempotencyRecord {
	r.LockedUntil, r.CreatedAt, r.ExpiresAt = utc(r.LockedUntil), utc(r.CreatedAt), utc(r.ExpiresAt)
	return r
}

// lookup returns the record the store holds for key, found by reserving
// it again at base+d with a record that must not be stored.
func lookupIdem(t *testing.T, st notify.IdempotencyStore, serviceID uuid.UUID, key string, d time.Duration) *notify.IdempotencyRecord {
	t.Helper()
	probe := idemRecord(serviceID, key, d)
	probe.RequestHash = "probe"
	prev, err := st.ReserveIdempotencyKey(t.Context(), probe)
	require.NoError(t, err)
	require.NotNil(t, prev, "the key is held")
	return prev
}

func testIdempotencyKeys(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	st := ability[notify.IdempotencyStore](t, f.store, "IdempotencyStore")
	ctx := f.ctx
	svc, other := f.svc.ID, f.other().svc.ID

	t.Run("reserve once per service and key", func(t *testing.T) {
		first := idemRecord(svc, "key-1", 0)
		prev, err := st.ReserveIdempotencyKey(ctx, first)
		require.NoError(t, err)
		assert.Nil(t, prev, "a new key is reserved")

		second := idemRecord(svc, "key-1", time.Second)
		second.RequestHash = "another"
		prev, err = st.ReserveIdempotencyKey(ctx, second)
		require.NoError(t, err)
		require.NotNil(t, prev, "a held key is not reserved again")
		assert.Equal(t, normIdem(*first), normIdem(*prev), "the first record is returned as stored")

		prev, err = st.ReserveIdempotencyKey(ctx, idemRecord(other, "key-1", time.Second))
		require.NoError(t, err)
		assert.Nil(t, prev, "another service has keys of its own")
		prev, err = st.ReserveIdempotencyKey(ctx, idemRecord(svc, "KEY-1", time.Second))
		require.NoError(t, err)
		assert.Nil(t, prev, "keys are case-sensitive")
	})

	t.Run("an expired key is replaced", func(t *testing.T) {
		old := idemRecord(svc, "key-expiring", 0)
		_, err := st.ReserveIdempotencyKey(ctx, old)
		require.NoError(t, err)
		still := idemRecord(svc, "key-expiring", 24*time.Hour-time.Microsecond)
		prev, err := st.ReserveIdempotencyKey(ctx, still)
		require.NoError(t, err)
		require.NotNil(t, prev, "held until its expiry")

		fresh := idemRecord(svc, "key-expiring", 24*time.Hour)
		prev, err = st.ReserveIdempotencyKey(ctx, fresh)
		require.NoError(t, err)
		assert.Nil(t, prev, "reserved again at its expiry")
		got := lookupIdem(t, st, svc, "key-expiring", 25*time.Hour)
		assert.Equal(t, normIdem(*fresh), normIdem(*got))
	})

	t.Run("take over an abandoned lease", func(t *testing.T) {
		r := idemRecord(svc, "key-lease", 0)
		_, err := st.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		taker := uuid.New()

		err = st.TakeOverIdempotencyKey(ctx, svc, r.Key, r.Owner, taker, at(30*time.Second), at(2*time.Minute))
		assert.ErrorIs(t, err, notify.ErrConflict, "the lease still runs")
		err = st.TakeOverIdempotencyKey(ctx, svc, r.Key, uuid.New(), taker, at(time.Minute), at(2*time.Minute))
		assert.ErrorIs(t, err, notify.ErrConflict, "another owner")
		err = st.TakeOverIdempotencyKey(ctx, other, r.Key, r.Owner, taker, at(time.Minute), at(2*time.Minute))
		assert.ErrorIs(t, err, notify.ErrConflict, "another service's key")

		require.NoError(t, st.TakeOverIdempotencyKey(ctx, svc, r.Key, r.Owner, taker, at(time.Minute), at(2*time.Minute)))
		got := lookupIdem(t, st, svc, r.Key, time.Minute)
		assert.Equal(t, taker, got.Owner)
		assert.Equal(t, at(2*time.Minute), utc(got.LockedUntil))
		assert.Equal(t, r.ResourceID, got.ResourceID, "the resource id is kept")

		err = st.TakeOverIdempotencyKey(ctx, svc, r.Key, r.Owner, uuid.New(), at(3*time.Minute), at(4*time.Minute))
		assert.ErrorIs(t, err, notify.ErrConflict, "the old owner's lease was taken")
	})

	t.Run("complete", func(t *testing.T) {
		r := idemRecord(svc, "key-complete", 0)
		_, err := st.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		assert.ErrorIs(t, st.CompleteIdempotencyKey(ctx, svc, r.Key, uuid.New()), notify.ErrNotFound, "another resource")
		assert.ErrorIs(t, st.CompleteIdempotencyKey(ctx, svc, "key-absent", r.ResourceID), notify.ErrNotFound, "no such key")
		require.NoError(t, st.CompleteIdempotencyKey(ctx, svc, r.Key, r.ResourceID))
		got := lookupIdem(t, st, svc, r.Key, time.Second)
		assert.True(t, got.Completed)

		// A completed key cannot be taken over, released or unlocked.
		err = st.TakeOverIdempotencyKey(ctx, svc, r.Key, r.Owner, uuid.New(), at(time.Hour), at(2*time.Hour))
		assert.ErrorIs(t, err, notify.ErrConflict)
		require.NoError(t, st.ReleaseIdempotencyKey(ctx, svc, r.Key, r.Owner))
		require.NoError(t, st.EndIdempotencyLease(ctx, svc, r.Key, r.Owner, at(time.Second)))
		after := lookupIdem(t, st, svc, r.Key, time.Second)
		assert.Equal(t, normIdem(*got), normIdem(*after))
	})

	t.Run("release", func(t *testing.T) {
		r := idemRecord(svc, "key-release", 0)
		_, err := st.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.NoError(t, st.ReleaseIdempotencyKey(ctx, svc, r.Key, uuid.New()), "another owner: nothing happens")
		lookupIdem(t, st, svc, r.Key, time.Second)
		require.NoError(t, st.ReleaseIdempotencyKey(ctx, svc, r.Key, r.Owner))
		again := idemRecord(svc, r.Key, time.Second)
		prev, err := st.ReserveIdempotencyKey(ctx, again)
		require.NoError(t, err)
		assert.Nil(t, prev, "a released key is free")
		require.NoError(t, st.ReleaseIdempotencyKey(ctx, svc, "key-never-used", r.Owner), "no record: no error")
	})

	t.Run("end the lease", func(t *testing.T) {
		r := idemRecord(svc, "key-end", 0)
		_, err := st.ReserveIdempotencyKey(ctx, r)
		require.NoError(t, err)
		require.NoError(t, st.EndIdempotencyLease(ctx, svc, r.Key, uuid.New(), at(time.Second)))
		assert.Equal(t, at(time.Minute), utc(lookupIdem(t, st, svc, r.Key, time.Second).LockedUntil), "another owner: unchanged")
		require.NoError(t, st.EndIdempotencyLease(ctx, svc, r.Key, r.Owner, at(time.Second)))
		assert.Equal(t, at(time.Second), utc(lookupIdem(t, st, svc, r.Key, time.Second).LockedUntil))
		require.NoError(t, st.TakeOverIdempotencyKey(ctx, svc, r.Key, r.Owner, uuid.New(), at(time.Second), at(time.Minute)),
			"an ended lease can be taken over at once")
	})

	t.Run("cancelled context", func(t *testing.T) {
		_, err := st.ReserveIdempotencyKey(cancelled(t), idemRecord(svc, "key-cancelled", 0))
		assert.ErrorIs(t, err, context.Canceled)
		_, err = st.DeleteExpiredIdempotencyKeys(cancelled(t), at(0), 0)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func testIdempotencyPurge(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	st := ability[notify.IdempotencyStore](t, f.store, "IdempotencyStore")
	ctx := f.ctx
	// Five keys expire at base+24h, two a day later.
	for i := range 7 {
		d := time.Duration(0)
		if i >= 5 {
			d = 24 * time.Hour
		}
		_, err := st.ReserveIdempotencyKey(ctx, idemRecord(f.svc.ID, "key-"+string(rune('a'+i)), d))
		require.NoError(t, err)
	}
	n, err := st.DeleteExpiredIdempotencyKeys(ctx, at(24*time.Hour-time.Microsecond), 0)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing expired yet")
	n, err = st.DeleteExpiredIdempotencyKeys(ctx, at(24*time.Hour), 3)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "at most limit")
	n, err = st.DeleteExpiredIdempotencyKeys(ctx, at(24*time.Hour), 0)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the rest of the expired ones")
	for i := range 7 {
		key := "key-" + string(rune('a'+i))
		prev, err := st.ReserveIdempotencyKey(ctx, idemRecord(f.svc.ID, key, 24*time.Hour))
		require.NoError(t, err)
		if i >= 5 {
			assert.NotNil(t, prev, "%s has not expired and is kept", key)
		} else {
			assert.Nil(t, prev, "%s was deleted", key)
		}
	}
}

func testIdempotencyRace(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	st := ability[notify.IdempotencyStore](t, f.store, "IdempotencyStore")
	const n = 8
	records := make([]*notify.IdempotencyRecord, n)
	for i := range records {
		records[i] = idemRecord(f.svc.ID, "key-race", 0)
	}
	won := make([]bool, n)
	errs := race(n, func(i int) error {
		prev, err := st.ReserveIdempotencyKey(f.ctx, records[i])
		won[i] = err == nil && prev == nil
		return err
	})
	require.NoError(t, errors.Join(errs...))
	winners := 0
	winner := -1
	for i, w := range won {
		if w {
			winners++
			winner = i
		}
	}
	require.Equal(t, 1, winners, "exactly one concurrent reservation wins")
	got := lookupIdem(t, st, f.svc.ID, "key-race", time.Second)
	assert.Equal(t, records[winner].Owner, got.Owner, "the winner's record is stored")

	// Concurrent take-overs of an abandoned lease: one wins.
	from := records[winner].Owner
	takers := race(n, func(int) error {
		return st.TakeOverIdempotencyKey(f.ctx, f.svc.ID, "key-race", from, uuid.New(), at(time.Hour), at(2*time.Hour))
	})
	ok := 0
	for _, err := range takers {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, notify.ErrConflict)
		}
	}
	assert.Equal(t, 1, ok, "exactly one take-over wins")
}

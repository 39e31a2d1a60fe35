package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testAPIKeys(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	// Inserted out of order: the list is oldest first.
	late := newAPIKey(f.svc.ID, notify.KeyTypeSimulate, at(2*time.Hour))
	early := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(-time.Hour))
	late.EncryptedSecret = []byte{0xff, 0x00, 0xff, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0}
	require.NoError(t, s.CreateAPIKey(ctx, late))
	require.NoError(t, s.CreateAPIKey(ctx, early))

	keys, err := s.ListAPIKeys(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, keys, 3)
	for i, want := range []*notify.APIKey{early, f.key, late} {
		assert.Equal(t, normAPIKey(*want), normAPIKey(keys[i]), "key %d", i)
		assert.Empty(t, keys[i].Secret)
	}
	assert.Equal(t, late.EncryptedSecret, keys[2].EncryptedSecret, "encrypted secret bytes")

	otherKeys, err := s.ListAPIKeys(ctx, other.svc.ID)
	require.NoError(t, err)
	require.Len(t, otherKeys, 1)
	assert.Equal(t, other.key.ID, otherKeys[0].ID)

	noKeys, err := s.ListAPIKeys(ctx, uuid.New())
	require.NoError(t, err)
	assert.Empty(t, noKeys)

	t.Run("duplicate", func(t *testing.T) {
		dup := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(5*time.Hour))
		dup.ID = early.ID
		require.ErrorIs(t, s.CreateAPIKey(ctx, dup), notify.ErrDuplicate)
		keys, err := s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		assert.Len(t, keys, 3)
	})

	t.Run("revoke", func(t *testing.T) {
		first, second := at(3*time.Hour), at(4*time.Hour)
		require.NoError(t, s.RevokeAPIKey(ctx, f.svc.ID, early.ID, first))
		// A second revocation keeps the first expiry date.
		require.NoError(t, s.RevokeAPIKey(ctx, f.svc.ID, early.ID, second))
		keys, err := s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		require.Len(t, keys, 3, "revoked keys are listed")
		require.Equal(t, early.ID, keys[0].ID)
		require.NotNil(t, keys[0].ExpiryDate)
		assert.True(t, first.Equal(*keys[0].ExpiryDate), "expiry %v, want %v", keys[0].ExpiryDate, first)
		assert.True(t, keys[0].Revoked())
		assert.Nil(t, keys[1].ExpiryDate, "another key was revoked")
		assert.Nil(t, keys[2].ExpiryDate, "another key was revoked")
	})

	t.Run("revoke not found", func(t *testing.T) {
		assert.ErrorIs(t, s.RevokeAPIKey(ctx, f.svc.ID, uuid.New(), at(0)), notify.ErrNotFound)
		// A key of another service is not found either, and stays valid.
		assert.ErrorIs(t, s.RevokeAPIKey(ctx, f.svc.ID, other.key.ID, at(0)), notify.ErrNotFound)
		keys, err := s.ListAPIKeys(ctx, other.svc.ID)
		require.NoError(t, err)
		require.Len(t, keys, 1)
		assert.Nil(t, keys[0].ExpiryDate)
	})
}

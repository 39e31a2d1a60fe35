package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testServices(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	ctx := t.Context()
	svc := newService()
	svc.Permissions = []notify.Permission{notify.PermissionSMS, notify.PermissionEmail, notify.PermissionInternationalSMS}
	require.NoError(t, s.CreateService(ctx, svc))

	got, err := s.GetService(ctx, svc.ID)
	require.NoError(t, err)
	assert.Equal(t, normService(*svc), normService(*got))
	assert.True(t, got.Can(notify.PermissionInternationalSMS))
	assert.False(t, got.Can(notify.PermissionUKLandlines))

	t.Run("duplicate", func(t *testing.T) {
		dup := newService()
		dup.ID = svc.ID
		dup.Name = "another name"
		err := s.CreateService(ctx, dup)
		require.ErrorIs(t, err, notify.ErrDuplicate)
		got, err := s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, svc.Name, got.Name, "a refused duplicate changed the service")
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.GetService(ctx, uuid.New())
		assert.ErrorIs(t, err, notify.ErrNotFound)
		err = s.UpdateService(ctx, newService())
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})

	t.Run("update", func(t *testing.T) {
		upd := *svc
		upd.Name = "Renamed ’ service"
		upd.Restricted = false
		upd.Archived = true
		upd.ResearchMode = true
		upd.MessageLimit = 250000
		upd.SMSMessageLimit = 1000
		upd.EmailMessageLimit = 0
		upd.InternationalSMSMessageLimit = 7
		upd.Permissions = []notify.Permission{notify.PermissionEmail, notify.PermissionUKLandlines}
		upd.PrefixSMS = false
		upd.SMSSender = ""
		upd.EmailFrom = "renamed"
		upd.RateLimit = 10
		upd.DataRetentionDays = 30
		upd.CallbackURL = ""
		upd.CallbackToken = ""
		upd.UpdatedAt = at(time.Hour)
		require.NoError(t, s.UpdateService(ctx, &upd))
		got, err := s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, normService(upd), normService(*got))

		upd.Permissions = nil
		require.NoError(t, s.UpdateService(ctx, &upd))
		got, err = s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Empty(t, got.Permissions)
	})

	t.Run("other service untouched", func(t *testing.T) {
		other := newService()
		require.NoError(t, s.CreateService(ctx, other))
		got, err := s.GetService(ctx, other.ID)
		require.NoError(t, err)
		assert.Equal(t, normService(*other), normService(*got))
	})
}

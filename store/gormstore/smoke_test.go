package gormstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, newStore func(t testing.TB) *Store) {
		ctx := context.Background()
		st := newStore(t)
		require.NoError(t, st.Ping(ctx))
		sv := &notify.Service{ID: uuid.New(), Name: "A", Permissions: []notify.Permission{notify.PermissionSMS}, MessageLimit: 50}
		require.NoError(t, st.CreateService(ctx, sv))
		got, err := st.GetService(ctx, sv.ID)
		require.NoError(t, err)
		assert.Equal(t, sv, got)
		now := time.Now().UTC().Truncate(time.Microsecond)
		n := &notify.Notification{ID: uuid.New(), ServiceID: sv.ID, TemplateID: uuid.New(), TemplateVersion: 1,
			APIKeyID: uuid.New(), KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700 900 999",
			NormalisedTo: "447700900999", Personalisation: map[string]any{"name": "Jo"}, Body: "hi",
			Status: notify.StatusCreated, CreatedAt: now}
		require.NoError(t, st.CreateNotification(ctx, n))
		gn, err := st.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, n, gn)
		c, err := st.CountNotifications(ctx, sv.ID, now.Add(-time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 1, c)
		claimed, err := st.ClaimNotification(ctx, n.ID, now, now.Add(time.Minute))
		require.NoError(t, err)
		require.NotNil(t, claimed.ClaimedUntil)
		_, err = st.ClaimNotification(ctx, n.ID, now, now.Add(time.Minute))
		require.ErrorIs(t, err, notify.ErrConflict)
		_, err = st.ClaimNotification(ctx, uuid.New(), now, now.Add(time.Minute))
		require.ErrorIs(t, err, notify.ErrNotFound)
		tr, err := st.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{Status: notify.StatusSending, SentBy: "sandbox", ProviderReference: "ref1", UpdatedAt: now})
		require.NoError(t, err)
		assert.Equal(t, notify.StatusSending, tr.Status)
		assert.Nil(t, tr.ClaimedUntil)
		f, err := st.FindNotificationByProviderReference(ctx, "sandbox", "ref1")
		require.NoError(t, err)
		assert.Equal(t, n.ID, f.ID)
		list, err := st.ListNotifications(ctx, notify.NotificationFilter{ServiceID: sv.ID, KeyType: notify.KeyTypeLive, Statuses: []notify.Status{notify.StatusSending}})
		require.NoError(t, err)
		assert.Len(t, list, 1)
		require.ErrorIs(t, st.CreateNotification(ctx, n), notify.ErrDuplicate)
		v, err := st.LoadOrStoreSetting(ctx, "k", "a")
		require.NoError(t, err)
		assert.Equal(t, "a", v)
		v, err = st.LoadOrStoreSetting(ctx, "k", "b")
		require.NoError(t, err)
		assert.Equal(t, "a", v)
	})
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testDataRetention(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	r := ability[notify.DataRetentionStore](t, f.store, "DataRetentionStore")
	ctx := f.ctx

	empty, err := r.ListDataRetention(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, empty)

	sms := &notify.DataRetention{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.SMS, Days: 14, CreatedAt: at(0)}
	email := &notify.DataRetention{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.Email, Days: 30, CreatedAt: at(time.Hour)}
	require.NoError(t, r.CreateDataRetention(ctx, sms))
	require.NoError(t, r.CreateDataRetention(ctx, email))

	dup := &notify.DataRetention{ID: uuid.New(), ServiceID: f.svc.ID, Type: notify.SMS, Days: 5, CreatedAt: at(0)}
	assert.ErrorIs(t, r.CreateDataRetention(ctx, dup), notify.ErrDuplicate, "one per service and type")
	orphan := &notify.DataRetention{ID: uuid.New(), ServiceID: uuid.New(), Type: notify.SMS, Days: 5, CreatedAt: at(0)}
	assert.ErrorIs(t, r.CreateDataRetention(ctx, orphan), notify.ErrNotFound, "the service must exist")

	require.NoError(t, r.UpdateDataRetention(ctx, f.svc.ID, sms.ID, 21, at(2*time.Hour)))
	assert.ErrorIs(t, r.UpdateDataRetention(ctx, f.svc.ID, uuid.New(), 21, at(0)), notify.ErrNotFound)
	assert.ErrorIs(t, r.UpdateDataRetention(ctx, uuid.New(), sms.ID, 21, at(0)), notify.ErrNotFound,
		"another service's id is not found")

	got, err := r.ListDataRetention(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, notify.Email, got[0].Type, "ordered by type")
	assert.Equal(t, 30, got[0].Days)
	assert.Nil(t, got[0].UpdatedAt)
	assert.Equal(t, sms.ID, got[1].ID)
	assert.Equal(t, 21, got[1].Days)
	if assert.NotNil(t, got[1].UpdatedAt) {
		assert.Equal(t, at(2*time.Hour), got[1].UpdatedAt.UTC())
	}
	assert.Equal(t, at(0), got[1].CreatedAt.UTC())
}

func testArchiveNotifications(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	a := ability[notify.NotificationArchiver](t, f.store, "ArchiveNotifications")
	ctx, s := f.ctx, f.store
	cutoff := at(0)

	mk := func(fx *fixture, created time.Time, typ notify.NotificationType, kt notify.KeyType) *notify.Notification {
		n := fx.notification(0)
		n.CreatedAt, n.Type, n.KeyType = created, typ, kt
		n.ProviderReference, n.SentBy = uuid.NewString(), "sandbox"
		if typ == notify.Email {
			n.TemplateID, n.To, n.NormalisedTo = fx.email.ID, "a@example.com", "a@example.com"
		}
		return fx.create(n)
	}
	old := cutoff.Add(-time.Hour)
	cases := []struct {
		name string
		n    *notify.Notification
		gone bool
	}{
		{"old live sms", mk(f, old, notify.SMS, notify.KeyTypeLive), true},
		{"old team sms", mk(f, old, notify.SMS, notify.KeyTypeTeam), true},
		{"old test sms", mk(f, old, notify.SMS, notify.KeyTypeSimulate), true},
		{"sms at the cut-off", mk(f, cutoff, notify.SMS, notify.KeyTypeLive), false},
		{"old email", mk(f, old, notify.Email, notify.KeyTypeLive), false},
		{"another service's old sms", mk(other, old, notify.SMS, notify.KeyTypeLive), false},
	}
	for range 4 {
		mk(f, old.Add(-time.Minute), notify.SMS, notify.KeyTypeLive)
	}

	moved, err := a.ArchiveNotifications(ctx, f.svc.ID, notify.SMS, cutoff, 2)
	require.NoError(t, err)
	assert.Equal(t, 7, moved, "in batches of 2 until none is left")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.GetNotification(ctx, c.n.ID)
			if c.gone {
				assert.ErrorIs(t, err, notify.ErrNotFound)
				_, err = s.FindNotificationByProviderReference(ctx, "sandbox", c.n.ProviderReference)
				assert.ErrorIs(t, err, notify.ErrNotFound, "nor found by provider reference")
			} else {
				assert.NoError(t, err)
			}
		})
	}
	list, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, IncludeJobs: true})
	require.NoError(t, err)
	assert.Len(t, list, 2, "what is left is listed")

	again, err := a.ArchiveNotifications(ctx, f.svc.ID, notify.SMS, cutoff, 0)
	require.NoError(t, err)
	assert.Zero(t, again)

	_, err = a.ArchiveNotifications(cancelled(t), f.svc.ID, notify.Email, cutoff, 0)
	assert.Error(t, err, "a cancelled context")
	_, err = s.GetNotification(ctx, cases[4].n.ID)
	assert.NoError(t, err, "a cancelled archive moves nothing")
}

package memstore_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/store/memstore"
)

func newNotification() *notify.Notification {
	return &notify.Notification{
		ID:              uuid.New(),
		ServiceID:       uuid.New(),
		Type:            notify.SMS,
		Status:          notify.StatusCreated,
		To:              "07700900000",
		Personalisation: map[string]any{"name": "Ada"},
		CreatedAt:       time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

// withNotification returns a new Store holding one new notification.
func withNotification(t *testing.T) (*memstore.Store, *notify.Notification) {
	t.Helper()
	s, n := memstore.New(), newNotification()
	require.NoError(t, s.CreateNotification(t.Context(), n))
	return s, n
}

func TestCreateNotificationsRowErrors(t *testing.T) {
	t.Parallel()
	s, existing := withNotification(t)
	ctx := t.Context()

	stored := newNotification()
	stored.CreatedAt = time.Time{}
	dup := newNotification()
	dup.ID = existing.ID
	dup.CreatedAt = time.Time{}
	errs := s.CreateNotifications(ctx, []*notify.Notification{stored, nil, dup})
	require.Len(t, errs, 3)
	assert.NoError(t, errs[0])
	assert.Error(t, errs[1], "a nil notification fails alone")
	assert.ErrorIs(t, errs[2], notify.ErrDuplicate)

	assert.False(t, stored.CreatedAt.IsZero(), "a stored notification gets its CreatedAt back")
	assert.Equal(t, time.UTC, stored.CreatedAt.Location())
	assert.True(t, dup.CreatedAt.IsZero(), "a refused notification is left as it was")
	got, err := s.GetNotification(ctx, stored.ID)
	require.NoError(t, err)
	assert.True(t, stored.CreatedAt.Equal(got.CreatedAt), "the CreatedAt written back is the one stored")
}

func TestClaimNotificationsOncePerID(t *testing.T) {
	t.Parallel()
	s, n := withNotification(t)
	ctx := t.Context()
	// A lease that ends at now leaves the notification claimable: a
	// repeated id must still be claimed once.
	now := time.Date(2025, 1, 2, 4, 0, 0, 0, time.UTC)
	got, err := s.ClaimNotifications(ctx, []uuid.UUID{n.ID, n.ID}, now, now)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, 1, got[0].DeliveryAttempts)

	// What comes back is a copy.
	got[0].Personalisation["name"] = "changed"
	*got[0].ClaimedUntil = now.Add(time.Hour)
	stored, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ada", stored.Personalisation["name"])
	assert.True(t, now.Equal(*stored.ClaimedUntil))
}

func TestTransitionNotificationsIndexesReferences(t *testing.T) {
	t.Parallel()
	s, n := withNotification(t)
	ctx := t.Context()
	sent := time.Date(2025, 1, 2, 5, 0, 0, 0, time.UTC)
	got, errs := s.TransitionNotifications(ctx, []notify.NotificationTransition{{
		ID:     n.ID,
		From:   []notify.Status{notify.StatusCreated},
		Update: notify.NotificationUpdate{Status: notify.StatusSending, SentAt: &sent, SentBy: "sandbox", ProviderReference: "ref-1"},
	}})
	require.Len(t, errs, 1)
	require.NoError(t, errs[0])
	got[0].Personalisation["name"] = "changed"

	found, err := s.FindNotificationByProviderReference(ctx, "sandbox", "ref-1")
	require.NoError(t, err, "a batch transition indexes the provider reference")
	assert.Equal(t, n.ID, found.ID)
	assert.Equal(t, notify.StatusSending, found.Status)
	assert.Equal(t, "Ada", found.Personalisation["name"], "what comes back is a copy")
}

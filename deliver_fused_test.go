package notify_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

// transitionCountingStore counts the status writes made through it: calls
// of TransitionNotification and of TransitionNotifications.
type transitionCountingStore struct {
	*memstore.Store
	writes atomic.Int64
}

func (s *transitionCountingStore) TransitionNotification(ctx context.Context, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	s.writes.Add(1)
	return s.Store.TransitionNotification(ctx, id, from, u)
}

func (s *transitionCountingStore) TransitionNotifications(ctx context.Context, ts []notify.NotificationTransition) ([]*notify.Notification, []error) {
	s.writes.Add(1)
	return s.Store.TransitionNotifications(ctx, ts)
}

// TestSandboxSendAndReceiptAreOneWrite: a send through the sandbox and its
// simulated receipt are recorded in one write, with everything both would
// have recorded on their own: the send's details, the receipt's status,
// the receipt's metric.
func TestSandboxSendAndReceiptAreOneWrite(t *testing.T) {
	t.Parallel()
	st := &transitionCountingStore{Store: memstore.New()}
	stats := newDeliveryStats()
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Store = st
		c.Stats = instrument.Prefix(stats, instrument.DefaultPrefix)
	}))
	for _, tc := range []struct {
		to   string
		want notify.Status
	}{
		{teamPhone, notify.StatusDelivered},
		{"07700 900003", notify.StatusTemporaryFailure},
		{"07700 900002", notify.StatusPermanentFailure},
	} {
		nt, err := f.sendSMS(notify.KeyTypeSimulate, tc.to)
		require.NoError(t, err)
		before := st.writes.Load()
		require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID, Attempt: 1}))
		assert.Equal(t, int64(1), st.writes.Load()-before, "status writes for a sandbox delivery to %s", tc.to)
		got := f.env.Get(t, nt.ID)
		assert.Equal(t, tc.want, got.Status)
		assert.Equal(t, notify.SandboxName, got.SentBy)
		require.NotNil(t, got.SentAt)
		assert.Equal(t, 1, got.BillableUnits)
		assert.NotEmpty(t, got.ProviderReference)
		assert.Nil(t, got.ClaimedUntil, "the lease is cleared")
		assert.False(t, got.UpdatedAt.Before(*got.SentAt), "updated at or after the send")
		assert.Equal(t, 1, stats.count(instrument.DefaultPrefix+"callback.sandbox."+string(tc.want)), "the receipt's metric")

		// Delivering again does nothing: the notification is no longer
		// created.
		require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{Name: notify.TaskDeliverSMS, NotificationID: nt.ID, Attempt: 2}))
		assert.Equal(t, tc.want, f.env.Get(t, nt.ID).Status)
	}
	assert.Len(t, f.env.Sandbox.Sent(), 3, "each message sent once")
}

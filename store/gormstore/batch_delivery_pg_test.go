package gormstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// TestPostgresBatchDeliveryRoundTrips: on PostgreSQL a batch claim and a
// batch of transitions (of one notification or of several, without
// conflicts) each take one round trip once their statements are prepared,
// whatever the batch size: the statements' text does not depend on it.
func TestPostgresBatchDeliveryRoundTrips(t *testing.T) {
	t.Parallel()
	pgDSN(t)
	st, p := pgThroughProxy(t, Options{MaxOpenConns: 1})
	ctx := context.Background()
	now := time.Now()
	create := func(count int) []uuid.UUID {
		ids := make([]uuid.UUID, count)
		for i := range ids {
			n := &notify.Notification{ID: uuid.New(), ServiceID: uuid.New(), TemplateID: uuid.New(), TemplateVersion: 1,
				KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700900001", NormalisedTo: "447700900001",
				Body: "hi", Status: notify.StatusCreated}
			require.NoError(t, st.CreateNotification(ctx, n))
			ids[i] = n.ID
		}
		return ids
	}
	sentAt := now
	deliver := func(ids []uuid.UUID) []notify.NotificationTransition {
		ts := make([]notify.NotificationTransition, len(ids))
		for i, id := range ids {
			ts[i] = notify.NotificationTransition{ID: id, From: []notify.Status{notify.StatusCreated}, Update: notify.NotificationUpdate{
				Status: notify.StatusDelivered, SentAt: &sentAt, SentBy: "sandbox", BillableUnits: new(1), ProviderReference: "ref", UpdatedAt: now}}
		}
		return ts
	}
	round := func(size int, counted bool) {
		t.Helper()
		ids := create(size)
		before := p.sends.Load()
		claimed, err := st.ClaimNotifications(ctx, ids, now, now.Add(time.Minute))
		require.NoError(t, err)
		require.Len(t, claimed, size)
		if counted {
			assert.Equal(t, int64(1), p.sends.Load()-before, "round trips of a claim of %d", size)
		}
		before = p.sends.Load()
		out, errs := st.TransitionNotifications(ctx, deliver(ids))
		for i := range ids {
			require.NoError(t, errs[i])
			assert.Equal(t, notify.StatusDelivered, out[i].Status)
		}
		if counted {
			assert.Equal(t, int64(1), p.sends.Load()-before, "round trips of %d transitions", size)
		}
	}
	// Warm up: the first use of each statement on the connection prepares it.
	round(1, false)
	round(3, false)
	for _, size := range []int{1, 2, 7, 64} {
		round(size, true)
	}
}

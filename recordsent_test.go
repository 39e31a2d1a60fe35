package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/store/memstore"
)

// unrecordableStore fails every status transition once broken, as a
// database that went away after the provider accepted a message.
type unrecordableStore struct {
	*memstore.Store
	broken atomic.Bool
}

func (s *unrecordableStore) TransitionNotification(ctx context.Context, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	if s.broken.Load() {
		return nil, errors.New("connection refused")
	}
	return s.Store.TransitionNotification(ctx, id, from, u)
}

// TestRecordSentGivesUpWithinItsTimeout: a worker keeps trying to record
// an accepted send for Config.RecordSentTimeout, not longer, so that a
// stopping worker ends within its process's shutdown grace.
func TestRecordSentGivesUpWithinItsTimeout(t *testing.T) {
	t.Parallel()
	st := &unrecordableStore{Store: memstore.New()}
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Store = st
		c.RecordSentTimeout = 300 * time.Millisecond
	}))
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	st.broken.Store(true)
	start := time.Now()
	err = f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt.ID, Attempt: 1})
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "it kept trying until the timeout")
}

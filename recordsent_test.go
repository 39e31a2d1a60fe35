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

func (s *unrecordableStore) TransitionNotifications(ctx context.Context, ts []notify.NotificationTransition) ([]*notify.Notification, []error) {
	if s.broken.Load() {
		errs := make([]error, len(ts))
		for i := range errs {
			errs[i] = errors.New("connection refused")
		}
		return make([]*notify.Notification, len(ts)), errs
	}
	return s.Store.TransitionNotifications(ctx, ts)
}

// TestRecordingASendOnStopIsBoundedByTheGrace: a worker told to stop
// while the provider accepts a message keeps trying to record the send
// for Config.RecordSentGrace, not longer, so that it ends within its
// process's shutdown grace; a worker that is not stopping keeps trying
// through a longer outage.
func TestRecordingASendOnStopIsBoundedByTheGrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stopping bool
		heal     time.Duration // the store writes again after this long
		wantErr  bool
		within   time.Duration
	}{
		{"stopping, store down", true, time.Hour, true, 3 * time.Second},
		{"running, store down for longer than the grace", false, 900 * time.Millisecond, false, 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := &unrecordableStore{Store: memstore.New()}
			workCtx, stop := context.WithCancel(context.Background())
			defer stop()
			p := &acceptingProvider{after: func() {
				st.broken.Store(true)
				time.AfterFunc(tc.heal, func() { st.broken.Store(false) })
				if tc.stopping {
					stop()
				}
			}}
			f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
				c.Store = st
				c.Providers = []notify.Provider{p}
				c.RecordSentGrace = 300 * time.Millisecond
			}))
			nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err)
			start := time.Now()
			err = f.env.Notifier.Deliver(workCtx, notify.Task{NotificationID: nt.ID, Attempt: 1})
			took := time.Since(start)
			assert.Less(t, took, tc.within)
			if tc.wantErr {
				require.Error(t, err)
				assert.GreaterOrEqual(t, took, 250*time.Millisecond, "it kept trying for the grace")
				return
			}
			require.NoError(t, err)
			assert.Greater(t, took, 300*time.Millisecond, "it kept trying past the grace")
			assert.Equal(t, notify.StatusSending, f.env.Get(t, nt.ID).Status)
		})
	}
}

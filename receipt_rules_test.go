package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// namedProvider accepts every message, under a name and for a channel.
type namedProvider struct {
	name string
	typ  notify.NotificationType
}

func (p namedProvider) Name() string                  { return p.name }
func (p namedProvider) Type() notify.NotificationType { return p.typ }
func (p namedProvider) Send(_ context.Context, m notify.Message) (string, error) {
	return p.name + "-" + m.NotificationID.String(), nil
}

func TestReceiptsApplyOnlyToTheirProvidersNotifications(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{}, notifytest.WithConfig(func(c *notify.Config) {
		c.Providers = []notify.Provider{namedProvider{"mmg", notify.SMS}, namedProvider{"ses", notify.Email}}
	}))
	sent := func(nt *notify.Notification, err error) *notify.Notification {
		t.Helper()
		require.NoError(t, err)
		require.NoError(t, f.env.Notifier.Deliver(ctx, notify.Task{NotificationID: nt.ID, Attempt: 1}))
		return f.env.Get(t, nt.ID)
	}
	email := sent(f.sendEmail(notify.KeyTypeLive, teamEmail))
	require.Equal(t, "ses", email.SentBy)
	sms := sent(f.sendSMS(notify.KeyTypeLive, teamPhone))
	require.Equal(t, "mmg", sms.SentBy)
	created, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)

	// An email that claims mmg sent it (a corrupt row): the channel
	// does not fit mmg's.
	odd, err := f.sendEmail(notify.KeyTypeLive, teamEmail)
	require.NoError(t, err)
	now := time.Now()
	_, err = f.env.Store.TransitionNotification(ctx, odd.ID, []notify.Status{notify.StatusCreated},
		notify.NotificationUpdate{Status: notify.StatusSending, SentAt: &now, SentBy: "mmg", UpdatedAt: now})
	require.NoError(t, err)

	tests := []struct {
		name     string
		receipt  notify.Receipt
		wantErr  error
		wantStat notify.Status
	}{
		{"MMG for an email", notify.Receipt{Provider: "mmg", NotificationID: email.ID}, notify.ErrNotFound, notify.StatusSending},
		{"Firetext for MMG's SMS", notify.Receipt{Provider: "firetext", NotificationID: sms.ID}, notify.ErrNotFound, notify.StatusSending},
		{"MMG for an email it claims", notify.Receipt{Provider: "mmg", NotificationID: odd.ID}, notify.ErrNotFound, notify.StatusSending},
		{"MMG before the send", notify.Receipt{Provider: "mmg", NotificationID: created.ID}, notify.ErrNotSentYet, notify.StatusCreated},
		{"SES for its email", notify.Receipt{Provider: "ses", NotificationID: email.ID}, nil, notify.StatusDelivered},
		{"MMG for its SMS", notify.Receipt{Provider: "mmg", NotificationID: sms.ID}, nil, notify.StatusDelivered},
	}
	for _, tc := range tests {
		tc.receipt.Status = notify.StatusDelivered
		err := f.env.Notifier.ApplyReceipt(ctx, tc.receipt)
		if tc.wantErr != nil {
			require.ErrorIs(t, err, tc.wantErr, tc.name)
		} else {
			require.NoError(t, err, tc.name)
		}
		assert.Equal(t, tc.wantStat, f.env.Get(t, tc.receipt.NotificationID).Status, tc.name)
	}
}

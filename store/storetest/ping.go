package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testPing(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	require.NotNil(t, s)
	assert.NoError(t, s.Ping(t.Context()))
}

func testCancelledContext(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	n := f.create(f.notification(0))
	s, id, sid := f.store, n.ID, f.svc.ID
	ctx := cancelled(t)
	newN := f.notification(time.Second)
	newSvc := newService()
	newKey := newAPIKey(sid, notify.KeyTypeTeam, at(time.Hour))
	newTmpl := newTemplate(sid, notify.SMS, "cancelled")
	updTmpl := *f.sms
	updTmpl.Content = "changed under a cancelled context"
	updSvc := *f.svc
	updSvc.Name = "changed under a cancelled context"
	inbound := &notify.InboundSMS{ID: uuid.New(), ServiceID: sid, CreatedAt: at(0)}
	all := []notify.Status{notify.StatusCreated}

	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"CreateService", func() error { return s.CreateService(ctx, newSvc) }},
		{"GetService", func() error { _, err := s.GetService(ctx, sid); return err }},
		{"UpdateService", func() error { return s.UpdateService(ctx, &updSvc) }},
		{"AddTeamMember", func() error {
			return s.AddTeamMember(ctx, notify.TeamMember{ServiceID: sid, EmailAddress: "x@example.com"})
		}},
		{"ListTeamMembers", func() error { _, err := s.ListTeamMembers(ctx, sid); return err }},
		{"AddGuestListEntry", func() error {
			return s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: sid, Recipient: "x@example.com"})
		}},
		{"ListGuestList", func() error { _, err := s.ListGuestList(ctx, sid); return err }},
		{"CreateAPIKey", func() error { return s.CreateAPIKey(ctx, newKey) }},
		{"ListAPIKeys", func() error { _, err := s.ListAPIKeys(ctx, sid); return err }},
		{"RevokeAPIKey", func() error { return s.RevokeAPIKey(ctx, sid, f.key.ID, at(0)) }},
		{"CreateTemplate", func() error { return s.CreateTemplate(ctx, newTmpl) }},
		{"UpdateTemplate", func() error { return s.UpdateTemplate(ctx, &updTmpl) }},
		{"GetTemplate", func() error { _, err := s.GetTemplate(ctx, sid, f.sms.ID); return err }},
		{"GetTemplateVersion", func() error { _, err := s.GetTemplateVersion(ctx, sid, f.sms.ID, 1); return err }},
		{"ListTemplates", func() error { _, err := s.ListTemplates(ctx, sid, ""); return err }},
		{"CreateNotification", func() error { return s.CreateNotification(ctx, newN) }},
		{"GetNotification", func() error { _, err := s.GetNotification(ctx, id); return err }},
		{"ListNotifications", func() error {
			_, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: sid})
			return err
		}},
		{"CountNotifications", func() error { _, err := s.CountNotifications(ctx, sid, at(-time.Hour)); return err }},
		{"ClaimNotification", func() error { _, err := s.ClaimNotification(ctx, id, at(0), at(time.Minute)); return err }},
		{"ReleaseNotification", func() error { return s.ReleaseNotification(ctx, id) }},
		{"TransitionNotification", func() error {
			_, err := s.TransitionNotification(ctx, id, all, notify.NotificationUpdate{Status: notify.StatusSending})
			return err
		}},
		{"FindNotificationByProviderReference", func() error {
			_, err := s.FindNotificationByProviderReference(ctx, "sandbox", "ref")
			return err
		}},
		{"ListSweepable", func() error { _, err := s.ListSweepable(ctx, at(time.Hour), at(time.Hour), 10); return err }},
		{"ListInProgress", func() error { _, err := s.ListInProgress(ctx, "", at(time.Hour), 10); return err }},
		{"CreateInboundSMS", func() error { return s.CreateInboundSMS(ctx, inbound) }},
		{"ListInboundSMS", func() error { _, err := s.ListInboundSMS(ctx, sid, nil, 0); return err }},
		{"LoadOrStoreSetting", func() error { _, err := s.LoadOrStoreSetting(ctx, "cancelled", "v"); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
		})
	}

	// Nothing was written under the cancelled context.
	ctx = t.Context()
	_, err := s.GetNotification(ctx, newN.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "notification created under a cancelled context")
	_, err = s.GetService(ctx, newSvc.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "service created under a cancelled context")
	got, err := s.GetNotification(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, notify.StatusCreated, got.Status)
	assert.Nil(t, got.ClaimedUntil)
	v, err := s.LoadOrStoreSetting(ctx, "cancelled", "live")
	require.NoError(t, err)
	assert.Equal(t, "live", v)
}

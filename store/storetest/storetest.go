// Package storetest is the conformance suite of notify.Store. Every store
// adapter runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) notify.Store { return memstore.New() })
//	}
//
// The suite uses UTC times with microsecond precision (what SQL stores
// keep) and personalisation values that survive a JSON round trip (strings,
// booleans, null, nested maps and lists). Besides the clauses written in the
// notify.Store doc comments it checks these behaviours, which the Notifier
// relies on:
//   - TransitionNotification leaves SentAt, SentBy, BillableUnits and
//     ProviderReference unchanged when the update leaves them empty (nil or
//     ""), and sets UpdatedAt when the update's UpdatedAt is not zero;
//   - FindNotificationByProviderReference matches provider against SentBy;
//   - ListSweepable covers every service; ListInboundSMS breaks created_at
//     ties by id, descending, like ListNotifications;
//   - ListTeamMembers, ListGuestList and the list methods of an unknown
//     service return no items and no error;
//   - UpdateService, UpdateTemplate, RevokeAPIKey, ReleaseNotification and
//     TransitionNotification of an unknown id return ErrNotFound.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

// Run runs the conformance suite. newStore must return a fresh, empty store
// on every call and register its own cleanup with t.Cleanup. Subtests run
// one after another (not in parallel), each with its own store.
func Run(t *testing.T, newStore func(t *testing.T) notify.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newStore func(t *testing.T) notify.Store)
	}{
		{"Ping", testPing},
		{"CancelledContext", testCancelledContext},
		{"Services", testServices},
		{"TeamAndGuestList", testTeamAndGuestList},
		{"APIKeys", testAPIKeys},
		{"Templates", testTemplates},
		{"ListTemplates", testListTemplates},
		{"CreateGetNotification", testCreateGetNotification},
		{"Copies", testCopies},
		{"ParallelCreate", testParallelCreate},
		{"Claim", testClaim},
		{"ClaimRace", testClaimRace},
		{"Release", testRelease},
		{"Transition", testTransition},
		{"TransitionRace", testTransitionRace},
		{"FindByProviderReference", testFindByProviderReference},
		{"ListNotificationsFilters", testListFilters},
		{"ListNotificationsPaging", testListPaging},
		{"CountNotifications", testCount},
		{"ListSweepable", testSweepable},
		{"ListInProgress", testInProgress},
		{"InboundSMS", testInboundSMS},
		{"Settings", testSettings},
		{"BatchDelivery", testBatchDelivery},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

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

func testTeamAndGuestList(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	empty, err := s.ListTeamMembers(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.Empty(t, empty)

	members := []notify.TeamMember{
		{ServiceID: f.svc.ID, EmailAddress: "ada@example.com", MobileNumber: "07700900001"},
		{ServiceID: f.svc.ID, EmailAddress: "grace@example.com", MobileNumber: "+447700900002"},
	}
	for _, m := range members {
		require.NoError(t, s.AddTeamMember(ctx, m))
	}
	require.NoError(t, s.AddTeamMember(ctx, notify.TeamMember{ServiceID: other.svc.ID, EmailAddress: "x@example.com"}))
	got, err := s.ListTeamMembers(ctx, f.svc.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, members, got)

	unknown, err := s.ListTeamMembers(ctx, uuid.New())
	require.NoError(t, err)
	assert.Empty(t, unknown)

	guests := []string{"friend@example.com", "07700900111", "+44 7700 900222"}
	for _, g := range guests {
		require.NoError(t, s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: f.svc.ID, Recipient: g}))
	}
	// Adding again is not an error and keeps one entry.
	require.NoError(t, s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: f.svc.ID, Recipient: guests[0]}))
	require.NoError(t, s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: other.svc.ID, Recipient: "other@example.com"}))

	list, err := s.ListGuestList(ctx, f.svc.ID)
	require.NoError(t, err)
	var want []notify.GuestListEntry
	for _, g := range guests {
		want = append(want, notify.GuestListEntry{ServiceID: f.svc.ID, Recipient: g})
	}
	assert.ElementsMatch(t, want, list)

	otherList, err := s.ListGuestList(ctx, other.svc.ID)
	require.NoError(t, err)
	assert.Equal(t, []notify.GuestListEntry{{ServiceID: other.svc.ID, Recipient: "other@example.com"}}, otherList)

	unknownList, err := s.ListGuestList(ctx, uuid.New())
	require.NoError(t, err)
	assert.Empty(t, unknownList)
}

func testAPIKeys(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	// Inserted out of order: the list is oldest first.
	late := newAPIKey(f.svc.ID, notify.KeyTypeSimulate, at(2*time.Hour))
	early := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(-time.Hour))
	late.EncryptedSecret = []byte{0xff, 0x00, 0xff, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0}
	require.NoError(t, s.CreateAPIKey(ctx, late))
	require.NoError(t, s.CreateAPIKey(ctx, early))

	keys, err := s.ListAPIKeys(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, keys, 3)
	for i, want := range []*notify.APIKey{early, f.key, late} {
		assert.Equal(t, normAPIKey(*want), normAPIKey(keys[i]), "key %d", i)
		assert.Empty(t, keys[i].Secret)
	}
	assert.Equal(t, late.EncryptedSecret, keys[2].EncryptedSecret, "encrypted secret bytes")

	otherKeys, err := s.ListAPIKeys(ctx, other.svc.ID)
	require.NoError(t, err)
	require.Len(t, otherKeys, 1)
	assert.Equal(t, other.key.ID, otherKeys[0].ID)

	noKeys, err := s.ListAPIKeys(ctx, uuid.New())
	require.NoError(t, err)
	assert.Empty(t, noKeys)

	t.Run("duplicate", func(t *testing.T) {
		dup := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(5*time.Hour))
		dup.ID = early.ID
		require.ErrorIs(t, s.CreateAPIKey(ctx, dup), notify.ErrDuplicate)
		keys, err := s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		assert.Len(t, keys, 3)
	})

	t.Run("revoke", func(t *testing.T) {
		first, second := at(3*time.Hour), at(4*time.Hour)
		require.NoError(t, s.RevokeAPIKey(ctx, f.svc.ID, early.ID, first))
		// A second revocation keeps the first expiry date.
		require.NoError(t, s.RevokeAPIKey(ctx, f.svc.ID, early.ID, second))
		keys, err := s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		require.Len(t, keys, 3, "revoked keys are listed")
		require.Equal(t, early.ID, keys[0].ID)
		require.NotNil(t, keys[0].ExpiryDate)
		assert.True(t, first.Equal(*keys[0].ExpiryDate), "expiry %v, want %v", keys[0].ExpiryDate, first)
		assert.True(t, keys[0].Revoked())
		assert.Nil(t, keys[1].ExpiryDate, "another key was revoked")
		assert.Nil(t, keys[2].ExpiryDate, "another key was revoked")
	})

	t.Run("revoke not found", func(t *testing.T) {
		assert.ErrorIs(t, s.RevokeAPIKey(ctx, f.svc.ID, uuid.New(), at(0)), notify.ErrNotFound)
		// A key of another service is not found either, and stays valid.
		assert.ErrorIs(t, s.RevokeAPIKey(ctx, f.svc.ID, other.key.ID, at(0)), notify.ErrNotFound)
		keys, err := s.ListAPIKeys(ctx, other.svc.ID)
		require.NoError(t, err)
		require.Len(t, keys, 1)
		assert.Nil(t, keys[0].ExpiryDate)
	})
}

func testTemplates(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	tmpl := newTemplate(f.svc.ID, notify.Email, "Welcome")
	tmpl.Version = 7 // ignored: creation makes version 1
	tmpl.ProcessType = notify.ProcessPriority
	require.NoError(t, s.CreateTemplate(ctx, tmpl))
	assert.Equal(t, 1, tmpl.Version, "CreateTemplate writes version 1 back")
	v1 := *tmpl

	got, err := s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
	require.NoError(t, err)
	assert.Equal(t, normTemplate(v1), normTemplate(*got))

	upd := v1
	upd.Content = "New content ((name))"
	upd.Subject = "New subject"
	upd.Name = "Welcome v2"
	upd.UpdatedAt = ptr(at(time.Hour))
	require.NoError(t, s.UpdateTemplate(ctx, &upd))
	assert.Equal(t, 2, upd.Version, "UpdateTemplate writes the new version back")
	v2 := upd

	upd.Content = "Third content"
	upd.UpdatedAt = ptr(at(2 * time.Hour))
	require.NoError(t, s.UpdateTemplate(ctx, &upd))
	assert.Equal(t, 3, upd.Version)
	v3 := upd

	got, err = s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
	require.NoError(t, err)
	assert.Equal(t, normTemplate(v3), normTemplate(*got))

	for _, want := range []notify.Template{v1, v2, v3} {
		got, err := s.GetTemplateVersion(ctx, f.svc.ID, tmpl.ID, want.Version)
		require.NoError(t, err, "version %d", want.Version)
		assert.Equal(t, normTemplate(want), normTemplate(*got), "version %d", want.Version)
	}

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"get unknown", func() error { _, err := s.GetTemplate(ctx, f.svc.ID, uuid.New()); return err }, notify.ErrNotFound},
		{"get other service's", func() error { _, err := s.GetTemplate(ctx, other.svc.ID, tmpl.ID); return err }, notify.ErrNotFound},
		{"version 0", func() error { _, err := s.GetTemplateVersion(ctx, f.svc.ID, tmpl.ID, 0); return err }, notify.ErrNotFound},
		{"version 4", func() error { _, err := s.GetTemplateVersion(ctx, f.svc.ID, tmpl.ID, 4); return err }, notify.ErrNotFound},
		{"version of other service's", func() error {
			_, err := s.GetTemplateVersion(ctx, other.svc.ID, tmpl.ID, 1)
			return err
		}, notify.ErrNotFound},
		{"version of unknown", func() error { _, err := s.GetTemplateVersion(ctx, f.svc.ID, uuid.New(), 1); return err }, notify.ErrNotFound},
		{"update unknown", func() error { return s.UpdateTemplate(ctx, newTemplate(f.svc.ID, notify.SMS, "x")) }, notify.ErrNotFound},
		{"create duplicate", func() error {
			dup := newTemplate(f.svc.ID, notify.SMS, "dup")
			dup.ID = tmpl.ID
			return s.CreateTemplate(ctx, dup)
		}, notify.ErrDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.call(), tc.want)
		})
	}

	// The refused duplicate changed nothing.
	got, err = s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
	require.NoError(t, err)
	assert.Equal(t, normTemplate(v3), normTemplate(*got))

	t.Run("archive", func(t *testing.T) {
		arch := v3
		arch.Archived = true
		require.NoError(t, s.UpdateTemplate(ctx, &arch))
		assert.Equal(t, 4, arch.Version)
		got, err := s.GetTemplate(ctx, f.svc.ID, tmpl.ID)
		require.NoError(t, err, "an archived template can still be read")
		assert.True(t, got.Archived)
		list, err := s.ListTemplates(ctx, f.svc.ID, "")
		require.NoError(t, err)
		for _, l := range list {
			assert.NotEqual(t, tmpl.ID, l.ID, "archived template listed")
		}
	})
}

func testListTemplates(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore) // holds "email template" and "sms template"
	other := f.other()
	ctx, s := f.ctx, f.store

	b := newTemplate(f.svc.ID, notify.SMS, "b")
	a1 := newTemplate(f.svc.ID, notify.Email, "a")
	a2 := newTemplate(f.svc.ID, notify.SMS, "a")
	c := newTemplate(f.svc.ID, notify.Email, "c")
	for _, tm := range []*notify.Template{b, a1, c, a2} {
		require.NoError(t, s.CreateTemplate(ctx, tm))
	}
	// A renamed template is listed under its current name and version.
	renamed := *c
	renamed.Name = "0 first"
	require.NoError(t, s.UpdateTemplate(ctx, &renamed))

	all := []*notify.Template{&renamed, a1, a2, b, f.email, f.sms}
	slices.SortStableFunc(all, func(x, y *notify.Template) int {
		if x.Name != y.Name {
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
		return compareIDs(x.ID, y.ID)
	})
	filter := func(typ notify.NotificationType) []uuid.UUID {
		var ids []uuid.UUID
		for _, tm := range all {
			if typ == "" || tm.Type == typ {
				ids = append(ids, tm.ID)
			}
		}
		return ids
	}

	for _, typ := range []notify.NotificationType{"", notify.SMS, notify.Email, notify.Letter} {
		t.Run("type "+string(typ), func(t *testing.T) {
			got, err := s.ListTemplates(ctx, f.svc.ID, typ)
			require.NoError(t, err)
			ids := make([]uuid.UUID, len(got))
			for i, tm := range got {
				ids[i] = tm.ID
				assert.Equal(t, f.svc.ID, tm.ServiceID)
			}
			assert.Equal(t, filter(typ), nilIfEmpty(ids))
			for _, tm := range got {
				if tm.ID == renamed.ID {
					assert.Equal(t, normTemplate(renamed), normTemplate(tm), "current version listed")
				}
			}
		})
	}

	otherList, err := s.ListTemplates(ctx, other.svc.ID, "")
	require.NoError(t, err)
	assert.Len(t, otherList, 2)

	none, err := s.ListTemplates(ctx, uuid.New(), "")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func testCreateGetNotification(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store

	minimal := f.notification(0)
	minimal.Personalisation = nil

	full := f.notification(time.Second)
	full.Type = notify.Email
	full.TemplateID = f.email.ID
	full.To = "Someone@Example.com"
	full.NormalisedTo = "someone@example.com"
	full.Subject = "Subject ’ – line"
	full.ReplyTo = "reply@example.com"
	full.ClientReference = ptr("client ref ’")
	full.UnsubscribeURL = ptr("https://example.com/unsubscribe?x=1&y=2")
	full.Status = notify.StatusSending
	full.Queue = notify.QueueSendEmail
	full.International = true
	full.PhonePrefix = "1"
	full.RateMultiplier = 1.5
	full.BillableUnits = 3
	full.SentBy = "ses"
	full.SentAt = ptr(at(2 * time.Second))
	full.ProviderReference = "provider-ref-1"
	full.JobID = ptr(uuid.New())
	full.JobRowNumber = ptr(0)
	full.KeyType = notify.KeyTypeTeam
	full.UpdatedAt = ptr(at(3 * time.Second))

	for _, n := range []*notify.Notification{minimal, full} {
		f.create(n)
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, n, got)
	}

	t.Run("duplicate", func(t *testing.T) {
		dup := f.notification(time.Hour)
		dup.ID = full.ID
		dup.Body = "another body"
		require.ErrorIs(t, s.CreateNotification(ctx, dup), notify.ErrDuplicate)
		got, err := s.GetNotification(ctx, full.ID)
		require.NoError(t, err)
		assertNotification(t, full, got, "a refused duplicate changed the notification")
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.GetNotification(ctx, uuid.New())
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})

	t.Run("any service", func(t *testing.T) {
		o := f.other()
		n := o.create(o.notification(0))
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, o.svc.ID, got.ServiceID)
	})
}

func testCopies(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store

	t.Run("notification", func(t *testing.T) {
		n := f.notification(0)
		n.ClientReference = ptr("ref")
		n.JobID = ptr(uuid.New())
		n.JobRowNumber = ptr(4)
		f.create(n)
		want := f.notification(0)
		want.ID = n.ID
		want.ClientReference = ptr("ref")
		want.JobID = ptr(*n.JobID)
		want.JobRowNumber = ptr(4)

		// Changing what was passed in does not change the store.
		n.Personalisation["name"] = "changed"
		n.Personalisation["address"].(map[string]any)["postcode"] = "changed"
		n.Personalisation["address"].(map[string]any)["lines"].([]any)[0] = "changed"
		*n.ClientReference = "changed"
		*n.JobRowNumber = 99
		n.Body = "changed"

		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, got, "input was kept by reference")

		// Changing what came out does not change the store.
		got.Personalisation["name"] = "changed"
		got.Personalisation["address"].(map[string]any)["lines"].([]any)[1] = "changed"
		got.Personalisation["tags"].([]any)[2].(map[string]any)["c"] = "changed"
		*got.ClientReference = "changed"
		*got.JobID = uuid.Nil
		*got.JobRowNumber = 99

		again, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, again, "GetNotification returned shared memory")

		list, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, IncludeJobs: true})
		require.NoError(t, err)
		require.Len(t, list, 1)
		list[0].Personalisation["address"].(map[string]any)["postcode"] = "changed"
		*list[0].ClientReference = "changed"
		again, err = s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, want, again, "ListNotifications returned shared memory")

		claimed, err := s.ClaimNotification(ctx, n.ID, at(0), at(time.Minute))
		require.NoError(t, err)
		*claimed.ClaimedUntil = at(time.Hour)
		claimed.Personalisation["name"] = "changed"
		again, err = s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		require.NotNil(t, again.ClaimedUntil)
		assert.True(t, at(time.Minute).Equal(*again.ClaimedUntil), "ClaimNotification returned shared memory")
		assert.Equal(t, want.Personalisation, again.Personalisation)
	})

	t.Run("update values", func(t *testing.T) {
		n := f.create(f.notification(time.Second))
		sentAt := at(2 * time.Second)
		units := 2
		u := notify.NotificationUpdate{Status: notify.StatusSending, SentAt: &sentAt, SentBy: "sandbox", BillableUnits: &units, UpdatedAt: at(3 * time.Second)}
		_, err := s.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated}, u)
		require.NoError(t, err)
		sentAt = at(time.Hour)
		units = 99
		got, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		require.NotNil(t, got.SentAt)
		assert.True(t, at(2*time.Second).Equal(*got.SentAt), "the update's SentAt was kept by reference")
		assert.Equal(t, 2, got.BillableUnits)
	})

	t.Run("service", func(t *testing.T) {
		svc := newService()
		require.NoError(t, s.CreateService(ctx, svc))
		want := normService(*svc)
		svc.Permissions[0] = notify.PermissionUKLandlines
		got, err := s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, want, normService(*got), "input was kept by reference")
		got.Permissions[0] = notify.PermissionUKLandlines
		got.Name = "changed"
		again, err := s.GetService(ctx, svc.ID)
		require.NoError(t, err)
		assert.Equal(t, want, normService(*again), "GetService returned shared memory")
	})

	t.Run("api key", func(t *testing.T) {
		k := newAPIKey(f.svc.ID, notify.KeyTypeTeam, at(time.Minute))
		require.NoError(t, s.CreateAPIKey(ctx, k))
		want := slices.Clone(k.EncryptedSecret)
		k.EncryptedSecret[0] = 0x42
		keys, err := s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		require.Len(t, keys, 2)
		assert.Equal(t, want, keys[1].EncryptedSecret, "input was kept by reference")
		keys[1].EncryptedSecret[1] = 0x42
		require.NoError(t, s.RevokeAPIKey(ctx, f.svc.ID, k.ID, at(time.Hour)))
		keys, err = s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		assert.Equal(t, want, keys[1].EncryptedSecret, "ListAPIKeys returned shared memory")
		*keys[1].ExpiryDate = at(2 * time.Hour)
		keys, err = s.ListAPIKeys(ctx, f.svc.ID)
		require.NoError(t, err)
		assert.True(t, at(time.Hour).Equal(*keys[1].ExpiryDate), "ListAPIKeys returned shared memory")
	})

	t.Run("template", func(t *testing.T) {
		tm := newTemplate(f.svc.ID, notify.SMS, "copy")
		tm.UpdatedAt = ptr(at(time.Minute))
		require.NoError(t, s.CreateTemplate(ctx, tm))
		want := normTemplate(*tm)
		*tm.UpdatedAt = at(time.Hour)
		tm.Content = "changed"
		got, err := s.GetTemplate(ctx, f.svc.ID, tm.ID)
		require.NoError(t, err)
		assert.Equal(t, want, normTemplate(*got), "input was kept by reference")
		*got.UpdatedAt = at(time.Hour)
		again, err := s.GetTemplateVersion(ctx, f.svc.ID, tm.ID, 1)
		require.NoError(t, err)
		assert.Equal(t, want, normTemplate(*again), "GetTemplate returned shared memory")
	})
}

func testParallelCreate(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	const workers, each = 8, 50
	ids := make([][]uuid.UUID, workers)
	errs := race(workers, func(w int) error {
		for i := range each {
			n := f.notification(time.Duration(w*each+i) * time.Millisecond)
			ids[w] = append(ids[w], n.ID)
			if err := f.store.CreateNotification(f.ctx, n); err != nil {
				return fmt.Errorf("worker %d, notification %d: %w", w, i, err)
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}

	count, err := f.store.CountNotifications(f.ctx, f.svc.ID, at(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, workers*each, count)

	list, err := f.store.ListNotifications(f.ctx, notify.NotificationFilter{ServiceID: f.svc.ID})
	require.NoError(t, err)
	require.Len(t, list, workers*each)
	var want []uuid.UUID
	for _, w := range ids {
		want = append(want, w...)
	}
	assert.ElementsMatch(t, want, notificationIDs(list))
	for i := 1; i < len(list); i++ {
		assert.False(t, list[i].CreatedAt.After(list[i-1].CreatedAt), "list not newest first at %d", i)
	}
	for _, id := range []uuid.UUID{ids[0][0], ids[workers-1][each-1], ids[3][17]} {
		_, err := f.store.GetNotification(f.ctx, id)
		assert.NoError(t, err)
	}
}

func testClaim(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	n := f.create(f.notification(0))
	now := at(time.Minute)
	until := now.Add(30 * time.Second)

	got, err := s.ClaimNotification(ctx, n.ID, now, until)
	require.NoError(t, err)
	require.NotNil(t, got.ClaimedUntil)
	assert.True(t, until.Equal(*got.ClaimedUntil), "claimed until %v, want %v", got.ClaimedUntil, until)
	want := *n
	want.ClaimedUntil = &until
	want.DeliveryAttempts = n.DeliveryAttempts + 1
	assertNotification(t, &want, got, "the claim returns the whole notification")

	stored, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	require.NotNil(t, stored.ClaimedUntil)
	assert.True(t, until.Equal(*stored.ClaimedUntil))

	tests := []struct {
		name    string
		now     time.Time
		wantErr error
	}{
		{"while the lease is active", now.Add(time.Second), notify.ErrConflict},
		{"a microsecond before expiry", until.Add(-time.Microsecond), notify.ErrConflict},
		{"at expiry", until, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := tc.now.Add(30 * time.Second)
			got, err := s.ClaimNotification(ctx, n.ID, tc.now, next)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.ClaimedUntil)
			assert.True(t, next.Equal(*got.ClaimedUntil))
		})
	}

	t.Run("after expiry", func(t *testing.T) {
		later := until.Add(time.Hour)
		_, err := s.ClaimNotification(ctx, n.ID, later, later.Add(time.Minute))
		require.NoError(t, err)
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.ClaimNotification(ctx, uuid.New(), now, until)
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})

	for _, st := range []notify.Status{notify.StatusSending, notify.StatusDelivered, notify.StatusTechnicalFailure, notify.StatusCancelled} {
		t.Run("refused when "+string(st), func(t *testing.T) {
			m := f.notification(time.Second)
			m.Status = st
			f.create(m)
			_, err := s.ClaimNotification(ctx, m.ID, now, until)
			require.ErrorIs(t, err, notify.ErrConflict)
			got, err := s.GetNotification(ctx, m.ID)
			require.NoError(t, err)
			assert.Nil(t, got.ClaimedUntil, "a refused claim set the lease")
		})
	}
}

func testClaimRace(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	const racers = 16
	for round := range 3 {
		n := f.create(f.notification(time.Duration(round) * time.Second))
		now := at(time.Hour)
		errs := race(racers, func(int) error {
			_, err := f.store.ClaimNotification(f.ctx, n.ID, now, now.Add(time.Minute))
			return err
		})
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			assert.ErrorIs(t, err, notify.ErrConflict, "round %d", round)
		}
		assert.Equal(t, 1, wins, "round %d: exactly one claim wins", round)
	}
}

func testRelease(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	n := f.create(f.notification(0))
	now := at(time.Minute)

	_, err := s.ClaimNotification(ctx, n.ID, now, now.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, s.ReleaseNotification(ctx, n.ID))
	got, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assert.Nil(t, got.ClaimedUntil, "release clears the lease")
	assert.Equal(t, notify.StatusCreated, got.Status)

	assert.Equal(t, 1, got.DeliveryAttempts, "release keeps the attempt count")

	// Claimable again at once, and each claim counts.
	again, err := s.ClaimNotification(ctx, n.ID, now, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, again.DeliveryAttempts)
	refused, err := s.ClaimNotification(ctx, n.ID, now, now.Add(time.Hour))
	require.ErrorIs(t, err, notify.ErrConflict)
	assert.Nil(t, refused)
	got, err = s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.DeliveryAttempts, "a refused claim does not count")

	// Releasing an unleased notification is fine.
	m := f.create(f.notification(time.Second))
	require.NoError(t, s.ReleaseNotification(ctx, m.ID))

	assert.ErrorIs(t, s.ReleaseNotification(ctx, uuid.New()), notify.ErrNotFound)
}

func testTransition(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	ctx, s := f.ctx, f.store
	n := f.create(f.notification(0))

	_, err := s.ClaimNotification(ctx, n.ID, at(time.Second), at(time.Minute))
	require.NoError(t, err)

	sentAt := at(2 * time.Second)
	units := 3
	got, err := s.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{
		Status:            notify.StatusSending,
		SentAt:            &sentAt,
		SentBy:            "sandbox",
		BillableUnits:     &units,
		ProviderReference: "ref-123",
		UpdatedAt:         at(3 * time.Second),
	})
	require.NoError(t, err)
	want := *n
	want.Status = notify.StatusSending
	want.SentAt = &sentAt
	want.SentBy = "sandbox"
	want.BillableUnits = 3
	want.ProviderReference = "ref-123"
	want.UpdatedAt = ptr(at(3 * time.Second))
	want.ClaimedUntil = nil
	want.DeliveryAttempts = 1 // the claim above
	assertNotification(t, &want, got, "returned by the transition")
	stored, err := s.GetNotification(ctx, n.ID)
	require.NoError(t, err)
	assertNotification(t, &want, stored, "stored by the transition")

	t.Run("refused when status not in from", func(t *testing.T) {
		for _, from := range [][]notify.Status{
			{notify.StatusCreated},
			{notify.StatusDelivered, notify.StatusPending},
			{},
			nil,
		} {
			_, err := s.TransitionNotification(ctx, n.ID, from, notify.NotificationUpdate{Status: notify.StatusTechnicalFailure, UpdatedAt: at(time.Hour)})
			require.ErrorIs(t, err, notify.ErrConflict, "from %v", from)
		}
		stored, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, &want, stored, "a refused transition changed the notification")
	})

	t.Run("empty update fields keep stored values", func(t *testing.T) {
		got, err := s.TransitionNotification(ctx, n.ID, notify.ReceiptableStatuses, notify.NotificationUpdate{
			Status:    notify.StatusDelivered,
			UpdatedAt: at(10 * time.Second),
		})
		require.NoError(t, err)
		want.Status = notify.StatusDelivered
		want.UpdatedAt = ptr(at(10 * time.Second))
		assertNotification(t, &want, got)
		stored, err := s.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assertNotification(t, &want, stored)
	})

	t.Run("clears the lease", func(t *testing.T) {
		m := f.create(f.notification(time.Second))
		_, err := s.ClaimNotification(ctx, m.ID, at(time.Second), at(time.Hour))
		require.NoError(t, err)
		got, err := s.TransitionNotification(ctx, m.ID, []notify.Status{notify.StatusSending, notify.StatusCreated}, notify.NotificationUpdate{Status: notify.StatusCreated, UpdatedAt: at(2 * time.Second)})
		require.NoError(t, err)
		assert.Nil(t, got.ClaimedUntil)
		// Created again without a lease: claimable at once.
		_, err = s.ClaimNotification(ctx, m.ID, at(3*time.Second), at(time.Hour))
		require.NoError(t, err)
	})

	t.Run("not found", func(t *testing.T) {
		_, err := s.TransitionNotification(ctx, uuid.New(), []notify.Status{notify.StatusCreated}, notify.NotificationUpdate{Status: notify.StatusSending})
		assert.ErrorIs(t, err, notify.ErrNotFound)
	})
}

func testTransitionRace(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	const racers = 16
	targets := []notify.Status{notify.StatusSending, notify.StatusTechnicalFailure, notify.StatusCancelled, notify.StatusSent}
	for round := range 3 {
		n := f.create(f.notification(time.Duration(round) * time.Second))
		results := make([]*notify.Notification, racers)
		errs := race(racers, func(i int) error {
			got, err := f.store.TransitionNotification(f.ctx, n.ID, []notify.Status{notify.StatusCreated},
				notify.NotificationUpdate{Status: targets[i%len(targets)], SentBy: fmt.Sprint("racer-", i), UpdatedAt: at(time.Minute)})
			results[i] = got
			return err
		})
		winner := -1
		for i, err := range errs {
			if err == nil {
				assert.Equal(t, -1, winner, "round %d: two transitions won", round)
				winner = i
				continue
			}
			assert.ErrorIs(t, err, notify.ErrConflict, "round %d", round)
		}
		require.NotEqual(t, -1, winner, "round %d: no transition won", round)
		stored, err := f.store.GetNotification(f.ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, targets[winner%len(targets)], stored.Status, "round %d: the winner's status is stored", round)
		assert.Equal(t, fmt.Sprint("racer-", winner), stored.SentBy, "round %d: the winner's update is stored", round)
		assert.Equal(t, stored.Status, results[winner].Status)
	}
}

func testFindByProviderReference(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	send := func(fx *fixture, provider, ref string) *notify.Notification {
		n := fx.create(fx.notification(0))
		_, err := s.TransitionNotification(ctx, n.ID, []notify.Status{notify.StatusCreated},
			notify.NotificationUpdate{Status: notify.StatusSending, SentBy: provider, ProviderReference: ref, SentAt: ptr(at(time.Second)), UpdatedAt: at(time.Second)})
		require.NoError(t, err)
		return n
	}
	a := send(f, "ses", "ref-a")
	b := send(f, "sandbox", "ref-b")
	c := send(other, "sandbox", "ref-c")
	d := send(f, "mmg", "ref-a") // the same reference at another provider
	f.create(f.notification(time.Minute))

	tests := []struct {
		provider, ref string
		want          *notify.Notification
	}{
		{"ses", "ref-a", a},
		{"sandbox", "ref-b", b},
		{"sandbox", "ref-c", c},
		{"mmg", "ref-a", d},
		{"sandbox", "ref-a", nil},
		{"ses", "ref-b", nil},
		{"ses", "unknown", nil},
		{"ses", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.provider+"/"+tc.ref, func(t *testing.T) {
			got, err := s.FindNotificationByProviderReference(ctx, tc.provider, tc.ref)
			if tc.want == nil {
				assert.ErrorIs(t, err, notify.ErrNotFound)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want.ID, got.ID)
			assert.Equal(t, tc.ref, got.ProviderReference)
			assert.Equal(t, tc.provider, got.SentBy)
			assert.Equal(t, notify.StatusSending, got.Status)
		})
	}
}

// filterModel is the reference implementation of NotificationFilter used
// to compute expected results.
func filterModel(ns []*notify.Notification, f notify.NotificationFilter) []uuid.UUID {
	var keep []*notify.Notification
	for _, n := range ns {
		if n.ServiceID != f.ServiceID ||
			(f.KeyType != "" && n.KeyType != f.KeyType) ||
			(len(f.Types) > 0 && !slices.Contains(f.Types, n.Type)) ||
			(len(f.Statuses) > 0 && !slices.Contains(f.Statuses, n.Status)) ||
			(f.Reference != nil && (n.ClientReference == nil || *n.ClientReference != *f.Reference)) ||
			(!f.IncludeJobs && n.JobID != nil) {
			continue
		}
		keep = append(keep, n)
	}
	ids := newestFirst(keep)
	if f.Limit > 0 && len(ids) > f.Limit {
		ids = ids[:f.Limit]
	}
	return ids
}

func testListFilters(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	var all []*notify.Notification
	add := func(fx *fixture, d time.Duration, mod func(n *notify.Notification)) {
		n := fx.notification(d)
		mod(n)
		fx.create(n)
		all = append(all, n)
	}
	statuses := []notify.Status{notify.StatusCreated, notify.StatusSending, notify.StatusDelivered,
		notify.StatusPermanentFailure, notify.StatusTemporaryFailure, notify.StatusTechnicalFailure, notify.StatusPending}
	keyTypes := []notify.KeyType{notify.KeyTypeLive, notify.KeyTypeTeam, notify.KeyTypeSimulate}
	for i := range 42 {
		add(f, time.Duration(i%17)*time.Minute, func(n *notify.Notification) {
			n.Status = statuses[i%len(statuses)]
			n.KeyType = keyTypes[i%len(keyTypes)]
			if i%2 == 1 {
				n.Type = notify.Email
				n.TemplateID = f.email.ID
				n.To, n.NormalisedTo = "a@example.com", "a@example.com"
			}
			switch i % 5 {
			case 0:
				n.ClientReference = ptr("ref-a")
			case 1:
				n.ClientReference = ptr("ref-b")
			case 2:
				n.ClientReference = ptr("")
			}
			if i%4 == 3 {
				n.JobID = ptr(uuid.New())
				n.JobRowNumber = ptr(i)
			}
		})
	}
	for i := range 5 {
		add(other, time.Duration(i)*time.Minute, func(n *notify.Notification) { n.ClientReference = ptr("ref-a") })
	}

	sid := f.svc.ID
	tests := []struct {
		name   string
		filter notify.NotificationFilter
	}{
		{"service only", notify.NotificationFilter{ServiceID: sid}},
		{"include jobs", notify.NotificationFilter{ServiceID: sid, IncludeJobs: true}},
		{"other service", notify.NotificationFilter{ServiceID: other.svc.ID}},
		{"unknown service", notify.NotificationFilter{ServiceID: uuid.New()}},
		{"key type live", notify.NotificationFilter{ServiceID: sid, KeyType: notify.KeyTypeLive, IncludeJobs: true}},
		{"key type team", notify.NotificationFilter{ServiceID: sid, KeyType: notify.KeyTypeTeam}},
		{"key type test", notify.NotificationFilter{ServiceID: sid, KeyType: notify.KeyTypeSimulate}},
		{"type sms", notify.NotificationFilter{ServiceID: sid, Types: []notify.NotificationType{notify.SMS}}},
		{"type email", notify.NotificationFilter{ServiceID: sid, Types: []notify.NotificationType{notify.Email}}},
		{"types both", notify.NotificationFilter{ServiceID: sid, Types: []notify.NotificationType{notify.Email, notify.SMS}}},
		{"type letter", notify.NotificationFilter{ServiceID: sid, Types: []notify.NotificationType{notify.Letter}}},
		{"status delivered", notify.NotificationFilter{ServiceID: sid, Statuses: []notify.Status{notify.StatusDelivered}}},
		{"status failed expanded", notify.NotificationFilter{ServiceID: sid, Statuses: notify.ExpandStatusFilter([]notify.Status{notify.StatusFailed})}},
		{"status accepted expanded", notify.NotificationFilter{ServiceID: sid, IncludeJobs: true,
			Statuses: notify.ExpandStatusFilter([]notify.Status{notify.StatusAccepted})}},
		{"reference", notify.NotificationFilter{ServiceID: sid, Reference: ptr("ref-a")}},
		{"reference other", notify.NotificationFilter{ServiceID: sid, Reference: ptr("ref-b"), IncludeJobs: true}},
		{"empty reference", notify.NotificationFilter{ServiceID: sid, Reference: ptr("")}},
		{"unknown reference", notify.NotificationFilter{ServiceID: sid, Reference: ptr("nope")}},
		{"limit", notify.NotificationFilter{ServiceID: sid, Limit: 5}},
		{"limit above count", notify.NotificationFilter{ServiceID: sid, Limit: 1000}},
		{"combined", notify.NotificationFilter{ServiceID: sid, KeyType: notify.KeyTypeLive,
			Types: []notify.NotificationType{notify.SMS}, Statuses: []notify.Status{notify.StatusCreated, notify.StatusDelivered, notify.StatusPending},
			IncludeJobs: true, Limit: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListNotifications(ctx, tc.filter)
			require.NoError(t, err)
			want := filterModel(all, tc.filter)
			assert.Equal(t, nilIfEmpty(want), nilIfEmpty(notificationIDs(got)))
		})
	}

	// Sanity of the data set: every filter above selects something
	// different, and the model is not trivially empty.
	assert.Len(t, filterModel(all, notify.NotificationFilter{ServiceID: sid, IncludeJobs: true}), 42)
	assert.NotEmpty(t, filterModel(all, tests[14].filter))
	assert.NotEmpty(t, filterModel(all, tests[16].filter))

	t.Run("full values", func(t *testing.T) {
		got, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: sid, IncludeJobs: true})
		require.NoError(t, err)
		byID := map[uuid.UUID]*notify.Notification{}
		for _, n := range all {
			byID[n.ID] = n
		}
		for i := range got {
			assertNotification(t, byID[got[i].ID], &got[i])
		}
	})
}

func testListPaging(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	// 31 notifications on 9 distinct instants: most share created_at with
	// others, so paging must break ties by id.
	var mine []*notify.Notification
	for i := range 31 {
		n := f.notification(time.Duration(i%9) * time.Second)
		if i%6 == 5 {
			n.Type = notify.Email
			n.TemplateID = f.email.ID
		}
		f.create(n)
		mine = append(mine, n)
	}
	for i := range 4 {
		other.create(other.notification(time.Duration(i) * time.Second))
	}
	want := newestFirst(mine)

	for _, size := range []int{1, 4, 7, 31, 50} {
		t.Run(fmt.Sprint("page size ", size), func(t *testing.T) {
			var seen []uuid.UUID
			var older *uuid.UUID
			for page := 0; ; page++ {
				require.Less(t, page, 40, "paging does not end")
				got, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, OlderThan: older, Limit: size})
				require.NoError(t, err)
				require.LessOrEqual(t, len(got), size)
				if len(got) == 0 {
					break
				}
				seen = append(seen, notificationIDs(got)...)
				older = ptr(got[len(got)-1].ID)
			}
			assert.Equal(t, want, seen, "pages put together give the whole list once, in order")
		})
	}

	t.Run("older than each", func(t *testing.T) {
		for i, id := range want {
			got, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, OlderThan: ptr(id)})
			require.NoError(t, err)
			assert.Equal(t, nilIfEmpty(want[i+1:]), nilIfEmpty(notificationIDs(got)), "older than #%d", i)
		}
	})

	t.Run("older than with a type filter", func(t *testing.T) {
		var emails []*notify.Notification
		for _, n := range mine {
			if n.Type == notify.Email {
				emails = append(emails, n)
			}
		}
		wantEmails := newestFirst(emails)
		require.GreaterOrEqual(t, len(wantEmails), 3)
		// The pivot need not match the filter itself.
		pivot := want[0]
		got, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, OlderThan: &pivot,
			Types: []notify.NotificationType{notify.Email}})
		require.NoError(t, err)
		var exp []uuid.UUID
		for _, id := range wantEmails {
			if slices.Index(want, id) > 0 {
				exp = append(exp, id)
			}
		}
		assert.Equal(t, exp, notificationIDs(got))
	})

	t.Run("unknown older than", func(t *testing.T) {
		got, err := s.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, OlderThan: ptr(uuid.New())})
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}

func testCount(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store
	since := at(24 * time.Hour).Truncate(24 * time.Hour) // midnight UTC

	mk := func(fx *fixture, createdAt time.Time, kt notify.KeyType, st notify.Status) {
		n := fx.notification(0)
		n.CreatedAt = createdAt
		n.KeyType = kt
		n.Status = st
		fx.create(n)
	}
	mk(f, since.Add(-time.Microsecond), notify.KeyTypeLive, notify.StatusDelivered) // yesterday
	mk(f, since.Add(-time.Hour), notify.KeyTypeTeam, notify.StatusCreated)          // yesterday
	mk(f, since, notify.KeyTypeLive, notify.StatusCreated)                          // boundary: counted
	mk(f, since.Add(time.Microsecond), notify.KeyTypeTeam, notify.StatusDelivered)
	mk(f, since.Add(time.Hour), notify.KeyTypeLive, notify.StatusTechnicalFailure)
	mk(f, since.Add(2*time.Hour), notify.KeyTypeSimulate, notify.StatusCreated) // never counted
	mk(f, since.Add(3*time.Hour), notify.KeyTypeSimulate, notify.StatusDelivered)
	job := f.notification(0)
	job.CreatedAt = since.Add(4 * time.Hour)
	job.JobID = ptr(uuid.New())
	f.create(job) // notifications from jobs count too
	research := f.notification(0)
	research.CreatedAt = since.Add(5 * time.Hour)
	research.Queue = notify.QueueResearchMode // a research-mode service's live key: simulated
	f.create(research)
	mk(other, since.Add(time.Hour), notify.KeyTypeLive, notify.StatusCreated)

	tests := []struct {
		name    string
		service uuid.UUID
		since   time.Time
		want    int
	}{
		{"today", f.svc.ID, since, 4},
		{"from a microsecond later", f.svc.ID, since.Add(time.Microsecond), 3},
		{"from a microsecond earlier", f.svc.ID, since.Add(-time.Microsecond), 5},
		{"everything", f.svc.ID, since.Add(-48 * time.Hour), 6},
		{"future", f.svc.ID, since.Add(48 * time.Hour), 0},
		{"other service", other.svc.ID, since, 1},
		{"unknown service", uuid.New(), since, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CountNotifications(ctx, tc.service, tc.since)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func testSweepable(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store
	now := at(time.Hour)
	createdBefore := now.Add(-10 * time.Minute)

	mk := func(fx *fixture, createdAt time.Time, mod func(n *notify.Notification)) *notify.Notification {
		n := fx.notification(0)
		n.CreatedAt = createdAt
		if mod != nil {
			mod(n)
		}
		return fx.create(n)
	}
	oldest := mk(f, createdBefore.Add(-time.Hour), nil)
	sameA := mk(other, createdBefore.Add(-30*time.Minute), nil) // other services are swept too
	sameB := mk(f, createdBefore.Add(-30*time.Minute), nil)
	expired := mk(f, createdBefore.Add(-20*time.Minute), func(n *notify.Notification) { n.ClaimedUntil = ptr(now.Add(-time.Second)) })
	atNow := mk(f, createdBefore.Add(-15*time.Minute), func(n *notify.Notification) { n.ClaimedUntil = ptr(now) })
	mk(f, createdBefore.Add(-12*time.Minute), func(n *notify.Notification) { n.ClaimedUntil = ptr(now.Add(time.Microsecond)) })
	mk(f, createdBefore.Add(-11*time.Minute), func(n *notify.Notification) { n.Status = notify.StatusSending })
	mk(f, createdBefore.Add(-11*time.Minute), func(n *notify.Notification) { n.Status = notify.StatusDelivered })
	mk(f, createdBefore, nil)                  // not strictly before
	mk(f, createdBefore.Add(time.Minute), nil) // too recent
	leased := mk(f, createdBefore.Add(-5*time.Minute), nil)
	_, err := s.ClaimNotification(ctx, leased.ID, now.Add(-time.Minute), now.Add(time.Minute))
	require.NoError(t, err)

	tied := []*notify.Notification{sameA, sameB}
	slices.SortFunc(tied, func(a, b *notify.Notification) int { return compareIDs(a.ID, b.ID) })
	all := []uuid.UUID{oldest.ID, tied[0].ID, tied[1].ID, expired.ID, atNow.ID}

	tests := []struct {
		name  string
		limit int
		want  []uuid.UUID
	}{
		{"all", 100, all},
		{"limit 2", 2, all[:2]},
		{"limit 1", 1, all[:1]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListSweepable(ctx, createdBefore, now, tc.limit)
			require.NoError(t, err)
			assert.Equal(t, tc.want, notificationIDs(got))
			for _, n := range got {
				assert.Equal(t, notify.StatusCreated, n.Status)
			}
		})
	}

	t.Run("lease expiry", func(t *testing.T) {
		later := now.Add(time.Hour)
		got, err := s.ListSweepable(ctx, createdBefore, later, 100)
		require.NoError(t, err)
		ids := notificationIDs(got)
		assert.Contains(t, ids, leased.ID, "an expired lease is sweepable")
		assert.Len(t, ids, 7)
	})

	t.Run("nothing old enough", func(t *testing.T) {
		got, err := s.ListSweepable(ctx, at(-10*time.Hour), now, 100)
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}

func testInProgress(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store
	cutoff := at(0)
	mk := func(fx *fixture, status notify.Status, sentBy string, sent *time.Time) *notify.Notification {
		n := fx.notification(-2 * time.Hour)
		n.Status, n.SentBy, n.SentAt = status, sentBy, sent
		return fx.create(n)
	}
	oldest := mk(f, notify.StatusSending, "sandbox", ptr(cutoff.Add(-time.Hour)))
	pending := mk(other, notify.StatusPending, "sandbox", ptr(cutoff.Add(-30*time.Minute))) // every service
	mmg := mk(f, notify.StatusSending, "mmg", ptr(cutoff.Add(-20*time.Minute)))
	mk(f, notify.StatusSending, "sandbox", ptr(cutoff))                   // not strictly before
	mk(f, notify.StatusSending, "sandbox", ptr(cutoff.Add(time.Minute)))  // too recent
	mk(f, notify.StatusDelivered, "sandbox", ptr(cutoff.Add(-time.Hour))) // final
	mk(f, notify.StatusSent, "sandbox", ptr(cutoff.Add(-time.Hour)))      // sent (international) is final
	mk(f, notify.StatusCreated, "", nil)                                  // never handed over
	mk(f, notify.StatusSending, "sandbox", nil)                           // no sent_at

	got, err := s.ListInProgress(ctx, "sandbox", cutoff, 100)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{oldest.ID, pending.ID}, notificationIDs(got), "sandbox's, oldest sent first")
	got, err = s.ListInProgress(ctx, "", cutoff, 100)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{oldest.ID, pending.ID, mmg.ID}, notificationIDs(got), "any provider")
	got, err = s.ListInProgress(ctx, "", cutoff, 2)
	require.NoError(t, err)
	assert.Equal(t, []uuid.UUID{oldest.ID, pending.ID}, notificationIDs(got), "limit")
	got, err = s.ListInProgress(ctx, "ses", cutoff, 100)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testInboundSMS(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	var msgs []*notify.InboundSMS
	for i := range 9 {
		m := &notify.InboundSMS{
			ID:           uuid.New(),
			ServiceID:    f.svc.ID,
			NotifyNumber: "07700900000",
			UserNumber:   fmt.Sprintf("4477009001%02d", i),
			Content:      fmt.Sprintf("message %d ’ – 🙂", i),
			Provider:     "mmg",
			CreatedAt:    at(time.Duration(i/2) * time.Minute), // pairs share created_at
		}
		require.NoError(t, s.CreateInboundSMS(ctx, m))
		msgs = append(msgs, m)
	}
	require.NoError(t, s.CreateInboundSMS(ctx, &notify.InboundSMS{ID: uuid.New(), ServiceID: other.svc.ID, Content: "other", CreatedAt: at(time.Hour)}))

	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, func(a, b *notify.InboundSMS) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
	ids := func(ms []notify.InboundSMS) []uuid.UUID {
		out := make([]uuid.UUID, len(ms))
		for i, m := range ms {
			out[i] = m.ID
		}
		return out
	}
	want := make([]uuid.UUID, len(sorted))
	for i, m := range sorted {
		want[i] = m.ID
	}

	got, err := s.ListInboundSMS(ctx, f.svc.ID, nil, 0)
	require.NoError(t, err)
	assert.Equal(t, want, ids(got))
	for i := range got {
		assert.Equal(t, normInbound(*sorted[i]), normInbound(got[i]))
	}

	tests := []struct {
		name      string
		olderThan *uuid.UUID
		limit     int
		want      []uuid.UUID
	}{
		{"limit", nil, 3, want[:3]},
		{"older than first", &want[0], 0, want[1:]},
		{"older than a tie", &want[3], 2, want[4:6]},
		{"older than last", &want[len(want)-1], 0, nil},
		{"unknown older than", ptr(uuid.New()), 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListInboundSMS(ctx, f.svc.ID, tc.olderThan, tc.limit)
			require.NoError(t, err)
			assert.Equal(t, tc.want, nilIfEmpty(ids(got)))
		})
	}

	t.Run("paging", func(t *testing.T) {
		var seen []uuid.UUID
		var older *uuid.UUID
		for range 20 {
			got, err := s.ListInboundSMS(ctx, f.svc.ID, older, 2)
			require.NoError(t, err)
			if len(got) == 0 {
				break
			}
			seen = append(seen, ids(got)...)
			older = ptr(got[len(got)-1].ID)
		}
		assert.Equal(t, want, seen)
	})

	t.Run("other service", func(t *testing.T) {
		got, err := s.ListInboundSMS(ctx, other.svc.ID, nil, 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "other", got[0].Content)
		none, err := s.ListInboundSMS(ctx, uuid.New(), nil, 0)
		require.NoError(t, err)
		assert.Empty(t, none)
	})

	t.Run("duplicate", func(t *testing.T) {
		dup := *msgs[0]
		dup.Content = "changed"
		require.ErrorIs(t, s.CreateInboundSMS(ctx, &dup), notify.ErrDuplicate)
		got, err := s.ListInboundSMS(ctx, f.svc.ID, nil, 0)
		require.NoError(t, err)
		assert.Len(t, got, len(msgs))
		for _, m := range got {
			assert.NotEqual(t, "changed", m.Content)
		}
	})
}

func testSettings(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	ctx := t.Context()

	v, err := s.LoadOrStoreSetting(ctx, "secret_key", "first")
	require.NoError(t, err)
	assert.Equal(t, "first", v)
	v, err = s.LoadOrStoreSetting(ctx, "secret_key", "second")
	require.NoError(t, err)
	assert.Equal(t, "first", v, "the first value wins")
	v, err = s.LoadOrStoreSetting(ctx, "other", "x ’ – 🙂")
	require.NoError(t, err)
	assert.Equal(t, "x ’ – 🙂", v)
	v, err = s.LoadOrStoreSetting(ctx, "secret_key", "")
	require.NoError(t, err)
	assert.Equal(t, "first", v)

	t.Run("concurrent", func(t *testing.T) {
		const racers = 16
		for round := range 3 {
			name := fmt.Sprint("race-", round)
			vals := make([]string, racers)
			errs := race(racers, func(i int) error {
				v, err := s.LoadOrStoreSetting(ctx, name, fmt.Sprint("value-", i))
				vals[i] = v
				return err
			})
			for _, err := range errs {
				require.NoError(t, err)
			}
			for i := range vals {
				assert.Equal(t, vals[0], vals[i], "round %d: callers saw different values", round)
			}
			assert.Regexp(t, `^value-\d+$`, vals[0])
			again, err := s.LoadOrStoreSetting(ctx, name, "late")
			require.NoError(t, err)
			assert.Equal(t, vals[0], again)
		}
	})
}

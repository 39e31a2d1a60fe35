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

// ability returns s as T, or skips the test naming the missing ability:
// the optional abilities are checked only on stores that have them.
func ability[T any](t *testing.T, s notify.Store, name string) T {
	t.Helper()
	v, ok := s.(T)
	if !ok {
		t.Skipf("the store has no %s (an optional ability)", name)
	}
	return v
}

func testListServices(t *testing.T, newStore func(t *testing.T) notify.Store) {
	s := newStore(t)
	l := ability[notify.ServiceLister](t, s, "ListServices")
	ctx := t.Context()

	empty, err := l.ListServices(ctx)
	require.NoError(t, err)
	assert.Empty(t, empty)

	older, newer, archived := newService(), newService(), newService()
	newer.CreatedAt, newer.UpdatedAt = at(-time.Hour), at(-time.Hour)
	archived.Archived = true
	archived.CreatedAt, archived.UpdatedAt = at(0), at(0)
	for _, svc := range []*notify.Service{newer, archived, older} {
		require.NoError(t, s.CreateService(ctx, svc))
	}
	got, err := l.ListServices(ctx)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, want := range []*notify.Service{older, newer, archived} {
		assert.Equal(t, normService(*want), normService(got[i]), "oldest first, archived included (%d)", i)
	}
	_, err = l.ListServices(cancelled(t))
	assert.ErrorIs(t, err, context.Canceled)
}

func testReplaceGuestList(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	g := ability[notify.GuestListReplacer](t, f.store, "ReplaceGuestList")
	ctx, s := f.ctx, f.store

	require.NoError(t, s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: f.svc.ID, Recipient: "old@example.com"}))
	require.NoError(t, s.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: other.svc.ID, Recipient: "keep@example.com"}))

	entry := func(r string) notify.GuestListEntry { return notify.GuestListEntry{ServiceID: f.svc.ID, Recipient: r} }
	tests := []struct {
		name    string
		entries []notify.GuestListEntry
		want    []notify.GuestListEntry
	}{
		{"replaces every entry", []notify.GuestListEntry{entry("a@example.com"), entry("07700900111")},
			[]notify.GuestListEntry{entry("a@example.com"), entry("07700900111")}},
		{"keeps duplicates once", []notify.GuestListEntry{entry("b@example.com"), entry("b@example.com")},
			[]notify.GuestListEntry{entry("b@example.com")}},
		{"empties the list", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, g.ReplaceGuestList(ctx, f.svc.ID, tc.entries))
			got, err := s.ListGuestList(ctx, f.svc.ID)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.want, got)
			kept, err := s.ListGuestList(ctx, other.svc.ID)
			require.NoError(t, err)
			assert.Equal(t, []notify.GuestListEntry{{ServiceID: other.svc.ID, Recipient: "keep@example.com"}}, kept,
				"another service's list is untouched")
		})
	}
}

func testRemoveTeamMember(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	r := ability[notify.TeamMemberRemover](t, f.store, "RemoveTeamMember")
	ctx, s := f.ctx, f.store

	ada := notify.TeamMember{ServiceID: f.svc.ID, EmailAddress: "ada@example.com", MobileNumber: "07700900001"}
	grace := notify.TeamMember{ServiceID: f.svc.ID, EmailAddress: "grace@example.com"}
	require.NoError(t, s.AddTeamMember(ctx, ada))
	require.NoError(t, s.AddTeamMember(ctx, grace))

	tests := []struct {
		name    string
		m       notify.TeamMember
		wantErr error
		left    []notify.TeamMember
	}{
		{"another mobile number is not the member", notify.TeamMember{ServiceID: f.svc.ID, EmailAddress: "ada@example.com"},
			notify.ErrNotFound, []notify.TeamMember{ada, grace}},
		{"another service's member", notify.TeamMember{ServiceID: uuid.New(), EmailAddress: "grace@example.com"},
			notify.ErrNotFound, []notify.TeamMember{ada, grace}},
		{"removes the member", ada, nil, []notify.TeamMember{grace}},
		{"twice is not found", ada, notify.ErrNotFound, []notify.TeamMember{grace}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := r.RemoveTeamMember(ctx, tc.m)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
			} else {
				assert.NoError(t, err)
			}
			left, err := s.ListTeamMembers(ctx, f.svc.ID)
			require.NoError(t, err)
			assert.ElementsMatch(t, tc.left, left)
		})
	}
}

func testCountByStatus(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	c := ability[notify.StatusCounter](t, f.store, "CountNotificationsByStatus")
	since := at(24 * time.Hour).Truncate(24 * time.Hour)

	mk := func(fx *fixture, created time.Time, typ notify.NotificationType, kt notify.KeyType, st notify.Status) {
		n := fx.notification(0)
		n.CreatedAt, n.Type, n.KeyType, n.Status = created, typ, kt, st
		if typ == notify.Email {
			n.TemplateID, n.To, n.NormalisedTo = fx.email.ID, "a@example.com", "a@example.com"
		}
		fx.create(n)
	}
	mk(f, since.Add(-time.Microsecond), notify.SMS, notify.KeyTypeLive, notify.StatusDelivered) // before
	mk(f, since, notify.SMS, notify.KeyTypeLive, notify.StatusDelivered)                        // boundary
	mk(f, since.Add(time.Hour), notify.SMS, notify.KeyTypeLive, notify.StatusDelivered)
	mk(f, since.Add(time.Hour), notify.SMS, notify.KeyTypeTeam, notify.StatusDelivered)
	mk(f, since.Add(time.Hour), notify.SMS, notify.KeyTypeLive, notify.StatusPermanentFailure)
	mk(f, since.Add(time.Hour), notify.Email, notify.KeyTypeSimulate, notify.StatusCreated)
	mk(other, since.Add(time.Hour), notify.SMS, notify.KeyTypeLive, notify.StatusDelivered)

	got, err := c.CountNotificationsByStatus(f.ctx, f.svc.ID, since)
	require.NoError(t, err)
	assert.ElementsMatch(t, []notify.StatusCount{
		{Type: notify.SMS, Status: notify.StatusDelivered, KeyType: notify.KeyTypeLive, Count: 2},
		{Type: notify.SMS, Status: notify.StatusDelivered, KeyType: notify.KeyTypeTeam, Count: 1},
		{Type: notify.SMS, Status: notify.StatusPermanentFailure, KeyType: notify.KeyTypeLive, Count: 1},
		{Type: notify.Email, Status: notify.StatusCreated, KeyType: notify.KeyTypeSimulate, Count: 1},
	}, got)

	none, err := c.CountNotificationsByStatus(f.ctx, uuid.New(), since)
	require.NoError(t, err)
	assert.Empty(t, none)
}

package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

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

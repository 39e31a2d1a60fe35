package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

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

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
//
// The checks are grouped by topic, one file each (services.go, keys.go,
// templates.go, notifications.go, claims.go, transitions.go, list.go,
// count.go, sweep.go, inbound.go, settings.go, and the optional abilities
// in admin.go, retention.go and idempotency.go); Run below lists them
// all, and helpers.go holds what several topics share.
package storetest

import (
	"context"
	"testing"

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
		{"BatchCreate", testBatchCreate},
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
		{"CountNotificationsByChannel", testCountByChannel},
		{"ListSweepable", testSweepable},
		{"ListInProgress", testInProgress},
		{"InboundSMS", testInboundSMS},
		{"Settings", testSettings},
		{"OlderThanScope", testOlderThanScope},
		// Optional abilities (adminstore.go in package notify): skipped,
		// with the reason, on stores without them.
		{"ListServices", testListServices},
		{"ReplaceGuestList", testReplaceGuestList},
		{"RemoveTeamMember", testRemoveTeamMember},
		{"CountByStatus", testCountByStatus},
		{"DataRetention", testDataRetention},
		{"Senders", testSenders},
		{"ReplyToDistinct", testReplyToDistinct},
		{"ArchiveNotifications", testArchiveNotifications},
		{"SealedStore", testSealed},
		{"BatchDelivery", testBatchDelivery},
		{"ContactLink", testContactLink},
		{"Documents", testDocuments},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"IdempotencyPurge", testIdempotencyPurge},
		{"IdempotencyRace", testIdempotencyRace},
		{"Jobs", testJobs},
		{"JobsScheduledAndCancelled", testJobsScheduledAndCancelled},
		{"JobStream", testJobStream}, // jobstream.go
		{"ServiceCallbacks", testServiceCallbacks},
		{"Complaints", testComplaints},
		{"ComplaintLister", testComplaintLister}, // complaintlist.go
		{"InboundNumbers", testInboundNumbers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore) })
	}
}

// fixture is a store holding one service with an SMS template, an email
// template and a live key, which notifications made by the fixture refer to.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store notify.Store
	svc   *notify.Service
	sms   *notify.Template
	email *notify.Template
	key   *notify.APIKey
}

// setup returns a fresh store with one seeded service.
func setup(t *testing.T, newStore func(t *testing.T) notify.Store) *fixture {
	t.Helper()
	s := newStore(t)
	require.NotNil(t, s, "newStore returned nil")
	return seedService(t, s)
}

// seedService adds a service, two templates and a key to s.
func seedService(t *testing.T, s notify.Store) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{t: t, ctx: ctx, store: s}
	f.svc = newService()
	require.NoError(t, s.CreateService(ctx, f.svc))
	f.sms = newTemplate(f.svc.ID, notify.SMS, "sms template")
	require.NoError(t, s.CreateTemplate(ctx, f.sms))
	f.email = newTemplate(f.svc.ID, notify.Email, "email template")
	require.NoError(t, s.CreateTemplate(ctx, f.email))
	f.key = newAPIKey(f.svc.ID, notify.KeyTypeLive, at(0))
	require.NoError(t, s.CreateAPIKey(ctx, f.key))
	return f
}

// other seeds a second service in the same store.
func (f *fixture) other() *fixture {
	f.t.Helper()
	return seedService(f.t, f.store)
}

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

// testCountByChannel checks notify.ChannelCounter, for stores that have
// it: the per-channel counts of the daily limits, with CountNotifications'
// rules on what counts.
func testCountByChannel(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	cc, ok := f.store.(notify.ChannelCounter)
	if !ok {
		t.Skip("the store is not a notify.ChannelCounter (the Notifier counts by listing)")
	}
	other := f.other()
	ctx := f.ctx
	since := at(24 * time.Hour).Truncate(24 * time.Hour) // midnight UTC

	sms := func(fx *fixture, createdAt time.Time, prefix string, international bool) *notify.Notification {
		n := fx.notification(0)
		n.CreatedAt, n.PhonePrefix, n.International = createdAt, prefix, international
		return n
	}
	email := func(fx *fixture, createdAt time.Time) *notify.Notification {
		n := fx.notification(0)
		n.CreatedAt, n.Type, n.TemplateID = createdAt, notify.Email, fx.email.ID
		n.To, n.NormalisedTo, n.PhonePrefix, n.Queue = "Someone@Example.com", "someone@example.com", "", notify.QueueSendEmail
		return n
	}
	f.create(sms(f, since, "44", false))                       // boundary: counted
	f.create(sms(f, since.Add(time.Hour), "44", true))         // a crown dependency (+44): not international
	f.create(sms(f, since.Add(2*time.Hour), "33", true))       // France: sms and international_sms
	f.create(sms(f, since.Add(3*time.Hour), "1664", true))     // Montserrat, a NANP billing prefix
	f.create(sms(f, since.Add(-time.Microsecond), "33", true)) // yesterday
	team := sms(f, since.Add(4*time.Hour), "44", false)
	team.KeyType = notify.KeyTypeTeam
	f.create(team)
	f.create(email(f, since.Add(time.Microsecond)))
	job := email(f, since.Add(5*time.Hour))
	job.JobID = ptr(uuid.New())
	f.create(job) // notifications from jobs count too
	yesterday := email(f, since.Add(-time.Hour))
	f.create(yesterday)
	simulated := sms(f, since.Add(6*time.Hour), "33", true)
	simulated.KeyType = notify.KeyTypeSimulate
	f.create(simulated) // never counted
	research := email(f, since.Add(7*time.Hour))
	research.Queue = notify.QueueResearchMode // a research-mode service's live key: simulated
	f.create(research)
	f.create(sms(other, since.Add(time.Hour), "33", true))

	tests := []struct {
		name    string
		service uuid.UUID
		since   time.Time
		want    notify.DailyCounts
	}{
		{"today", f.svc.ID, since, notify.DailyCounts{SMS: 5, Email: 2, InternationalSMS: 2}},
		{"from a microsecond later", f.svc.ID, since.Add(time.Microsecond), notify.DailyCounts{SMS: 4, Email: 2, InternationalSMS: 2}},
		{"from a microsecond earlier", f.svc.ID, since.Add(-time.Microsecond), notify.DailyCounts{SMS: 6, Email: 2, InternationalSMS: 3}},
		{"everything", f.svc.ID, since.Add(-48 * time.Hour), notify.DailyCounts{SMS: 6, Email: 3, InternationalSMS: 3}},
		{"future", f.svc.ID, since.Add(48 * time.Hour), notify.DailyCounts{}},
		{"other service", other.svc.ID, since, notify.DailyCounts{SMS: 1, InternationalSMS: 1}},
		{"unknown service", uuid.New(), since, notify.DailyCounts{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cc.CountNotificationsByChannel(ctx, tc.service, tc.since)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			total, err := f.store.CountNotifications(ctx, tc.service, tc.since)
			require.NoError(t, err)
			assert.Equal(t, total, got.SMS+got.Email, "the channels add up to CountNotifications")
		})
	}
	t.Run("cancelled context", func(t *testing.T) {
		_, err := cc.CountNotificationsByChannel(cancelled(t), f.svc.ID, since)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

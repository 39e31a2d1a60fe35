package storetest

import (
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

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

// job returns a pending SMS job of the fixture's service with rows
// notifications, held as a bulk send stores them.
func (f *fixture) job(rows int) (*notify.Job, []*notify.Notification) {
	j := &notify.Job{
		ID: uuid.New(), ServiceID: f.svc.ID, TemplateID: f.sms.ID, TemplateVersion: 1, TemplateType: notify.SMS,
		OriginalFileName: "people.csv", NotificationCount: rows, Status: notify.JobPending,
		CreatedBy: f.key.ID.String(), CreatedAt: at(0),
	}
	ns := make([]*notify.Notification, rows)
	for i := range ns {
		n := f.notification(time.Duration(i) * time.Microsecond)
		n.JobID = ptr(j.ID)
		n.JobRowNumber = ptr(i)
		n.Queue = notify.QueueBulkSMS
		n.ClaimedUntil = ptr(notify.HeldUntil)
		ns[i] = n
	}
	return j, ns
}

func testJobs(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	js := ability[notify.JobStore](t, f.store, "JobStore")
	ctx := f.ctx

	j, ns := f.job(5)
	require.NoError(t, js.CreateJob(ctx, j, ns))

	got, err := js.GetJob(ctx, f.svc.ID, j.ID)
	require.NoError(t, err)
	assert.Equal(t, j.ID, got.ID)
	assert.Equal(t, notify.JobPending, got.Status)
	assert.Equal(t, notify.SMS, got.TemplateType, "the template type comes with the job")
	assert.Equal(t, 5, got.NotificationCount)
	assert.Equal(t, "people.csv", got.OriginalFileName)
	assert.Equal(t, at(0), utc(got.CreatedAt))

	_, err = js.GetJob(ctx, f.other().svc.ID, j.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "another service's job is not found")
	_, err = js.GetJob(ctx, f.svc.ID, uuid.New())
	assert.ErrorIs(t, err, notify.ErrNotFound)

	// Stored rows read back whole, held, and are not swept nor claimable.
	n0, err := f.store.GetNotification(ctx, ns[0].ID)
	require.NoError(t, err)
	assert.Equal(t, j.ID, *n0.JobID)
	assert.Equal(t, 0, *n0.JobRowNumber)
	assertNotification(t, ns[0], n0)
	sweepable, err := f.store.ListSweepable(ctx, at(time.Hour), at(time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, sweepable, "held rows are not swept")
	_, err = f.store.ClaimNotification(ctx, ns[1].ID, at(time.Hour), at(2*time.Hour))
	assert.ErrorIs(t, err, notify.ErrConflict, "held rows cannot be claimed")

	// Listings leave job rows out unless asked.
	list, err := f.store.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID})
	require.NoError(t, err)
	assert.Empty(t, list)
	list, err = f.store.ListNotifications(ctx, notify.NotificationFilter{ServiceID: f.svc.ID, IncludeJobs: true})
	require.NoError(t, err)
	assert.Len(t, list, 5)

	stats, err := js.JobStatistics(ctx, j.ID)
	require.NoError(t, err)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 5}}, stats)

	ids, err := js.ListJobNotificationIDs(ctx, j.ID)
	require.NoError(t, err)
	want := make([]uuid.UUID, len(ns))
	for i, n := range ns {
		want[i] = n.ID
	}
	assert.Equal(t, want, ids, "in row order")

	// Due: a pending job created before the cut-off.
	due, err := js.ListDueJobs(ctx, at(time.Hour), at(-time.Minute), 0)
	require.NoError(t, err)
	assert.Empty(t, due, "a pending job younger than the cut-off is not due")
	due, err = js.ListDueJobs(ctx, at(time.Hour), at(time.Minute), 0)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, j.ID, due[0].ID)

	// Start: once, releasing the rows.
	errs := race(8, func(int) error {
		_, err := js.StartJob(ctx, j.ID, at(time.Hour))
		return err
	})
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, notify.ErrConflict)
		}
	}
	assert.Equal(t, 1, won, "exactly one start wins")
	got, err = js.GetJob(ctx, f.svc.ID, j.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobInProgress, got.Status)
	require.NotNil(t, got.ProcessingStarted)
	assert.Equal(t, at(time.Hour), utc(*got.ProcessingStarted))
	_, err = f.store.ClaimNotification(ctx, ns[1].ID, at(time.Hour), at(2*time.Hour))
	assert.NoError(t, err, "released rows can be claimed")
	n0, err = f.store.GetNotification(ctx, ns[0].ID)
	require.NoError(t, err)
	assert.Equal(t, at(time.Hour), utc(n0.CreatedAt), "created when the job starts")
	assert.Nil(t, n0.ClaimedUntil)
	sweepable, err = f.store.ListSweepable(ctx, at(time.Hour), at(time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, sweepable, "not before SweepAfter")
	sweepable, err = f.store.ListSweepable(ctx, at(2*time.Hour), at(90*time.Minute), 0)
	require.NoError(t, err)
	assert.Len(t, sweepable, 4, "released, unclaimed rows are swept")

	// Cancel refuses a started job and changes nothing.
	_, err = js.CancelJob(ctx, f.svc.ID, j.ID, at(time.Hour))
	assert.ErrorIs(t, err, notify.ErrConflict)
	_, err = js.StartJob(ctx, uuid.New(), at(time.Hour))
	assert.ErrorIs(t, err, notify.ErrNotFound)

	// An in-progress job started before the cut-off is due (to finish).
	due, err = js.ListDueJobs(ctx, at(2*time.Hour), at(2*time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, notify.JobInProgress, due[0].Status)

	require.NoError(t, js.FinishJob(ctx, j.ID, 5, at(2*time.Hour)))
	assert.ErrorIs(t, js.FinishJob(ctx, j.ID, 5, at(2*time.Hour)), notify.ErrConflict)
	got, err = js.GetJob(ctx, f.svc.ID, j.ID)
	require.NoError(t, err)
	assert.Equal(t, notify.JobFinished, got.Status)
	assert.Equal(t, 5, got.NotificationsSent)
	require.NotNil(t, got.ProcessingFinished)

	_, err = js.GetJob(cancelled(t), f.svc.ID, j.ID)
	assert.ErrorIs(t, err, context.Canceled)
}

func testJobsScheduledAndCancelled(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	js := ability[notify.JobStore](t, f.store, "JobStore")
	ctx := f.ctx

	// A scheduled job starts only once its time has come.
	sj, sns := f.job(3)
	sj.Status = notify.JobScheduled
	sj.ScheduledFor = ptr(at(time.Hour))
	require.NoError(t, js.CreateJob(ctx, sj, sns))
	due, err := js.ListDueJobs(ctx, at(30*time.Minute), at(30*time.Minute), 0)
	require.NoError(t, err)
	assert.Empty(t, due)
	_, err = js.StartJob(ctx, sj.ID, at(30*time.Minute))
	assert.ErrorIs(t, err, notify.ErrConflict, "too early")
	due, err = js.ListDueJobs(ctx, at(time.Hour), at(-time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, due, 1)
	assert.Equal(t, sj.ID, due[0].ID)

	// Cancelling a job not started cancels its rows too.
	cj, cns := f.job(4)
	cj.CreatedAt = at(time.Second)
	require.NoError(t, js.CreateJob(ctx, cj, cns))
	other := f.other()
	_, err = js.CancelJob(ctx, other.svc.ID, cj.ID, at(time.Minute))
	assert.ErrorIs(t, err, notify.ErrNotFound, "another service cannot cancel it")
	got, err := js.CancelJob(ctx, f.svc.ID, cj.ID, at(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, notify.JobCancelled, got.Status)
	stats, err := js.JobStatistics(ctx, cj.ID)
	require.NoError(t, err)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCancelled, Count: 4}}, stats)
	_, err = js.StartJob(ctx, cj.ID, at(time.Hour))
	assert.ErrorIs(t, err, notify.ErrConflict, "a cancelled job never starts")
	ids, err := js.ListJobNotificationIDs(ctx, cj.ID)
	require.NoError(t, err)
	assert.Empty(t, ids)
	_, err = js.CancelJob(ctx, f.svc.ID, cj.ID, at(time.Minute))
	assert.ErrorIs(t, err, notify.ErrConflict, "cancelled twice")

	// The scheduled job is untouched by the other's cancellation.
	stats, err = js.JobStatistics(ctx, sj.ID)
	require.NoError(t, err)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCreated, Count: 3}}, stats)

	// Refused for the daily limit: only a scheduled job, once.
	_, err = js.RefuseJob(ctx, cj.ID, at(time.Hour))
	assert.ErrorIs(t, err, notify.ErrConflict, "a cancelled job is not refused")
	_, err = js.RefuseJob(ctx, uuid.New(), at(time.Hour))
	assert.ErrorIs(t, err, notify.ErrNotFound)
	rj, rns := f.job(2)
	rj.Status, rj.ScheduledFor = notify.JobScheduled, ptr(at(time.Hour))
	require.NoError(t, js.CreateJob(ctx, rj, rns))
	got, err = js.RefuseJob(ctx, rj.ID, at(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, notify.JobSendingLimitsExceeded, got.Status)
	stats, err = js.JobStatistics(ctx, rj.ID)
	require.NoError(t, err)
	assert.Equal(t, []notify.StatusCount{{Status: notify.StatusCancelled, Count: 2}}, stats)
	_, err = js.RefuseJob(ctx, rj.ID, at(time.Hour))
	assert.ErrorIs(t, err, notify.ErrConflict, "refused twice")
	_, err = js.StartJob(ctx, rj.ID, at(2*time.Hour))
	assert.ErrorIs(t, err, notify.ErrConflict, "a refused job never starts")

	// A failing create stores nothing: a duplicate notification id.
	dj, dns := f.job(2)
	dns[1].ID = sns[0].ID
	err = js.CreateJob(ctx, dj, dns)
	assert.ErrorIs(t, err, notify.ErrDuplicate)
	_, err = js.GetJob(ctx, f.svc.ID, dj.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "no job without its rows")
	_, err = f.store.GetNotification(ctx, dns[0].ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "no row without its job")
}

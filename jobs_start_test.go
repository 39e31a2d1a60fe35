package notify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

var errFlakyRead = errors.New("store read failed")

// flakyJobStore fails the failAt-th of the reads a job's start makes (its
// jobs, its notifications, its service), once; every other call goes to
// the Store it wraps.
type flakyJobStore struct {
	notify.Store
	js     notify.JobStore
	failAt int32
	reads  atomic.Int32
}

func newFlakyJobStore(t *testing.T, st notify.Store, failAt int32) *flakyJobStore {
	js, ok := st.(notify.JobStore)
	require.True(t, ok)
	return &flakyJobStore{Store: st, js: js, failAt: failAt}
}

func (s *flakyJobStore) Unwrap() notify.Store { return s.Store }

// read counts a read and fails the failAt-th.
func (s *flakyJobStore) read() error {
	if s.reads.Add(1) == s.failAt {
		return errFlakyRead
	}
	return nil
}

// failed reports whether the failing read happened.
func (s *flakyJobStore) failed() bool { return s.reads.Load() >= s.failAt }

func (s *flakyJobStore) GetNotification(ctx context.Context, id uuid.UUID) (*notify.Notification, error) {
	if err := s.read(); err != nil {
		return nil, err
	}
	return s.Store.GetNotification(ctx, id)
}

func (s *flakyJobStore) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	if err := s.read(); err != nil {
		return nil, err
	}
	return s.Store.GetService(ctx, id)
}

func (s *flakyJobStore) ListNotifications(ctx context.Context, f notify.NotificationFilter) ([]notify.Notification, error) {
	if f.JobID != nil {
		if err := s.read(); err != nil {
			return nil, err
		}
	}
	return s.Store.ListNotifications(ctx, f)
}

func (s *flakyJobStore) CreateJob(ctx context.Context, job *notify.Job, ns []*notify.Notification) error {
	return s.js.CreateJob(ctx, job, ns)
}

func (s *flakyJobStore) GetJob(ctx context.Context, serviceID, id uuid.UUID) (*notify.Job, error) {
	if err := s.read(); err != nil {
		return nil, err
	}
	return s.js.GetJob(ctx, serviceID, id)
}

func (s *flakyJobStore) StartJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	return s.js.StartJob(ctx, id, now)
}

func (s *flakyJobStore) FinishJob(ctx context.Context, id uuid.UUID, sent int, now time.Time) error {
	return s.js.FinishJob(ctx, id, sent, now)
}

func (s *flakyJobStore) CancelJob(ctx context.Context, serviceID, id uuid.UUID, now time.Time) (*notify.Job, error) {
	return s.js.CancelJob(ctx, serviceID, id, now)
}

func (s *flakyJobStore) RefuseJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	return s.js.RefuseJob(ctx, id, now)
}

func (s *flakyJobStore) ListDueJobs(ctx context.Context, now, pendingBefore time.Time, limit int) ([]notify.Job, error) {
	if err := s.read(); err != nil {
		return nil, err
	}
	return s.js.ListDueJobs(ctx, now, pendingBefore, limit)
}

func (s *flakyJobStore) ListJobNotificationIDs(ctx context.Context, jobID uuid.UUID) ([]uuid.UUID, error) {
	if err := s.read(); err != nil {
		return nil, err
	}
	return s.js.ListJobNotificationIDs(ctx, jobID)
}

func (s *flakyJobStore) JobStatistics(ctx context.Context, jobID uuid.UUID) ([]notify.StatusCount, error) {
	return s.js.JobStatistics(ctx, jobID)
}

// Whichever read of its start fails, a scheduled job is started once,
// queued once and counted against the day's limits: the failed start is
// tried again by the next sweep.
func TestScheduledJobStartSurvivesAFailedRead(t *testing.T) {
	for _, s := range jobStores() {
		t.Run(s.name, func(t *testing.T) {
			for failAt := int32(1); ; failAt++ {
				clk := newClock()
				flaky := newFlakyJobStore(t, s.open(t), 1<<30)
				b := intlJobEnv(t, flaky, clk)
				ctx := t.Context()
				rows := [][]string{{"phone number", "name"}, {"+33 6 12 34 56 78", "A"}, {"+33 6 12 34 56 79", "B"}}
				at := clk.now().Add(time.Minute)
				job, err := b.env.Notifier.SendBulk(ctx, b.live, &notify.BulkRequest{Name: "j", TemplateID: b.sms.ID, Rows: rows, ScheduledFor: &at})
				require.NoError(t, err)
				clk.advance(time.Minute)
				flaky.reads.Store(0)
				flaky.failAt = failAt
				_, first := b.env.Notifier.Sweep(ctx)
				if !flaky.failed() {
					require.NoError(t, first)
					require.Greater(t, failAt, int32(2), "the start reads the Store")
					break
				}
				for range 2 {
					_, err := b.env.Notifier.Sweep(ctx)
					require.NoError(t, err, "read %d failed", failAt)
				}
				j, err := b.env.Notifier.GetJob(ctx, b.live, job.ID)
				require.NoError(t, err)
				assert.Equal(t, notify.JobFinished, j.Status, "read %d failed", failAt)
				assert.Equal(t, 2, j.NotificationsSent, "read %d failed", failAt)
				assert.Equal(t, 2, b.env.Queue.Len(notify.QueueBulkSMS), "read %d failed: each row queued once", failAt)
				require.NoError(t, sendIntl(t, b), "read %d failed: the third international place", failAt)
				assert.ErrorIs(t, sendIntl(t, b), notify.ErrDailyLimit, "read %d failed: the job's rows count", failAt)
			}
		})
	}
}

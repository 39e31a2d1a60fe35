package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// jobStore is an instrumented notify.JobStore: each method counted and
// timed under dao.{method in snake case}, as the Store's own methods are.
type jobStore struct {
	s     *store
	inner notify.JobStore
}

func (j jobStore) CreateJob(ctx context.Context, job *notify.Job, ns []*notify.Notification) error {
	defer j.s.done("dao.create_job", time.Now())
	return j.inner.CreateJob(ctx, job, ns)
}

func (j jobStore) GetJob(ctx context.Context, serviceID, id uuid.UUID) (*notify.Job, error) {
	defer j.s.done("dao.get_job", time.Now())
	return j.inner.GetJob(ctx, serviceID, id)
}

func (j jobStore) StartJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	defer j.s.done("dao.start_job", time.Now())
	return j.inner.StartJob(ctx, id, now)
}

func (j jobStore) FinishJob(ctx context.Context, id uuid.UUID, sent int, now time.Time) error {
	defer j.s.done("dao.finish_job", time.Now())
	return j.inner.FinishJob(ctx, id, sent, now)
}

func (j jobStore) CancelJob(ctx context.Context, serviceID, id uuid.UUID, now time.Time) (*notify.Job, error) {
	defer j.s.done("dao.cancel_job", time.Now())
	return j.inner.CancelJob(ctx, serviceID, id, now)
}

func (j jobStore) ListDueJobs(ctx context.Context, now, pendingBefore time.Time, limit int) ([]notify.Job, error) {
	defer j.s.done("dao.list_due_jobs", time.Now())
	return j.inner.ListDueJobs(ctx, now, pendingBefore, limit)
}

func (j jobStore) ListJobNotificationIDs(ctx context.Context, jobID uuid.UUID) ([]uuid.UUID, error) {
	defer j.s.done("dao.list_job_notification_ids", time.Now())
	return j.inner.ListJobNotificationIDs(ctx, jobID)
}

func (j jobStore) JobStatistics(ctx context.Context, jobID uuid.UUID) ([]notify.StatusCount, error) {
	defer j.s.done("dao.job_statistics", time.Now())
	return j.inner.JobStatistics(ctx, jobID)
}

func (j jobStore) RefuseJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	defer j.s.done("dao.refuse_job", time.Now())
	return j.inner.RefuseJob(ctx, id, now)
}

package otel

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// jobStore is a traced notify.JobStore: each method in a client span named
// notify.{method in snake case} with the job's id and, where the call
// names it, the service's.
type jobStore struct {
	inner notify.JobStore
	tr    trace.Tracer
}

// CreateJob calls the wrapped store's in a notify.create_job span, which
// says how many notifications the job stores.
func (j jobStore) CreateJob(ctx context.Context, job *notify.Job, ns []*notify.Notification) error {
	ctx, span := startCall(ctx, j.tr, "notify.create_job", jobAttr(job.ID), serviceAttr(job.ServiceID),
		AttrCount.Int(len(ns)))
	err := j.inner.CreateJob(ctx, job, ns)
	endCall(span, err)
	return err
}

// GetJob calls the wrapped store's in a notify.get_job span.
func (j jobStore) GetJob(ctx context.Context, serviceID, id uuid.UUID) (*notify.Job, error) {
	ctx, span := startCall(ctx, j.tr, "notify.get_job", jobAttr(id), serviceAttr(serviceID))
	job, err := j.inner.GetJob(ctx, serviceID, id)
	endCall(span, err)
	return job, err
}

// StartJob calls the wrapped store's in a notify.start_job span.
func (j jobStore) StartJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	ctx, span := startCall(ctx, j.tr, "notify.start_job", jobAttr(id))
	job, err := j.inner.StartJob(ctx, id, now)
	endCall(span, err)
	return job, err
}

// FinishJob calls the wrapped store's in a notify.finish_job span.
func (j jobStore) FinishJob(ctx context.Context, id uuid.UUID, sent int, now time.Time) error {
	ctx, span := startCall(ctx, j.tr, "notify.finish_job", jobAttr(id))
	err := j.inner.FinishJob(ctx, id, sent, now)
	endCall(span, err)
	return err
}

// CancelJob calls the wrapped store's in a notify.cancel_job span.
func (j jobStore) CancelJob(ctx context.Context, serviceID, id uuid.UUID, now time.Time) (*notify.Job, error) {
	ctx, span := startCall(ctx, j.tr, "notify.cancel_job", jobAttr(id), serviceAttr(serviceID))
	job, err := j.inner.CancelJob(ctx, serviceID, id, now)
	endCall(span, err)
	return job, err
}

// RefuseJob calls the wrapped store's in a notify.refuse_job span.
func (j jobStore) RefuseJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	ctx, span := startCall(ctx, j.tr, "notify.refuse_job", jobAttr(id))
	job, err := j.inner.RefuseJob(ctx, id, now)
	endCall(span, err)
	return job, err
}

// ListDueJobs calls the wrapped store's in a notify.list_due_jobs span,
// which says how many jobs are due.
func (j jobStore) ListDueJobs(ctx context.Context, now, pendingBefore time.Time, limit int) ([]notify.Job, error) {
	ctx, span := startCall(ctx, j.tr, "notify.list_due_jobs")
	jobs, err := j.inner.ListDueJobs(ctx, now, pendingBefore, limit)
	span.SetAttributes(AttrCount.Int(len(jobs)))
	endCall(span, err)
	return jobs, err
}

// ListJobNotificationIDs calls the wrapped store's in a
// notify.list_job_notification_ids span, which says how many there are
// (the ids themselves are too many to record).
func (j jobStore) ListJobNotificationIDs(ctx context.Context, jobID uuid.UUID) ([]uuid.UUID, error) {
	ctx, span := startCall(ctx, j.tr, "notify.list_job_notification_ids", jobAttr(jobID))
	ids, err := j.inner.ListJobNotificationIDs(ctx, jobID)
	span.SetAttributes(AttrCount.Int(len(ids)))
	endCall(span, err)
	return ids, err
}

// JobStatistics calls the wrapped store's in a notify.job_statistics span.
func (j jobStore) JobStatistics(ctx context.Context, jobID uuid.UUID) ([]notify.StatusCount, error) {
	ctx, span := startCall(ctx, j.tr, "notify.job_statistics", jobAttr(jobID))
	counts, err := j.inner.JobStatistics(ctx, jobID)
	endCall(span, err)
	return counts, err
}

// jobStreamer is a traced notify.JobStreamer.
type jobStreamer struct {
	inner notify.JobStreamer
	tr    trace.Tracer
}

// StreamJob calls the wrapped store's in a notify.stream_job span, which
// lasts while the rows are checked and stored.
func (j jobStreamer) StreamJob(ctx context.Context, job *notify.Job, next func() (*notify.Notification, error)) error {
	ctx, span := startCall(ctx, j.tr, "notify.stream_job", jobAttr(job.ID), serviceAttr(job.ServiceID),
		AttrCount.Int(job.NotificationCount))
	err := j.inner.StreamJob(ctx, job, next)
	endCall(span, err)
	return err
}

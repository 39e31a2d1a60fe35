package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// JobStatus is the state of a bulk send (a job), with upstream's names.
type JobStatus string

// Job statuses. A job is pending (or scheduled, until its scheduled_for)
// from its acceptance until a worker starts it; in progress while its
// notifications are handed to the delivery queues; finished once they all
// are. A job not yet started may be cancelled: its notifications are then
// never sent. A job refused for the daily limits when it starts is
// sending limits exceeded.
const (
	JobPending               JobStatus = "pending"
	JobScheduled             JobStatus = "scheduled"
	JobInProgress            JobStatus = "in progress"
	JobFinished              JobStatus = "finished"
	JobCancelled             JobStatus = "cancelled"
	JobSendingLimitsExceeded JobStatus = "sending limits exceeded"
)

// Job is a bulk send: one template sent to the rows of a CSV file, each
// row one notification (Notification.JobID, Notification.JobRowNumber).
type Job struct {
	ID              uuid.UUID
	ServiceID       uuid.UUID
	TemplateID      uuid.UUID
	TemplateVersion int
	// TemplateType is the channel of the job's notifications.
	TemplateType NotificationType
	// OriginalFileName is the name the job was given.
	OriginalFileName  string
	NotificationCount int
	// NotificationsSent counts the notifications handed to the delivery
	// queues when the job started; those whose enqueue failed are not
	// counted (Sweep queues them later).
	NotificationsSent int
	Status            JobStatus
	// ScheduledFor, when set, is when the job starts; until then it is
	// scheduled.
	ScheduledFor       *time.Time
	ProcessingStarted  *time.Time
	ProcessingFinished *time.Time
	// CreatedBy is the id of the API key that created the job.
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// JobStore is an optional Store ability: bulk sends. The Notifier finds it
// through storeAs, so the read cache and the metrics wrappers pass it on;
// without it SendBulk, GetJob and CancelJob fail with ErrUnsupported.
//
// A job's notifications are stored with it, status created, held: their
// ClaimedUntil is HeldUntil, so that neither a worker nor Sweep touches
// them until StartJob releases them in the same step that starts the job.
// CancelJob marks them cancelled instead.
type JobStore interface {
	// CreateJob stores job and its notifications in one transaction: all
	// of them or nothing. A zero CreatedAt becomes now.
	CreateJob(ctx context.Context, job *Job, ns []*Notification) error
	// GetJob returns a service's job, or an error wrapping ErrNotFound.
	GetJob(ctx context.Context, serviceID, id uuid.UUID) (*Job, error)
	// StartJob moves a job that is pending, or scheduled with a
	// ScheduledFor not after now, to in progress and releases its held
	// notifications (ClaimedUntil cleared, CreatedAt now: as upstream's,
	// a job's notifications are created when it runs, so Sweep leaves them
	// to the worker for SweepAfter), atomically: of several callers
	// exactly one succeeds. It returns the started job, or an error
	// wrapping ErrConflict when the job is not startable (already started,
	// cancelled, scheduled later) and ErrNotFound when there is none.
	StartJob(ctx context.Context, id uuid.UUID, now time.Time) (*Job, error)
	// FinishJob moves an in-progress job to finished, recording how many
	// of its notifications were handed over (sent). ErrConflict when it is
	// not in progress.
	FinishJob(ctx context.Context, id uuid.UUID, sent int, now time.Time) error
	// CancelJob moves a service's pending or scheduled job to cancelled and
	// its notifications still created to cancelled, atomically. It
	// returns the cancelled job; ErrConflict when the job has started or
	// ended, ErrNotFound when the service has no such job.
	CancelJob(ctx context.Context, serviceID, id uuid.UUID, now time.Time) (*Job, error)
	// RefuseJob moves a scheduled job to JobSendingLimitsExceeded and its
	// notifications still created to cancelled, atomically, when the
	// service has no room for it on the day it was to start. ErrConflict
	// when it is not scheduled (started, cancelled, or refused already).
	RefuseJob(ctx context.Context, id uuid.UUID, now time.Time) (*Job, error)
	// ListDueJobs returns up to limit jobs a worker should act on at now:
	// pending ones created before pendingBefore, scheduled ones whose
	// ScheduledFor is not after now, and in-progress ones started before
	// pendingBefore (their worker died). Oldest first.
	ListDueJobs(ctx context.Context, now, pendingBefore time.Time, limit int) ([]Job, error)
	// ListJobNotificationIDs returns the ids of the job's notifications
	// still created, in row order.
	ListJobNotificationIDs(ctx context.Context, jobID uuid.UUID) ([]uuid.UUID, error)
	// JobStatistics counts the job's notifications by status.
	JobStatistics(ctx context.Context, jobID uuid.UUID) ([]StatusCount, error)
}

// HeldUntil is the ClaimedUntil of a job's notifications before the job
// starts: far enough ahead that no lease check ever passes it.
var HeldUntil = time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)

// Bulk lane: the queues a job's notifications are delivered from, apart
// from the single sends' so that a large job never delays them. Workers
// consume them after the other delivery queues.
const (
	QueueBulkSMS   = "bulk-sms"
	QueueBulkEmail = "bulk-email"
	// TaskProcessJob starts a job (QueueProcessJob); its NotificationID is
	// the job id.
	TaskProcessJob = "process-job"
)

// bulkQueue is the bulk lane of a channel.
func bulkQueue(t NotificationType) string {
	if t == SMS {
		return QueueBulkSMS
	}
	return QueueBulkEmail
}

// JobDetails is a job with the counts of its notifications by status.
type JobDetails struct {
	Job
	Statistics []StatusCount
}

// Refusal messages of jobs.
const (
	MsgJobNotFound = "Job not found in database"
	// msgJobStarted is the refusal to cancel a job that has started.
	msgJobStarted = "Job has already started or finished and cannot be cancelled (job_status is %s)"
)

func (n *Notifier) jobStore(op string) (JobStore, error) {
	js, ok := storeAs[JobStore](n.store)
	if !ok {
		return nil, unsupported(op, "JobStore")
	}
	return js, nil
}

// GetJob returns one of the caller's service's jobs with the counts of its
// notifications by status. An unknown job is the 404 NoResultFound.
func (n *Notifier) GetJob(ctx context.Context, c *Caller, id uuid.UUID) (*JobDetails, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	js, err := n.jobStore("get job")
	if err != nil {
		return nil, err
	}
	job, err := js.GetJob(ctx, c.Service.ID, id)
	if errors.Is(err, ErrNotFound) {
		return nil, jobNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("notify: get job: %w", err)
	}
	stats, err := js.JobStatistics(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("notify: get job statistics: %w", err)
	}
	return &JobDetails{Job: *job, Statistics: stats}, nil
}

func jobNotFound() *Error {
	return &Error{Code: CodeNotFound, Name: NameNoResultFound, Status: http.StatusNotFound, Message: MsgJobNotFound}
}

// CancelJob cancels one of the caller's service's jobs that has not
// started (pending or scheduled): the job becomes cancelled and its
// notifications are never sent. A job that has started or ended is a 400
// BadRequestError saying its status; an unknown one the 404.
func (n *Notifier) CancelJob(ctx context.Context, c *Caller, id uuid.UUID) (*JobDetails, error) {
	c, err := n.current(ctx, c)
	if err != nil {
		return nil, err
	}
	js, err := n.jobStore("cancel job")
	if err != nil {
		return nil, err
	}
	job, err := js.CancelJob(ctx, c.Service.ID, id, n.now())
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, jobNotFound()
	case errors.Is(err, ErrConflict):
		cur, gerr := js.GetJob(ctx, c.Service.ID, id)
		if gerr != nil {
			return nil, fmt.Errorf("notify: cancel job: %w", gerr)
		}
		return nil, BadRequest("", fmt.Sprintf(msgJobStarted, cur.Status))
	case err != nil:
		return nil, fmt.Errorf("notify: cancel job: %w", err)
	}
	stats, err := js.JobStatistics(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("notify: get job statistics: %w", err)
	}
	return &JobDetails{Job: *job, Statistics: stats}, nil
}

// processJob starts the job of a process-job task and hands its
// notifications to the bulk lane. Of several workers given the same job
// only one starts it; the others find it started and do nothing. A job
// whose start fails before it began is left as it was: the task is tried
// again, and sweepJobs starts it if the task is lost.
func (n *Notifier) processJob(ctx context.Context, t Task) error {
	js, ok := storeAs[JobStore](n.store)
	if !ok {
		return Permanent(unsupported("process job", "JobStore"))
	}
	err := n.runJob(ctx, js, t.NotificationID, nil, n.now())
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// jobRun is what starting a job needs to know of its notifications. It is
// read before the job starts, so that a failing read leaves the job
// pending or scheduled, to be started again, rather than started without
// being counted against the day's limits.
type jobRun struct {
	// job is the job as read before its start; nil when it has no
	// notifications left and was not given.
	job *Job
	// ids are its notifications still created, in row order.
	ids []uuid.UUID
	// caller is its service with the key type of its notifications, for
	// the daily limits; nil when it has no notifications left.
	caller *Caller
	// queue is the queue of its notifications.
	queue string
	// international counts its rows the international_sms limit counts,
	// for a scheduled job when that limit applies.
	international int
}

// prepareJob reads what starting job id needs (j, when known, is the
// job). The rows it lists are those the start releases: held until then,
// nothing else changes them, and a job cancelled meanwhile does not start.
func (n *Notifier) prepareJob(ctx context.Context, js JobStore, id uuid.UUID, j *Job) (*jobRun, error) {
	ids, err := js.ListJobNotificationIDs(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("notify: process job %s: list notifications: %w", id, err)
	}
	run := &jobRun{job: j, ids: ids}
	if len(ids) == 0 {
		return run, nil
	}
	first, err := n.store.GetNotification(ctx, ids[0])
	if err != nil {
		return nil, fmt.Errorf("notify: process job %s: load a notification: %w", id, err)
	}
	if run.job == nil {
		if run.job, err = js.GetJob(ctx, first.ServiceID, id); err != nil {
			return nil, fmt.Errorf("notify: process job %s: %w", id, err)
		}
	}
	svc, err := n.store.GetService(ctx, run.job.ServiceID)
	if err != nil {
		return nil, fmt.Errorf("notify: process job %s: load service: %w", id, err)
	}
	run.caller = &Caller{Service: svc, Key: &APIKey{ID: first.APIKeyID, ServiceID: svc.ID, KeyType: first.KeyType}}
	// Every notification of a job is on the same queue.
	run.queue = cmp.Or(first.Queue, bulkQueue(run.job.TemplateType))
	if run.job.ScheduledFor != nil {
		if run.international, err = n.jobInternational(ctx, run.caller, run.job); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// runJob starts job id (j, when known, is the job) once what its start
// needs is read: a scheduled one after refuseOverLimit, which may refuse
// it instead.
func (n *Notifier) runJob(ctx context.Context, js JobStore, id uuid.UUID, j *Job, now time.Time) error {
	run, err := n.prepareJob(ctx, js, id, j)
	if err != nil {
		return err
	}
	if run.job != nil && run.job.Status == JobScheduled {
		refused, err := n.refuseOverLimit(ctx, js, run, now)
		if err != nil || refused {
			return err
		}
	}
	return n.startJob(ctx, js, id, run)
}

// startJob starts a job and queues its notifications (run, read before)
// on the bulk lane; a scheduled job counts against the day's limits then.
// The release of the notifications is one step with the start: if this
// process dies while queuing, the rows are created and unheld, and Sweep
// queues them; sweepJobs then marks the job finished.
func (n *Notifier) startJob(ctx context.Context, js JobStore, id uuid.UUID, run *jobRun) error {
	job, err := js.StartJob(ctx, id, n.now())
	if err != nil {
		return err
	}
	ids := run.ids
	if job.ScheduledFor != nil && len(ids) > 0 && run.caller != nil {
		// A scheduled job counts on the day it starts.
		n.countBulk(ctx, run.caller, job.TemplateType, len(ids), run.international, n.now())
	}
	if len(ids) == 0 {
		return js.FinishJob(ctx, job.ID, 0, n.now())
	}
	q := cmp.Or(run.queue, bulkQueue(job.TemplateType))
	name := deliverTaskName(job.TemplateType)
	const chunk = 1000
	sent := 0
	be, batched := queueAs[BatchEnqueuer](n.queue)
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		if batched {
			tasks := make([]QueuedTask, len(part))
			for i, nid := range part {
				tasks[i] = QueuedTask{Queue: q, Task: Task{Name: name, NotificationID: nid}}
			}
			errs := be.EnqueueBatch(ctx, tasks)
			if errs == nil {
				sent += len(part)
			}
			for _, e := range errs {
				if e != nil {
					err = e
				} else {
					sent++
				}
			}
		} else {
			for _, nid := range part {
				if e := n.queue.Enqueue(ctx, q, Task{Name: name, NotificationID: nid}); e != nil {
					err = e
				} else {
					sent++
				}
			}
		}
	}
	if err != nil {
		// The rows not queued stay created: Sweep queues them.
		n.log.WarnContext(ctx, "process job: enqueue failed; the sweeper will queue the notifications again",
			slog.String("job_id", job.ID.String()), slog.Int("failed", len(ids)-sent), slog.Any("error", err))
	}
	if err := js.FinishJob(ctx, job.ID, sent, n.now()); err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("notify: process job %s: finish: %w", job.ID, err)
	}
	return nil
}

// sweepJobs starts the jobs that are due: scheduled ones whose time has
// come, and pending ones whose process-job task was lost; and finishes the
// jobs whose worker died after starting them (their notifications were
// released when they started, and Sweep queues them). A job whose start
// fails before it began stays due for the next sweep.
func (n *Notifier) sweepJobs(ctx context.Context, now time.Time) error {
	js, ok := storeAs[JobStore](n.store)
	if !ok {
		return nil
	}
	due, err := js.ListDueJobs(ctx, now, now.Add(-n.cfg.SweepAfter), n.cfg.SweepBatch)
	if err != nil {
		return fmt.Errorf("notify: sweep jobs: %w", err)
	}
	var errs []error
	for i := range due {
		j := &due[i]
		if j.Status == JobInProgress {
			if err := js.FinishJob(ctx, j.ID, j.NotificationsSent, now); err != nil && !errors.Is(err, ErrConflict) {
				errs = append(errs, fmt.Errorf("notify: sweep jobs: finish %s: %w", j.ID, err))
			}
			continue
		}
		if err := n.runJob(ctx, js, j.ID, j, now); err != nil && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// refuseOverLimit checks, as upstream's process-job does, that a scheduled
// job fits in the day's limits of the day it starts: its rows in the
// channel's limit, its rows outside +44 in the international_sms one. One
// that does not becomes sending limits exceeded and its notifications
// cancelled; it reports whether it was refused. A job that fits is
// counted when it starts (startJob).
func (n *Notifier) refuseOverLimit(ctx context.Context, js JobStore, run *jobRun, now time.Time) (bool, error) {
	c, j := run.caller, run.job
	if c == nil {
		return false, nil
	}
	err := n.checkBulkRemaining(ctx, c, n.dailyCounters(c, j.TemplateType, false, now), j.NotificationCount)
	if err == nil && run.international > 0 {
		err = n.checkBulkRemaining(ctx, c, []dailyCounter{channelCounter(c.Service, DailyLimitInternationalSMS, now)}, run.international)
	}
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, ErrDailyLimit) {
		return false, err
	}
	if _, err := js.RefuseJob(ctx, j.ID, now); err != nil && !errors.Is(err, ErrConflict) {
		return false, fmt.Errorf("notify: refuse job %s: %w", j.ID, err)
	}
	n.log.InfoContext(ctx, "scheduled job refused: the daily limit has no room for it",
		slog.String("job_id", j.ID.String()), slog.String("service_id", j.ServiceID.String()))
	return true, nil
}

// jobInternational counts the job's notifications still created that the
// international_sms limit counts: text messages to numbers outside +44, the
// rule of that limit's count (a Jersey number is not one). It reads them
// only when that limit applies to c, and is 0 otherwise.
func (n *Notifier) jobInternational(ctx context.Context, c *Caller, j *Job) (int, error) {
	if j.TemplateType != SMS || n.cfg.DailyLimitModel != PerChannelDailyLimits || !n.countsDaily(c) {
		return 0, nil
	}
	f := NotificationFilter{ServiceID: j.ServiceID, JobID: &j.ID, IncludeJobs: true, Types: []NotificationType{SMS},
		Statuses: []Status{StatusCreated}, Limit: listingPage}
	count := 0
	for {
		page, err := uncached(n.store).ListNotifications(ctx, f)
		if err != nil {
			return 0, fmt.Errorf("notify: job %s: count international rows: %w", j.ID, err)
		}
		for i := range page {
			if internationalSMS(&page[i]) {
				count++
			}
		}
		if len(page) < listingPage {
			return count, nil
		}
		last := page[len(page)-1].ID
		f.OlderThan = &last
	}
}

package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var _ notify.JobStore = (*Store)(nil)

func copyJob(j *notify.Job) *notify.Job {
	c := *j
	c.ScheduledFor = clonePtr(j.ScheduledFor)
	c.ProcessingStarted = clonePtr(j.ProcessingStarted)
	c.ProcessingFinished = clonePtr(j.ProcessingFinished)
	c.UpdatedAt = clonePtr(j.UpdatedAt)
	return &c
}

// CreateJob stores job and its notifications under one lock: all or none.
func (s *Store) CreateJob(ctx context.Context, job *notify.Job, ns []*notify.Notification) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	jc := copyJob(job)
	if jc.CreatedAt.IsZero() {
		jc.CreatedAt = now
	}
	copies := make([]*notify.Notification, len(ns))
	seen := make(map[uuid.UUID]bool, len(ns))
	for i, n := range ns {
		if n == nil {
			return fmt.Errorf("memstore: create job: notification %d is nil", i)
		}
		if seen[n.ID] {
			return duplicate("notification", n.ID)
		}
		seen[n.ID] = true
		copies[i] = copyNotification(n)
	}
	return s.storeJob(job, jc, copies)
}

// storeJob stores jc, a copy of job, and copies, its notifications copied,
// under one lock: all or none. A zero CreatedAt of a notification becomes
// the job's.
func (s *Store) storeJob(job, jc *notify.Job, copies []*notify.Notification) error {
	for _, c := range copies {
		if c.CreatedAt.IsZero() {
			c.CreatedAt = jc.CreatedAt
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jobs == nil {
		s.jobs = map[uuid.UUID]*notify.Job{}
	}
	if _, ok := s.jobs[jc.ID]; ok {
		return duplicate("job", jc.ID)
	}
	for _, c := range copies {
		if _, ok := s.notifications[c.ID]; ok {
			return duplicate("notification", c.ID)
		}
	}
	s.jobs[jc.ID] = jc
	for _, c := range copies {
		s.notifications[c.ID] = c
	}
	job.CreatedAt = jc.CreatedAt
	return nil
}

// GetJob returns a service's job.
func (s *Store) GetJob(ctx context.Context, serviceID, id uuid.UUID) (*notify.Job, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.jobs[id]
	if !ok || j.ServiceID != serviceID {
		return nil, notFound("job", id)
	}
	return copyJob(j), nil
}

// StartJob moves a pending job, or a scheduled one that is due, to in
// progress and releases its held notifications, under one lock.
func (s *Store) StartJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, notFound("job", id)
	}
	due := j.Status == notify.JobPending ||
		(j.Status == notify.JobScheduled && j.ScheduledFor != nil && !j.ScheduledFor.After(now))
	if !due {
		return nil, fmt.Errorf("memstore: start job %s (%s): %w", id, j.Status, notify.ErrConflict)
	}
	t := now.UTC()
	j.Status = notify.JobInProgress
	j.ProcessingStarted = &t
	j.UpdatedAt = &t
	for _, n := range s.notifications {
		if n.JobID != nil && *n.JobID == id && n.Status == notify.StatusCreated {
			n.ClaimedUntil = nil
			n.CreatedAt = t
		}
	}
	return copyJob(j), nil
}

// FinishJob moves an in-progress job to finished.
func (s *Store) FinishJob(ctx context.Context, id uuid.UUID, sent int, now time.Time) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return notFound("job", id)
	}
	if j.Status != notify.JobInProgress {
		return fmt.Errorf("memstore: finish job %s (%s): %w", id, j.Status, notify.ErrConflict)
	}
	t := now.UTC()
	j.Status = notify.JobFinished
	j.NotificationsSent = sent
	j.ProcessingFinished = &t
	j.UpdatedAt = &t
	return nil
}

// CancelJob cancels a service's job that has not started, and its
// notifications still created, under one lock.
func (s *Store) CancelJob(ctx context.Context, serviceID, id uuid.UUID, now time.Time) (*notify.Job, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok || j.ServiceID != serviceID {
		return nil, notFound("job", id)
	}
	if j.Status != notify.JobPending && j.Status != notify.JobScheduled {
		return nil, fmt.Errorf("memstore: cancel job %s (%s): %w", id, j.Status, notify.ErrConflict)
	}
	t := now.UTC()
	j.Status = notify.JobCancelled
	j.UpdatedAt = &t
	s.cancelRows(id, t)
	return copyJob(j), nil
}

// ListDueJobs returns the jobs a worker should act on, oldest first.
func (s *Store) ListDueJobs(ctx context.Context, now, pendingBefore time.Time, limit int) ([]notify.Job, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var out []notify.Job
	for _, j := range s.jobs {
		switch {
		case j.Status == notify.JobPending && j.CreatedAt.Before(pendingBefore),
			j.Status == notify.JobScheduled && j.ScheduledFor != nil && !j.ScheduledFor.After(now),
			j.Status == notify.JobInProgress && j.ProcessingStarted != nil && j.ProcessingStarted.Before(pendingBefore):
			out = append(out, *copyJob(j))
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b notify.Job) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), compareIDs(a.ID, b.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ListJobNotificationIDs returns the ids of the job's notifications still
// created, in row order.
func (s *Store) ListJobNotificationIDs(ctx context.Context, jobID uuid.UUID) ([]uuid.UUID, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	type row struct {
		id  uuid.UUID
		num int
	}
	var rows []row
	s.mu.RLock()
	for _, n := range s.notifications {
		if n.JobID != nil && *n.JobID == jobID && n.Status == notify.StatusCreated {
			num := 0
			if n.JobRowNumber != nil {
				num = *n.JobRowNumber
			}
			rows = append(rows, row{n.ID, num})
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(a.num, b.num) })
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids, nil
}

// JobStatistics counts the job's notifications by status, in status order.
func (s *Store) JobStatistics(ctx context.Context, jobID uuid.UUID) ([]notify.StatusCount, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	counts := map[notify.Status]int{}
	s.mu.RLock()
	for _, n := range s.notifications {
		if n.JobID != nil && *n.JobID == jobID {
			counts[n.Status]++
		}
	}
	s.mu.RUnlock()
	out := make([]notify.StatusCount, 0, len(counts))
	for st, c := range counts {
		out = append(out, notify.StatusCount{Status: st, Count: c})
	}
	slices.SortFunc(out, func(a, b notify.StatusCount) int { return cmp.Compare(a.Status, b.Status) })
	return out, nil
}

// RefuseJob moves a scheduled job to sending limits exceeded and its
// notifications still created to cancelled, under one lock.
func (s *Store) RefuseJob(ctx context.Context, id uuid.UUID, now time.Time) (*notify.Job, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return nil, notFound("job", id)
	}
	if j.Status != notify.JobScheduled {
		return nil, fmt.Errorf("memstore: refuse job %s (%s): %w", id, j.Status, notify.ErrConflict)
	}
	t := now.UTC()
	j.Status = notify.JobSendingLimitsExceeded
	j.UpdatedAt = &t
	s.cancelRows(id, t)
	return copyJob(j), nil
}

// cancelRows cancels the job's notifications still created; s.mu is held.
func (s *Store) cancelRows(jobID uuid.UUID, t time.Time) {
	for _, n := range s.notifications {
		if n.JobID != nil && *n.JobID == jobID && n.Status == notify.StatusCreated {
			n.Status = notify.StatusCancelled
			n.UpdatedAt = &t
		}
	}
}

package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

var _ notify.JobStreamer = (*Store)(nil)

// StreamJob stores job and the notifications next produces under one lock,
// once next has ended the rows: all or none. Each notification is copied
// as next returns it, so next may reuse it.
func (s *Store) StreamJob(ctx context.Context, job *notify.Job, next func() (*notify.Notification, error)) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	jc := copyJob(job)
	if jc.CreatedAt.IsZero() {
		jc.CreatedAt = now
	}
	// The job's count sizes the copies; the rows themselves decide.
	hint := min(max(job.NotificationCount, 0), 1<<20)
	copies := make([]*notify.Notification, 0, hint)
	seen := make(map[uuid.UUID]bool, hint)
	for {
		n, err := next()
		if err != nil {
			return fmt.Errorf("memstore: stream job: %w", err)
		}
		if n == nil {
			break
		}
		if seen[n.ID] {
			return duplicate("notification", n.ID)
		}
		seen[n.ID] = true
		copies = append(copies, copyNotification(n))
	}
	if err := checkCtx(ctx); err != nil {
		return err
	}
	return s.storeJob(job, jc, copies)
}

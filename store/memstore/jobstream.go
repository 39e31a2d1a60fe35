package memstore

import (
	"context"
	"fmt"

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
	var copies []*notify.Notification
	for {
		n, err := next()
		if err != nil {
			return fmt.Errorf("memstore: stream job: %w", err)
		}
		if n == nil {
			break
		}
		copies = append(copies, copyNotification(n))
		if err := checkCtx(ctx); err != nil {
			return err
		}
	}
	return s.CreateJob(ctx, job, copies)
}

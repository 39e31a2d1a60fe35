package instrument

import (
	"context"
	"time"

	"github.com/notifykit/notify"
)

// jobStreamer is an instrumented notify.JobStreamer: StreamJob counted and
// timed under dao.stream_job, from its call to its return (the rows'
// checks by next included, as they overlap the store's work).
type jobStreamer struct {
	s     *store
	inner notify.JobStreamer
}

func (j jobStreamer) StreamJob(ctx context.Context, job *notify.Job, next func() (*notify.Notification, error)) error {
	defer j.s.done("dao.stream_job", time.Now())
	return j.inner.StreamJob(ctx, job, next)
}

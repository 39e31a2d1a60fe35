package instrument

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// Metric names of the batch abilities.
const (
	daoCreateNotifications     = "dao.create_notifications"
	daoClaimNotifications      = "dao.claim_notifications"
	daoTransitionNotifications = "dao.transition_notifications"
	queueEnqueueBatch          = "queue.enqueue_batch"
)

// WrapAbility decorates an optional ability of the wrapped store, found by
// the Notifier through Unwrap: p points to it (its type names the ability)
// and is replaced by a version counted and timed like the Store's own
// methods: notify.BatchCreator under dao.create_notifications (and each of
// its notifications under dao.create_notification with the batch's time,
// as if created alone, so the count and latency of creates keep their
// meaning), notify.BatchClaimer under dao.claim_notifications,
// notify.BatchTransitioner under dao.transition_notifications,
// notify.ChannelCounter under dao.count_notifications_by_channel,
// notify.IdempotencyStore under a dao.* name per method (idempotency.go),
// notify.JobStore method by method (jobs.go) and notify.JobStreamer under
// dao.stream_job (jobstream.go). These are counted and
// timed method by method under dao.{method in snake case} too:
// notify.ServiceLister, GuestListReplacer, TeamMemberRemover,
// StatusCounter, DataRetentionStore and NotificationArchiver (admin.go),
// ComplaintStore and ComplaintLister (complaints.go), DocumentStore
// (documents.go), InboundNumberStore (inbound.go), SenderStore
// (senders.go) and ServiceCallbackStore (servicecallbacks.go). Other
// abilities are left as they are. p is only ever given an ability the
// wrapped store has, so no ability is made up.
func (s *store) WrapAbility(p any) {
	switch p := p.(type) {
	case *notify.BatchCreator:
		*p = batchCreator{s: s, inner: *p}
	case *notify.BatchClaimer:
		*p = batchClaimer{s: s, inner: *p}
	case *notify.BatchTransitioner:
		*p = batchTransitioner{s: s, inner: *p}
	case *notify.ChannelCounter:
		*p = channelCounter{store: s, inner: *p}
	case *notify.IdempotencyStore:
		*p = idempotencyStore{store: s, inner: *p} // idempotency.go
	case *notify.JobStore:
		*p = jobStore{s: s, inner: *p} // jobs.go
	case *notify.ServiceLister:
		*p = serviceLister{s: s, inner: *p} // admin.go
	case *notify.GuestListReplacer:
		*p = guestListReplacer{s: s, inner: *p}
	case *notify.TeamMemberRemover:
		*p = teamMemberRemover{s: s, inner: *p}
	case *notify.StatusCounter:
		*p = statusCounter{s: s, inner: *p}
	case *notify.DataRetentionStore:
		*p = dataRetentionStore{s: s, inner: *p}
	case *notify.NotificationArchiver:
		*p = notificationArchiver{s: s, inner: *p}
	case *notify.ComplaintStore:
		*p = complaintStore{s: s, inner: *p} // complaints.go
	case *notify.ComplaintLister:
		*p = complaintLister{s: s, inner: *p}
	case *notify.DocumentStore:
		*p = documentStore{s: s, inner: *p} // documents.go
	case *notify.InboundNumberStore:
		*p = inboundNumberStore{s: s, inner: *p} // inbound.go
	case *notify.SenderStore:
		*p = senderStore{s: s, inner: *p} // senders.go
	case *notify.ServiceCallbackStore:
		*p = serviceCallbackStore{s: s, inner: *p} // servicecallbacks.go
	case *notify.JobStreamer:
		*p = jobStreamer{s: s, inner: *p} // jobstream.go
	}
}

// batchCreator is an instrumented notify.BatchCreator.
type batchCreator struct {
	s     *store
	inner notify.BatchCreator
}

// CreateNotifications calls the wrapped store's CreateNotifications.
func (b batchCreator) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	start := time.Now()
	errs := b.inner.CreateNotifications(ctx, ns)
	d := time.Since(start)
	b.s.stats.Incr(daoCreateNotifications)
	b.s.stats.Timing(daoCreateNotifications, d)
	for range ns {
		b.s.stats.Incr(daoCreateNotification)
		b.s.stats.Timing(daoCreateNotification, d)
	}
	return errs
}

// batchClaimer is an instrumented notify.BatchClaimer.
type batchClaimer struct {
	s     *store
	inner notify.BatchClaimer
}

// ClaimNotifications calls the wrapped store's ClaimNotifications.
func (b batchClaimer) ClaimNotifications(ctx context.Context, ids []uuid.UUID, now, until time.Time) ([]*notify.Notification, error) {
	defer b.s.done(daoClaimNotifications, time.Now())
	return b.inner.ClaimNotifications(ctx, ids, now, until)
}

// batchTransitioner is an instrumented notify.BatchTransitioner.
type batchTransitioner struct {
	s     *store
	inner notify.BatchTransitioner
}

// TransitionNotifications calls the wrapped store's TransitionNotifications.
func (b batchTransitioner) TransitionNotifications(ctx context.Context, ts []notify.NotificationTransition) ([]*notify.Notification, []error) {
	defer b.s.done(daoTransitionNotifications, time.Now())
	return b.inner.TransitionNotifications(ctx, ts)
}

// WrapAbility decorates an optional ability of the wrapped queue (p points
// to it) with metrics like the Queue's own methods: notify.BatchEnqueuer with the
// batch timed under queue.enqueue_batch and each task counted under
// queue.enqueue.{queue} (plus .error when it fails), as Enqueue counts
// them; notify.BatchConsumer with each task of a batch counted and timed
// under tasks.{task name} (plus .error), as Consume's handler is, with the
// time of its batch. Other abilities are left as they are.
func (q *queue) WrapAbility(p any) {
	switch p := p.(type) {
	case *notify.BatchEnqueuer:
		*p = batchEnqueuer{q: q, inner: *p}
	case *notify.BatchConsumer:
		*p = batchConsumer{q: q, inner: *p}
	}
}

// batchEnqueuer is an instrumented notify.BatchEnqueuer.
type batchEnqueuer struct {
	q     *queue
	inner notify.BatchEnqueuer
}

// EnqueueBatch calls the wrapped queue's EnqueueBatch.
func (b batchEnqueuer) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	start := time.Now()
	errs := b.inner.EnqueueBatch(ctx, tasks)
	b.q.stats.Timing(queueEnqueueBatch, time.Since(start))
	for i, t := range tasks {
		metric := "queue.enqueue." + orUnnamed(t.Queue)
		b.q.stats.Incr(metric)
		if i < len(errs) && errs[i] != nil {
			b.q.stats.Incr(metric + ".error")
		}
	}
	return errs
}

// batchConsumer is an instrumented notify.BatchConsumer.
type batchConsumer struct {
	q     *queue
	inner notify.BatchConsumer
}

// ConsumeBatch calls the wrapped queue's ConsumeBatch with h instrumented.
func (b batchConsumer) ConsumeBatch(ctx context.Context, name string, max int, h notify.BatchHandler) error {
	if h == nil {
		return b.inner.ConsumeBatch(ctx, name, max, h)
	}
	stats := b.q.stats
	return b.inner.ConsumeBatch(ctx, name, max, func(ctx context.Context, tasks []notify.Task) []error {
		start := time.Now()
		errs := h(ctx, tasks)
		took := time.Since(start)
		for i, t := range tasks {
			metric := "tasks." + orUnnamed(t.Name)
			stats.Incr(metric)
			stats.Timing(metric, took)
			if len(errs) != len(tasks) || errs[i] != nil {
				stats.Incr(metric + ".error")
			}
		}
		return errs
	})
}

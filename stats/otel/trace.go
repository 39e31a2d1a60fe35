package otel

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/notifykit/notify"
)

// Config returns cfg with its Store, Queue, providers and Sandbox traced
// (Store, Queue, Provider), for notify.New. A nil Sandbox is replaced by
// notify.BuiltinSandbox, traced. Nil providers stay nil, for notify.New to
// refuse; the caller's Providers slice is not modified. It composes with
// instrument.Config in either order.
func Config(cfg notify.Config, opts Options) notify.Config {
	tr := opts.tracer()
	cfg.Store = traceStore(cfg.Store, tr)
	cfg.Queue = traceQueue(cfg.Queue, tr)
	cfg.Providers = slices.Clone(cfg.Providers)
	for i, p := range cfg.Providers {
		cfg.Providers[i] = traceProvider(p, tr)
	}
	if cfg.Sandbox == nil {
		cfg.Sandbox = notify.BuiltinSandbox()
	}
	cfg.Sandbox = traceProvider(cfg.Sandbox, tr)
	return cfg
}

// closer is the optional Close method the wrappers pass on.
type closer interface{ Close() error }

// ---------------------------------------------------------------------------
// Store.

// Store returns s with the calls of a notification's life traced:
// CreateNotification (notify.persist), a BatchCreator's
// CreateNotifications (notify.persist_batch), ClaimNotification
// (notify.claim) and TransitionNotification (notify.record). Other calls go
// straight to s, except those of the optional abilities the Notifier finds
// through Unwrap, which WrapAbility traces. The result has a Close() error method when s has one, and
// Unwrap() notify.Store. A nil s gives nil.
func Store(s notify.Store, opts Options) notify.Store { return traceStore(s, opts.tracer()) }

func traceStore(s notify.Store, tr trace.Tracer) notify.Store {
	if s == nil {
		return nil
	}
	w := &store{Store: s, tr: tr}
	if c, ok := s.(closer); ok {
		return &closingStore{store: w, closer: c}
	}
	return w
}

// store is the traced Store.
type store struct {
	notify.Store
	tr trace.Tracer
}

// closingStore is the traced Store of a store that has Close.
type closingStore struct {
	*store
	closer
}

var (
	_ notify.Store = (*store)(nil)
	_ closer       = (*closingStore)(nil)
)

// Unwrap returns the wrapped store.
func (s *store) Unwrap() notify.Store { return s.Store }

// notificationAttrs are the attributes of a notification's spans.
func notificationAttrs(n *notify.Notification) []attribute.KeyValue {
	return []attribute.KeyValue{AttrNotificationID.String(n.ID.String()), AttrServiceID.String(n.ServiceID.String()),
		AttrType.String(string(n.Type)), AttrKeyType.String(string(n.KeyType))}
}

// CreateNotification calls the wrapped store's in a notify.persist span.
func (s *store) CreateNotification(ctx context.Context, n *notify.Notification) error {
	ctx, span := s.tr.Start(ctx, "notify.persist", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(notificationAttrs(n)...))
	err := s.Store.CreateNotification(ctx, n)
	end(span, err, nil)
	return err
}

// ClaimNotification calls the wrapped store's in a notify.claim span; a
// notification not claimable (ErrConflict) is not an error.
func (s *store) ClaimNotification(ctx context.Context, id uuid.UUID, now, until time.Time) (*notify.Notification, error) {
	ctx, span := s.tr.Start(ctx, "notify.claim", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(AttrNotificationID.String(id.String())))
	n, err := s.Store.ClaimNotification(ctx, id, now, until)
	if n != nil {
		span.SetAttributes(AttrAttempt.Int(n.DeliveryAttempts))
	}
	end(span, err, isConflict)
	return n, err
}

// TransitionNotification calls the wrapped store's in a notify.record
// span; a status already moved on (ErrConflict) is not an error.
func (s *store) TransitionNotification(ctx context.Context, id uuid.UUID, from []notify.Status, u notify.NotificationUpdate) (*notify.Notification, error) {
	ctx, span := s.tr.Start(ctx, "notify.record", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(AttrNotificationID.String(id.String()), AttrStatus.String(string(u.Status))))
	n, err := s.Store.TransitionNotification(ctx, id, from, u)
	end(span, err, isConflict)
	return n, err
}

func isConflict(err error) bool { return errors.Is(err, notify.ErrConflict) }

// WrapAbility traces an optional ability of the wrapped store, found by
// the Notifier through Unwrap: p points to it and is replaced by a traced
// version. notify.BatchCreator runs in a notify.persist_batch span,
// notify.BatchClaimer in notify.claim_batch, notify.BatchTransitioner in
// notify.record_batch, each with the ids of its notifications. The
// methods of these run each in a client span named notify.{method in snake
// case} (notify.list_sms_senders, notify.create_job...), with the
// service's id where the call names it and no secret, address, key or
// document contents: notify.ChannelCounter (count.go),
// notify.IdempotencyStore (idempotency.go), notify.JobStore and notify.JobStreamer (jobs.go),
// notify.ServiceLister, GuestListReplacer, TeamMemberRemover,
// StatusCounter, DataRetentionStore and NotificationArchiver (admin.go),
// ComplaintStore and ComplaintLister (complaints.go), DocumentStore
// (documents.go), InboundNumberStore (inbound.go), SenderStore
// (senders.go) and ServiceCallbackStore (servicecallbacks.go); nothing
// found, a conflict or a duplicate is not an error there (see endCall).
// Other abilities are left as they are. p is only ever given an ability
// the wrapped store has, so no ability is made up.
func (s *store) WrapAbility(p any) {
	switch p := p.(type) {
	case *notify.BatchCreator:
		*p = batchCreator{inner: *p, tr: s.tr}
	case *notify.BatchClaimer:
		*p = batchClaimer{inner: *p, tr: s.tr}
	case *notify.BatchTransitioner:
		*p = batchTransitioner{inner: *p, tr: s.tr}
	case *notify.ChannelCounter:
		*p = channelCounter{inner: *p, tr: s.tr} // count.go
	case *notify.IdempotencyStore:
		*p = idempotencyStore{inner: *p, tr: s.tr} // idempotency.go
	case *notify.JobStore:
		*p = jobStore{inner: *p, tr: s.tr} // jobs.go
	case *notify.JobStreamer:
		*p = jobStreamer{inner: *p, tr: s.tr} // jobs.go
	case *notify.ServiceLister:
		*p = serviceLister{inner: *p, tr: s.tr} // admin.go
	case *notify.GuestListReplacer:
		*p = guestListReplacer{inner: *p, tr: s.tr}
	case *notify.TeamMemberRemover:
		*p = teamMemberRemover{inner: *p, tr: s.tr}
	case *notify.StatusCounter:
		*p = statusCounter{inner: *p, tr: s.tr}
	case *notify.DataRetentionStore:
		*p = dataRetentionStore{inner: *p, tr: s.tr}
	case *notify.NotificationArchiver:
		*p = notificationArchiver{inner: *p, tr: s.tr}
	case *notify.ComplaintStore:
		*p = complaintStore{inner: *p, tr: s.tr} // complaints.go
	case *notify.ComplaintLister:
		*p = complaintLister{inner: *p, tr: s.tr}
	case *notify.DocumentStore:
		*p = documentStore{inner: *p, tr: s.tr} // documents.go
	case *notify.InboundNumberStore:
		*p = inboundNumberStore{inner: *p, tr: s.tr} // inbound.go
	case *notify.SenderStore:
		*p = senderStore{inner: *p, tr: s.tr} // senders.go
	case *notify.ServiceCallbackStore:
		*p = serviceCallbackStore{inner: *p, tr: s.tr} // servicecallbacks.go
	}
}

// startBatch starts a client span for a batch of notifications.
func startBatch(ctx context.Context, tr trace.Tracer, name string, ids []string) (context.Context, trace.Span) {
	return tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(AttrCount.Int(len(ids)), AttrNotificationIDs.StringSlice(ids)))
}

// idStrings returns the ids as strings.
func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// batchCreator is a traced notify.BatchCreator.
type batchCreator struct {
	inner notify.BatchCreator
	tr    trace.Tracer
}

// CreateNotifications calls the wrapped store's in a span.
func (b batchCreator) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID.String()
	}
	ctx, span := startBatch(ctx, b.tr, "notify.persist_batch", ids)
	errs := b.inner.CreateNotifications(ctx, ns)
	end(span, errors.Join(errs...), nil)
	return errs
}

// batchClaimer is a traced notify.BatchClaimer.
type batchClaimer struct {
	inner notify.BatchClaimer
	tr    trace.Tracer
}

// ClaimNotifications calls the wrapped store's in a span, which says how
// many notifications were claimed.
func (b batchClaimer) ClaimNotifications(ctx context.Context, ids []uuid.UUID, now, until time.Time) ([]*notify.Notification, error) {
	ctx, span := startBatch(ctx, b.tr, "notify.claim_batch", idStrings(ids))
	ns, err := b.inner.ClaimNotifications(ctx, ids, now, until)
	span.SetAttributes(attribute.Int("notify.batch.claimed", len(ns)))
	end(span, err, nil)
	return ns, err
}

// batchTransitioner is a traced notify.BatchTransitioner.
type batchTransitioner struct {
	inner notify.BatchTransitioner
	tr    trace.Tracer
}

// TransitionNotifications calls the wrapped store's in a span; conflicts
// (a status already moved on) are not errors.
func (b batchTransitioner) TransitionNotifications(ctx context.Context, ts []notify.NotificationTransition) ([]*notify.Notification, []error) {
	ids := make([]uuid.UUID, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	ctx, span := startBatch(ctx, b.tr, "notify.record_batch", idStrings(ids))
	ns, errs := b.inner.TransitionNotifications(ctx, ts)
	var failed []error
	for _, err := range errs {
		if err != nil && !isConflict(err) {
			failed = append(failed, err)
		}
	}
	end(span, errors.Join(failed...), nil)
	return ns, errs
}

// ---------------------------------------------------------------------------
// Queue.

// Queue returns q with every Enqueue traced (notify.enqueue, a producer
// span), a BatchEnqueuer's EnqueueBatch too (notify.enqueue_batch), and
// every task handled through Consume in a consumer span: notify.deliver for
// deliveries, notify.receipt for the sandbox's receipts, notify.callback
// for service callbacks, notify.task for others. The result has a Close()
// error method when q has one, and Unwrap() notify.Queue. A nil q gives
// nil.
func Queue(q notify.Queue, opts Options) notify.Queue { return traceQueue(q, opts.tracer()) }

func traceQueue(q notify.Queue, tr trace.Tracer) notify.Queue {
	if q == nil {
		return nil
	}
	w := &queue{inner: q, tr: tr}
	if c, ok := q.(closer); ok {
		return &closingQueue{queue: w, closer: c}
	}
	return w
}

// queue is the traced Queue.
type queue struct {
	inner notify.Queue
	tr    trace.Tracer
}

// closingQueue is the traced Queue of a queue that has Close.
type closingQueue struct {
	*queue
	closer
}

var (
	_ notify.Queue = (*queue)(nil)
	_ closer       = (*closingQueue)(nil)
)

// Unwrap returns the wrapped queue.
func (q *queue) Unwrap() notify.Queue { return q.inner }

// taskAttrs are the attributes of a task's spans.
func taskAttrs(name string, t notify.Task) []attribute.KeyValue {
	attrs := []attribute.KeyValue{AttrQueue.String(name), AttrTask.String(t.Name)}
	if t.NotificationID != uuid.Nil {
		attrs = append(attrs, AttrNotificationID.String(t.NotificationID.String()))
	}
	return attrs
}

// Enqueue calls the wrapped queue's in a notify.enqueue span.
func (q *queue) Enqueue(ctx context.Context, name string, t notify.Task) error {
	ctx, span := q.tr.Start(ctx, "notify.enqueue", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(taskAttrs(name, t)...))
	err := q.inner.Enqueue(ctx, name, t)
	end(span, err, nil)
	return err
}

// taskSpans names the span of each task the Notifier handles.
var taskSpans = map[string]string{
	notify.TaskDeliverSMS:      "notify.deliver",
	notify.TaskDeliverEmail:    "notify.deliver",
	notify.TaskSandboxReceipt:  "notify.receipt",
	notify.TaskServiceCallback: "notify.callback",
}

// Consume calls the wrapped queue's Consume with h traced.
func (q *queue) Consume(ctx context.Context, name string, h notify.Handler) error {
	if h == nil {
		return q.inner.Consume(ctx, name, h)
	}
	return q.inner.Consume(ctx, name, func(ctx context.Context, t notify.Task) error {
		spanName, ok := taskSpans[t.Name]
		if !ok {
			spanName = "notify.task"
		}
		ctx, span := q.tr.Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(append(taskAttrs(name, t), AttrAttempt.Int(t.Attempt))...))
		err := h(ctx, t)
		if err != nil {
			span.SetAttributes(AttrPermanent.Bool(notify.IsPermanent(err)))
		}
		end(span, err, nil)
		return err
	})
}

// WrapAbility traces an optional ability of the wrapped queue (p points
// to it): notify.BatchEnqueuer in a notify.enqueue_batch span, and the
// handler of notify.BatchConsumer in a notify.deliver_batch consumer span
// per batch, each with the ids of its notifications. Other abilities are
// left as they are.
func (q *queue) WrapAbility(p any) {
	switch p := p.(type) {
	case *notify.BatchEnqueuer:
		*p = batchEnqueuer{inner: *p, tr: q.tr}
	case *notify.BatchConsumer:
		*p = batchConsumer{inner: *p, tr: q.tr}
	}
}

// taskIDs returns the notification ids of tasks, as strings.
func taskIDs(tasks []notify.Task) []string {
	ids := make([]string, 0, len(tasks))
	for _, t := range tasks {
		if t.NotificationID != uuid.Nil {
			ids = append(ids, t.NotificationID.String())
		}
	}
	return ids
}

// batchEnqueuer is a traced notify.BatchEnqueuer.
type batchEnqueuer struct {
	inner notify.BatchEnqueuer
	tr    trace.Tracer
}

// EnqueueBatch calls the wrapped queue's in a span.
func (b batchEnqueuer) EnqueueBatch(ctx context.Context, tasks []notify.QueuedTask) []error {
	ts := make([]notify.Task, len(tasks))
	for i, t := range tasks {
		ts[i] = t.Task
	}
	ids := taskIDs(ts)
	ctx, span := b.tr.Start(ctx, "notify.enqueue_batch", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(AttrCount.Int(len(tasks)), AttrNotificationIDs.StringSlice(ids)))
	errs := b.inner.EnqueueBatch(ctx, tasks)
	end(span, errors.Join(errs...), nil)
	return errs
}

// batchConsumer is a traced notify.BatchConsumer.
type batchConsumer struct {
	inner notify.BatchConsumer
	tr    trace.Tracer
}

// ConsumeBatch calls the wrapped queue's ConsumeBatch with h traced: a
// span per batch, in error when a task failed.
func (b batchConsumer) ConsumeBatch(ctx context.Context, name string, max int, h notify.BatchHandler) error {
	if h == nil {
		return b.inner.ConsumeBatch(ctx, name, max, h)
	}
	return b.inner.ConsumeBatch(ctx, name, max, func(ctx context.Context, tasks []notify.Task) []error {
		ctx, span := b.tr.Start(ctx, "notify.deliver_batch", trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(AttrQueue.String(name), AttrCount.Int(len(tasks)),
				AttrNotificationIDs.StringSlice(taskIDs(tasks))))
		errs := h(ctx, tasks)
		end(span, errors.Join(errs...), nil)
		return errs
	})
}

// ---------------------------------------------------------------------------
// Provider.

// Provider returns p with every Send in a notify.provider.send client span
// carrying the provider's name, the notification's id and, once accepted,
// the provider's reference. The result implements notify.ReceiptSimulator
// exactly when p does, has a Close() error method when p has one, and has
// Unwrap() notify.Provider. A nil p gives nil.
func Provider(p notify.Provider, opts Options) notify.Provider {
	return traceProvider(p, opts.tracer())
}

func traceProvider(p notify.Provider, tr trace.Tracer) notify.Provider {
	if p == nil {
		return nil
	}
	w := &provider{Provider: p, tr: tr}
	sim, isSim := p.(notify.ReceiptSimulator)
	c, isCloser := p.(closer)
	switch {
	case isSim && isCloser:
		return &simClosingProvider{provider: w, ReceiptSimulator: sim, closer: c}
	case isSim:
		return &simProvider{provider: w, ReceiptSimulator: sim}
	case isCloser:
		return &closingProvider{provider: w, closer: c}
	}
	return w
}

// provider is the traced Provider.
type provider struct {
	notify.Provider
	tr trace.Tracer
}

// simProvider is the traced Provider of a ReceiptSimulator.
type simProvider struct {
	*provider
	notify.ReceiptSimulator
}

// closingProvider is the traced Provider of a provider that has Close.
type closingProvider struct {
	*provider
	closer
}

// simClosingProvider is the traced Provider of a ReceiptSimulator that has
// Close.
type simClosingProvider struct {
	*provider
	notify.ReceiptSimulator
	closer
}

var (
	_ notify.ReceiptSimulator = (*simProvider)(nil)
	_ notify.ReceiptSimulator = (*simClosingProvider)(nil)
	_ closer                  = (*closingProvider)(nil)
	_ closer                  = (*simClosingProvider)(nil)
)

// Unwrap returns the wrapped provider.
func (p *provider) Unwrap() notify.Provider { return p.Provider }

// Send calls the wrapped provider's Send in a span.
func (p *provider) Send(ctx context.Context, m notify.Message) (string, error) {
	ctx, span := p.tr.Start(ctx, "notify.provider.send", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(AttrProvider.String(p.Provider.Name()), AttrNotificationID.String(m.NotificationID.String()),
			AttrServiceID.String(m.ServiceID.String()), AttrType.String(string(m.Type))))
	ref, err := p.Provider.Send(ctx, m)
	if err != nil {
		span.SetAttributes(AttrPermanent.Bool(notify.IsPermanent(err)))
	} else {
		span.SetAttributes(AttrProviderRef.String(ref))
	}
	end(span, err, nil)
	return ref, err
}

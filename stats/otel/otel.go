// Package otel traces a Notifier with OpenTelemetry and records its metrics
// on an OpenTelemetry meter, beside stats/statsd and stats/prometheus. It
// is built on go.opentelemetry.io/otel; the notify package and the
// adapters stay free of it.
//
// # Traces
//
// [Config] wraps a notify.Config's Store, Queue, providers and sandbox, as
// stats/instrument does for metrics, and [HTTP] is the
// httpapi.Options.Observe of a traced API:
//
//	cfg = otel.Config(instrument.Config(cfg, instrument.DefaultPrefix), otel.Options{})
//	n, err := notify.New(cfg)
//	api := httpapi.New(n, httpapi.Options{Observe: otel.HTTP(otel.Options{})})
//
// A send through the API then gives these spans, each with the
// notification's id as notify.notification.id:
//
//	POST /v2/notifications/{type}   server span of the request (http.route, http.response.status_code)
//	  notify.persist                the INSERT (notify.persist_batch for a group commit)
//	  notify.enqueue                the delivery task (notify.enqueue_batch)
//	notify.deliver                  the worker's handling of the task, in a trace of its own
//	                                (notify.deliver_batch for a batch of tasks)
//	  notify.claim                  the lease on the notification (notify.claim_batch)
//	  notify.provider.send          the provider's call (notify.provider, notify.provider.reference)
//	  notify.record                 the status recorded (notify.record_batch)
//
// Batch spans carry the ids of their notifications as
// notify.notification.ids.
//
// The calls of the Store's optional abilities (bulk jobs, idempotency
// keys, senders, service callbacks, complaints, documents, inbound
// numbers, data retention, archiving, the administration ones) each run in
// a client span named notify.{method in snake case}, such as
// notify.create_job or notify.list_sms_senders, with notify.service.id
// where the call names a service; a call answered with nothing found, a
// conflict or a duplicate records it as notify.store.result and is not an
// error. Callback URLs and tokens, idempotency keys, document contents,
// phone numbers and email addresses are never recorded.
//
// Tasks carry no trace context, so a delivery starts a trace of its own:
// find it by the notification id. A span ends in error when its call
// failed, except for the outcomes that are part of the flow (a claim that
// finds the notification taken, a status already moved on).
//
// # Metrics
//
// [NewStats] returns a notify.Stats that reads the StatsD-style names the
// Notifier emits into instruments with attributes, as stats/prometheus
// does into families with labels (namespace "notify"; durations in
// seconds):
//
//	dao.{method}                          counter    notify.dao.calls{method}, histogram notify.dao.duration{method}
//	tasks.{task}                          counter    notify.tasks{task}, histogram notify.task.duration{task}
//	tasks.{task}.error                    counter    notify.task.errors{task}
//	queue.enqueue.{queue}                 counter    notify.queue.enqueued{queue}, histogram notify.queue.enqueue.duration{queue}
//	queue.enqueue.{queue}.error           counter    notify.queue.enqueue.errors{queue}
//	clients.{provider}.success|error      counter    notify.provider.sends{provider,result}
//	clients.{provider}.request-time       histogram  notify.provider.request.duration{provider}
//	callback.{provider}.{status}          counter    notify.receipts{provider,status}
//	callback.{provider}.{status}.elapsed-time
//	                                      histogram  notify.receipt.elapsed{provider,status}
//	{type}[.test-key|.live-key].total-time
//	                                      histogram  notify.send.duration{type,key}
//	{METHOD}.{module}.{handler}.{status}  counter    notify.http.requests{method,module,handler,code}, histogram notify.http.request.duration{...}
//	anything else                         counter    notify.events{name}, histogram notify.event.duration{name}
//	any name                              gauge      notify.gauge{name}
package otel

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/notifykit/notify/stats/otel"

// Attribute keys of the spans.
const (
	// AttrNotificationID is the notification's id.
	AttrNotificationID = attribute.Key("notify.notification.id")
	// AttrNotificationIDs are the ids of a batch's notifications.
	AttrNotificationIDs = attribute.Key("notify.notification.ids")
	// AttrServiceID is the service's id.
	AttrServiceID = attribute.Key("notify.service.id")
	// AttrType is the notification type: sms or email.
	AttrType = attribute.Key("notify.notification.type")
	// AttrKeyType is the type of the API key that sent it.
	AttrKeyType = attribute.Key("notify.key_type")
	// AttrStatus is the status a notification moves to.
	AttrStatus = attribute.Key("notify.notification.status")
	// AttrCount is the number of notifications or tasks in a batch.
	AttrCount = attribute.Key("notify.batch.size")
	// AttrQueue is the queue's name.
	AttrQueue = attribute.Key("notify.queue")
	// AttrTask is the task's name.
	AttrTask = attribute.Key("notify.task")
	// AttrAttempt is the task's attempt, 1 for the first delivery.
	AttrAttempt = attribute.Key("notify.task.attempt")
	// AttrProvider is the provider's name.
	AttrProvider = attribute.Key("notify.provider")
	// AttrProviderRef is the provider's reference for a message.
	AttrProviderRef = attribute.Key("notify.provider.reference")
	// AttrPermanent says that a failure will not be retried.
	AttrPermanent = attribute.Key("notify.permanent")
	// AttrRequestID is the API request's id (its X-Request-Id).
	AttrRequestID = attribute.Key("notify.request_id")
)

// DefaultBuckets are the bounds, in seconds, of the call and request
// duration histograms.
var DefaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// DefaultDeliveryBuckets are the bounds, in seconds, of
// notify.send.duration and notify.receipt.elapsed, which measure whole
// deliveries.
var DefaultDeliveryBuckets = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600}

// Options configure the wrappers and the Stats. The zero value uses the
// global providers of go.opentelemetry.io/otel.
type Options struct {
	// TracerProvider makes the tracer. Nil: otel.GetTracerProvider().
	TracerProvider trace.TracerProvider
	// Propagator reads the caller's trace context from request headers
	// (traceparent), so that a request's span joins the caller's trace.
	// Nil: otel.GetTextMapPropagator().
	Propagator propagation.TextMapPropagator
	// MeterProvider makes the meter of NewStats. Nil:
	// otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// Namespace is the first part of every instrument name ("notify").
	Namespace string
	// TrimPrefix is removed from the start of every name given to Stats
	// before it is read, for names that carry a StatsD prefix such as
	// "notifications.api.".
	TrimPrefix string
	// Buckets are the bounds of the call and request duration histograms
	// (DefaultBuckets).
	Buckets []float64
	// DeliveryBuckets are the bounds of notify.send.duration and
	// notify.receipt.elapsed (DefaultDeliveryBuckets).
	DeliveryBuckets []float64
}

// tracer returns the tracer of o.
func (o Options) tracer() trace.Tracer {
	tp := o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return tp.Tracer(ScopeName)
}

// propagator returns the propagator of o.
func (o Options) propagator() propagation.TextMapPropagator {
	if o.Propagator != nil {
		return o.Propagator
	}
	return otel.GetTextMapPropagator()
}

// end ends span after a call that returned err: an error status unless
// err is nil or expected says it is part of the flow.
func end(span trace.Span, err error, expected func(error) bool) {
	if err != nil && (expected == nil || !expected(err)) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

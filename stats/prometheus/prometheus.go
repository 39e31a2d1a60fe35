// Package prometheus is a notify.Stats that records the Notifier's metrics
// as Prometheus counters and histograms with labels, instead of the dotted
// StatsD names the rest of notify emits. It is built on
// github.com/prometheus/client_golang.
//
// Names are mapped as follows (namespace "notify" by default; durations in
// seconds; "counter" means Incr, "timing" means Timing):
//
//	dao.{method}                          counter  notify_dao_calls_total{method}
//	dao.{method}                          timing   notify_dao_duration_seconds{method}
//	tasks.{task}                          counter  notify_tasks_total{task}
//	tasks.{task}                          timing   notify_task_duration_seconds{task}
//	tasks.{task}.error                    counter  notify_task_errors_total{task}
//	queue.enqueue.{queue}                 counter  notify_queue_enqueued_total{queue}
//	queue.enqueue.{queue}                 timing   notify_queue_enqueue_duration_seconds{queue}
//	queue.enqueue.{queue}.error           counter  notify_queue_enqueue_errors_total{queue}
//	clients.{provider}.success|error      counter  notify_provider_sends_total{provider,result}
//	clients.{provider}.request-time       timing   notify_provider_request_duration_seconds{provider}
//	callback.{provider}.{status}          counter  notify_receipts_total{provider,status}
//	callback.{provider}.{status}.elapsed-time
//	                                      timing   notify_receipt_elapsed_seconds{provider,status}
//	{sms|email|letter}.total-time         timing   notify_send_duration_seconds{type,key="all"}
//	{type}.test-key.total-time            timing   notify_send_duration_seconds{type,key="test"}
//	{type}.live-key.total-time            timing   notify_send_duration_seconds{type,key="live"}
//	{METHOD}.{module}.{handler}.{status}  counter  notify_http_requests_total{method,module,handler,code}
//	{METHOD}.{module}.{handler}.{status}  timing   notify_http_request_duration_seconds{method,module,handler,code}
//	anything else                         counter  notify_events_total{name}
//	anything else                         timing   notify_event_duration_seconds{name}
//	any name                              gauge    notify_gauge{name}
//
// For example dao.create_notification becomes
// notify_dao_calls_total{method="create_notification"},
// clients.sandbox.success becomes
// notify_provider_sends_total{provider="sandbox",result="success"} and
// POST.v2_notifications.post_sms_notification.201 becomes
// notify_http_requests_total{method="POST",module="v2_notifications",handler="post_sms_notification",code="201"}.
// An HTTP name is one of four parts whose first is an HTTP method in
// capitals and whose last is a three-digit status code. A name whose kind
// does not fit its pattern (a Timing of clients.mmg.success, say) falls to
// the generic families.
//
// The send and receipt histograms measure whole deliveries, so they use
// Options.DeliveryBuckets (10 ms to an hour); the others use
// Options.Buckets (prometheus.DefBuckets, 5 ms to 10 s).
//
// The number of series is bounded, whatever names reach a Stats: a name
// longer than MaxNameLength, or a new name once Options.MaxSeries names
// are recorded, is dropped, and notify_dropped_series_total counts the
// recordings dropped.
package prometheus

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/statname"
)

// DefaultNamespace is the default of Options.Namespace.
const DefaultNamespace = "notify"

// DefaultDeliveryBuckets is the default of Options.DeliveryBuckets, in
// seconds.
var DefaultDeliveryBuckets = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600}

// DefaultMaxSeries is the default of Options.MaxSeries.
const DefaultMaxSeries = 5000

// MaxNameLength is the longest name a Stats records; longer ones are
// dropped and counted in notify_dropped_series_total.
const MaxNameLength = 200

// Options configure a Stats. Zero values select the defaults.
type Options struct {
	// Namespace is the first part of every metric name (default
	// DefaultNamespace).
	Namespace string
	// TrimPrefix is removed from the start of every name before it is
	// mapped, for names that carry a StatsD prefix such as
	// "notifications.api.".
	TrimPrefix string
	// Buckets are the bounds, in seconds, of the call and request duration
	// histograms (default prometheus.DefBuckets).
	Buckets []float64
	// DeliveryBuckets are the bounds, in seconds, of
	// notify_send_duration_seconds and notify_receipt_elapsed_seconds
	// (default DefaultDeliveryBuckets).
	DeliveryBuckets []float64
	// MaxSeries caps the distinct names (counter, timing and gauge names
	// apart) a Stats records (default DefaultMaxSeries); a recording under
	// a new name past the cap is dropped and counted in
	// notify_dropped_series_total.
	MaxSeries int
}

// Stats is a notify.Stats and notify.Gauger that records on Prometheus
// collectors. It is safe for concurrent use. Create it with New.
type Stats struct {
	trim string

	daoCalls, tasks, taskErrors, enqueued, enqueueErrors *prom.CounterVec
	providerSends, receipts, httpRequests, events        *prom.CounterVec
	daoDuration, taskDuration, enqueueDuration           *prom.HistogramVec
	providerDuration, receiptElapsed, sendDuration       *prom.HistogramVec
	httpDuration, eventDuration                          *prom.HistogramVec
	gauges                                               *prom.GaugeVec
	dropped                                              prom.Counter

	// The families of the names that statname reads.
	counterFamilies map[statname.Family]*prom.CounterVec
	timingFamilies  map[statname.Family]*prom.HistogramVec

	// The names recorded so far, at most maxSeries of them in all.
	mu          sync.RWMutex
	maxSeries   int
	series      int
	counters    map[string]prom.Counter
	observers   map[string]prom.Observer
	gaugeSeries map[string]prom.Gauge
}

var (
	_ notify.Stats  = (*Stats)(nil)
	_ notify.Gauger = (*Stats)(nil)
)

// New returns a Stats whose collectors are registered on reg. Collectors
// already registered there by another Stats with the same options are
// shared, so several Stats may record on one registry. It fails when reg
// refuses a collector.
func New(reg prom.Registerer, opts Options) (*Stats, error) {
	if reg == nil {
		return nil, errors.New("prometheus: nil Registerer")
	}
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	buckets := opts.Buckets
	if len(buckets) == 0 {
		buckets = prom.DefBuckets
	}
	delivery := opts.DeliveryBuckets
	if len(delivery) == 0 {
		delivery = DefaultDeliveryBuckets
	}
	maxSeries := opts.MaxSeries
	if maxSeries <= 0 {
		maxSeries = DefaultMaxSeries
	}
	s := &Stats{
		trim:        opts.TrimPrefix,
		maxSeries:   maxSeries,
		counters:    map[string]prom.Counter{},
		observers:   map[string]prom.Observer{},
		gaugeSeries: map[string]prom.Gauge{},
	}
	r := registrar{reg: reg, ns: ns}
	s.daoCalls = r.counter("dao_calls_total", "Store calls, by method.", "method")
	s.daoDuration = r.histogram("dao_duration_seconds", "Duration of Store calls, by method.", buckets, "method")
	s.tasks = r.counter("tasks_total", "Tasks handled, by task name.", "task")
	s.taskErrors = r.counter("task_errors_total", "Tasks whose handler failed, by task name.", "task")
	s.taskDuration = r.histogram("task_duration_seconds", "Duration of task handlers, by task name.", buckets, "task")
	s.enqueued = r.counter("queue_enqueued_total", "Enqueue calls, by queue.", "queue")
	s.enqueueErrors = r.counter("queue_enqueue_errors_total", "Failed Enqueue calls, by queue.", "queue")
	s.enqueueDuration = r.histogram("queue_enqueue_duration_seconds", "Duration of Enqueue calls, by queue.", buckets, "queue")
	s.providerSends = r.counter("provider_sends_total", "Provider sends, by provider and result (success or error).", "provider", "result")
	s.providerDuration = r.histogram("provider_request_duration_seconds", "Duration of provider sends, by provider.", buckets, "provider")
	s.receipts = r.counter("receipts_total", "Delivery receipts applied, by provider and status.", "provider", "status")
	s.receiptElapsed = r.histogram("receipt_elapsed_seconds", "Time from send to delivery receipt, by provider and status.", delivery, "provider", "status")
	s.sendDuration = r.histogram("send_duration_seconds", "Time from creation to hand-over to the provider, by type and key (all, test or live).", delivery, "type", "key")
	s.httpRequests = r.counter("http_requests_total", "HTTP requests, by method, module, handler and status code.", "method", "module", "handler", "code")
	s.httpDuration = r.histogram("http_request_duration_seconds", "Duration of HTTP requests, by method, module, handler and status code.", buckets, "method", "module", "handler", "code")
	s.events = r.counter("events_total", "Other counters, by StatsD name.", "name")
	s.eventDuration = r.histogram("event_duration_seconds", "Other timings, by StatsD name.", buckets, "name")
	s.gauges = r.gauge("gauge", "Gauges, by StatsD name.", "name")
	s.dropped = r.counter("dropped_series_total",
		"Recordings dropped because their name was too long or the series cap was reached.").WithLabelValues()
	if r.err != nil {
		return nil, r.err
	}
	s.counterFamilies = map[statname.Family]*prom.CounterVec{
		statname.DAOCalls: s.daoCalls, statname.Tasks: s.tasks, statname.TaskErrors: s.taskErrors,
		statname.Enqueued: s.enqueued, statname.EnqueueErrors: s.enqueueErrors,
		statname.ProviderSends: s.providerSends, statname.Receipts: s.receipts,
		statname.HTTPRequests: s.httpRequests, statname.Events: s.events,
	}
	s.timingFamilies = map[statname.Family]*prom.HistogramVec{
		statname.DAODuration: s.daoDuration, statname.TaskDuration: s.taskDuration,
		statname.EnqueueDuration: s.enqueueDuration, statname.ProviderDuration: s.providerDuration,
		statname.ReceiptElapsed: s.receiptElapsed, statname.SendDuration: s.sendDuration,
		statname.HTTPDuration: s.httpDuration, statname.EventDuration: s.eventDuration,
	}
	return s, nil
}

// Handler returns the /metrics handler of g (a *prometheus.Registry, or
// prometheus.DefaultGatherer).
func Handler(g prom.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// Incr adds one to the counter name maps to.
func (s *Stats) Incr(name string) {
	if c, ok := lookup(s, s.counters, name, s.counterFor); ok {
		c.Inc()
	}
}

// Timing observes d, in seconds, on the histogram name maps to.
func (s *Stats) Timing(name string, d time.Duration) {
	if o, ok := lookup(s, s.observers, name, s.observerFor); ok {
		o.Observe(d.Seconds())
	}
}

// Gauge sets notify_gauge{name} to value.
func (s *Stats) Gauge(name string, value float64) {
	if g, ok := lookup(s, s.gaugeSeries, name, s.gaugeFor); ok {
		g.Set(value)
	}
}

// lookup returns the metric of name in m, making it with mk on the first
// recording under that name. It returns false, and counts a dropped
// recording, when the name is too long or m would grow s past its cap;
// it returns false alone when mk refuses the name.
func lookup[T any](s *Stats, m map[string]T, name string, mk func(string) (T, bool)) (T, bool) {
	s.mu.RLock()
	v, ok := m[name]
	s.mu.RUnlock()
	if ok {
		return v, true
	}
	var zero T
	if len(name) > MaxNameLength {
		s.dropped.Inc()
		return zero, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := m[name]; ok {
		return v, true
	}
	if s.series >= s.maxSeries {
		s.dropped.Inc()
		return zero, false
	}
	v, ok = mk(name)
	if !ok {
		return zero, false
	}
	m[name] = v
	s.series++
	return v, true
}

// counterFor maps a counter name; false when a label value is not valid.
func (s *Stats) counterFor(full string) (prom.Counter, bool) {
	name := strings.TrimPrefix(full, s.trim)
	vec, labels := s.mapCounter(name)
	c, err := vec.GetMetricWithLabelValues(labels...)
	return c, err == nil
}

// observerFor maps a timing name; false when a label value is not valid.
func (s *Stats) observerFor(full string) (prom.Observer, bool) {
	name := strings.TrimPrefix(full, s.trim)
	vec, labels := s.mapTiming(name)
	o, err := vec.GetMetricWithLabelValues(labels...)
	return o, err == nil
}

// gaugeFor maps a gauge name; false when it is not a valid label value.
func (s *Stats) gaugeFor(full string) (prom.Gauge, bool) {
	g, err := s.gauges.GetMetricWithLabelValues(strings.TrimPrefix(full, s.trim))
	return g, err == nil
}

// mapCounter returns the family and labels of the counter name.
func (s *Stats) mapCounter(name string) (*prom.CounterVec, []string) {
	f, labels := statname.Counter(name)
	return s.counterFamilies[f], labels
}

// mapTiming returns the family and labels of the timing name.
func (s *Stats) mapTiming(name string) (*prom.HistogramVec, []string) {
	f, labels := statname.Timing(name)
	return s.timingFamilies[f], labels
}

// registrar registers collectors, reusing ones already registered, and
// keeps the first error.
type registrar struct {
	reg prom.Registerer
	ns  string
	err error
}

// register registers c, or returns the equal collector already there.
func (r *registrar) register(c prom.Collector) prom.Collector {
	if r.err != nil {
		return c
	}
	err := r.reg.Register(c)
	if err == nil {
		return c
	}
	var are prom.AlreadyRegisteredError
	if errors.As(err, &are) {
		return are.ExistingCollector
	}
	r.err = fmt.Errorf("prometheus: register: %w", err)
	return c
}

func (r *registrar) counter(name, help string, labels ...string) *prom.CounterVec {
	c := prom.NewCounterVec(prom.CounterOpts{Namespace: r.ns, Name: name, Help: help}, labels)
	got, ok := r.register(c).(*prom.CounterVec)
	if !ok {
		r.fail(name)
		return c
	}
	return got
}

func (r *registrar) histogram(name, help string, buckets []float64, labels ...string) *prom.HistogramVec {
	h := prom.NewHistogramVec(prom.HistogramOpts{Namespace: r.ns, Name: name, Help: help, Buckets: buckets}, labels)
	got, ok := r.register(h).(*prom.HistogramVec)
	if !ok {
		r.fail(name)
		return h
	}
	return got
}

func (r *registrar) gauge(name, help string, labels ...string) *prom.GaugeVec {
	g := prom.NewGaugeVec(prom.GaugeOpts{Namespace: r.ns, Name: name, Help: help}, labels)
	got, ok := r.register(g).(*prom.GaugeVec)
	if !ok {
		r.fail(name)
		return g
	}
	return got
}

// fail records that name is registered as a collector of another type.
func (r *registrar) fail(name string) {
	if r.err == nil {
		r.err = fmt.Errorf("prometheus: %s_%s is already registered as another kind of collector", r.ns, name)
	}
}

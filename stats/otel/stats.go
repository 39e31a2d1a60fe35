package otel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/internal/statname"
)

// maxCached bounds the cache of names read; names past it are still
// recorded, only read again on every call.
const maxCached = 10000

// Stats is a notify.Stats and notify.Gauger that records on OpenTelemetry
// instruments with attributes (see the package doc). It is safe for
// concurrent use. Create it with NewStats.
type Stats struct {
	trim     string
	counters map[statname.Family]metric.Int64Counter
	timings  map[statname.Family]metric.Float64Histogram
	gauge    metric.Float64Gauge

	mu       sync.RWMutex
	counted  map[string]recording // counter name: instrument and attributes
	timed    map[string]recording
	gaugeSet map[string]metric.MeasurementOption
}

// recording is a name read: its family and attributes.
type recording struct {
	family statname.Family
	attrs  metric.MeasurementOption
}

var (
	_ notify.Stats  = (*Stats)(nil)
	_ notify.Gauger = (*Stats)(nil)
)

// instruments names each family's instrument, after the namespace.
var instruments = map[statname.Family]struct{ name, desc string }{
	statname.DAOCalls:         {"dao.calls", "Store calls, by method."},
	statname.Tasks:            {"tasks", "Tasks handled, by task name."},
	statname.TaskErrors:       {"task.errors", "Tasks whose handler failed, by task name."},
	statname.Enqueued:         {"queue.enqueued", "Enqueue calls, by queue."},
	statname.EnqueueErrors:    {"queue.enqueue.errors", "Failed Enqueue calls, by queue."},
	statname.ProviderSends:    {"provider.sends", "Provider sends, by provider and result (success or error)."},
	statname.Receipts:         {"receipts", "Delivery receipts applied, by provider and status."},
	statname.HTTPRequests:     {"http.requests", "HTTP requests, by method, module, handler and status code."},
	statname.Events:           {"events", "Other counters, by StatsD name."},
	statname.DAODuration:      {"dao.duration", "Duration of Store calls, by method."},
	statname.TaskDuration:     {"task.duration", "Duration of task handlers, by task name."},
	statname.EnqueueDuration:  {"queue.enqueue.duration", "Duration of Enqueue calls, by queue."},
	statname.ProviderDuration: {"provider.request.duration", "Duration of provider sends, by provider."},
	statname.ReceiptElapsed:   {"receipt.elapsed", "Time from send to delivery receipt, by provider and status."},
	statname.SendDuration:     {"send.duration", "Time from creation to hand-over to the provider, by type and key (all, test or live)."},
	statname.HTTPDuration:     {"http.request.duration", "Duration of HTTP requests, by method, module, handler and status code."},
	statname.EventDuration:    {"event.duration", "Other timings, by StatsD name."},
}

// NewStats returns a Stats whose instruments come from
// Options.MeterProvider under the scope ScopeName. It fails when the meter
// refuses an instrument.
func NewStats(opts Options) (*Stats, error) {
	mp := opts.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName)
	ns := opts.Namespace
	if ns == "" {
		ns = "notify"
	}
	buckets, delivery := opts.Buckets, opts.DeliveryBuckets
	if len(buckets) == 0 {
		buckets = DefaultBuckets
	}
	if len(delivery) == 0 {
		delivery = DefaultDeliveryBuckets
	}
	s := &Stats{trim: opts.TrimPrefix, counters: map[statname.Family]metric.Int64Counter{},
		timings: map[statname.Family]metric.Float64Histogram{}, counted: map[string]recording{},
		timed: map[string]recording{}, gaugeSet: map[string]metric.MeasurementOption{}}
	var errs []error
	for f, in := range instruments {
		name := ns + "." + in.name
		if !f.Timing() {
			c, err := meter.Int64Counter(name, metric.WithDescription(in.desc))
			errs = append(errs, err)
			s.counters[f] = c
			continue
		}
		b := buckets
		if f == statname.SendDuration || f == statname.ReceiptElapsed {
			b = delivery
		}
		h, err := meter.Float64Histogram(name, metric.WithDescription(in.desc), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(b...))
		errs = append(errs, err)
		s.timings[f] = h
	}
	g, err := meter.Float64Gauge(ns+".gauge", metric.WithDescription("Gauges, by StatsD name."))
	errs = append(errs, err)
	s.gauge = g
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("otel: new stats: %w", err)
	}
	return s, nil
}

// Incr adds one to the counter name maps to.
func (s *Stats) Incr(name string) {
	r := s.read(s.counted, name, statname.Counter)
	s.counters[r.family].Add(context.Background(), 1, r.attrs)
}

// Timing records d, in seconds, on the histogram name maps to.
func (s *Stats) Timing(name string, d time.Duration) {
	r := s.read(s.timed, name, statname.Timing)
	s.timings[r.family].Record(context.Background(), d.Seconds(), r.attrs)
}

// Gauge sets notify.gauge{name} to value.
func (s *Stats) Gauge(name string, value float64) {
	s.mu.RLock()
	attrs, ok := s.gaugeSet[name]
	s.mu.RUnlock()
	if !ok {
		attrs = metric.WithAttributeSet(attribute.NewSet(attribute.String("name", strings.TrimPrefix(name, s.trim))))
		s.mu.Lock()
		if len(s.gaugeSet) < maxCached {
			s.gaugeSet[name] = attrs
		}
		s.mu.Unlock()
	}
	s.gauge.Record(context.Background(), value, attrs)
}

// read returns the family and attributes of name, reading it with parse
// the first time.
func (s *Stats) read(cache map[string]recording, name string, parse func(string) (statname.Family, []string)) recording {
	s.mu.RLock()
	r, ok := cache[name]
	s.mu.RUnlock()
	if ok {
		return r
	}
	f, values := parse(strings.TrimPrefix(name, s.trim))
	keys := f.Labels()
	kvs := make([]attribute.KeyValue, len(keys))
	for i, k := range keys {
		kvs[i] = attribute.String(k, values[i])
	}
	r = recording{family: f, attrs: metric.WithAttributeSet(attribute.NewSet(kvs...))}
	s.mu.Lock()
	if len(cache) < maxCached {
		cache[name] = r
	}
	s.mu.Unlock()
	return r
}

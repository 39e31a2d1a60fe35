package otel_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/otel"
)

// newStats returns a Stats on a meter read by hand.
func newStats(t *testing.T, opts otel.Options) (*otel.Stats, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	opts.MeterProvider = mp
	s, err := otel.NewStats(opts)
	require.NoError(t, err)
	return s, reader
}

// collect returns the metrics read, by instrument name.
func collect(t *testing.T, r *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, otel.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// sum returns the counter's value for attrs.
func sum(t *testing.T, m metricdata.Metrics, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	data, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a counter", m.Name)
	want := attribute.NewSet(attrs...)
	for _, p := range data.DataPoints {
		if p.Attributes.Equals(&want) {
			return p.Value
		}
	}
	t.Fatalf("%s has no point with %v", m.Name, attrs)
	return 0
}

// histogram returns the histogram's point for attrs.
func histogram(t *testing.T, m metricdata.Metrics, attrs ...attribute.KeyValue) metricdata.HistogramDataPoint[float64] {
	t.Helper()
	data, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a histogram", m.Name)
	assert.Equal(t, "s", m.Unit)
	want := attribute.NewSet(attrs...)
	for _, p := range data.DataPoints {
		if p.Attributes.Equals(&want) {
			return p
		}
	}
	t.Fatalf("%s has no point with %v", m.Name, attrs)
	return metricdata.HistogramDataPoint[float64]{}
}

func TestStatsMapping(t *testing.T) {
	t.Parallel()
	s, reader := newStats(t, otel.Options{TrimPrefix: "notifications.api."})
	s.Incr("notifications.api.dao.create_notification")
	s.Incr("notifications.api.dao.create_notification")
	s.Timing("notifications.api.dao.create_notification", 3*time.Millisecond)
	s.Incr("notifications.api.clients.mmg.error")
	s.Incr("notifications.api.POST.v2_notifications.post_sms_notification.201")
	s.Timing("notifications.api.POST.v2_notifications.post_sms_notification.201", 20*time.Millisecond)
	s.Timing("notifications.api.sms.live-key.total-time", 2*time.Second)
	s.Incr("notifications.api.readcache.service.hit")
	s.Gauge("notifications.api.queue.depth", 7)
	got := collect(t, reader)

	tests := []struct {
		name   string
		check  func(t *testing.T)
		metric string
	}{
		{"a store call", func(t *testing.T) {
			assert.EqualValues(t, 2, sum(t, got["notify.dao.calls"], attribute.String("method", "create_notification")))
		}, "notify.dao.calls"},
		{"its time", func(t *testing.T) {
			p := histogram(t, got["notify.dao.duration"], attribute.String("method", "create_notification"))
			assert.EqualValues(t, 1, p.Count)
			assert.InDelta(t, 0.003, p.Sum, 1e-9)
			assert.Equal(t, otel.DefaultBuckets, p.Bounds)
		}, "notify.dao.duration"},
		{"a failed provider send", func(t *testing.T) {
			assert.EqualValues(t, 1, sum(t, got["notify.provider.sends"], attribute.String("provider", "mmg"),
				attribute.String("result", "error")))
		}, "notify.provider.sends"},
		{"a request", func(t *testing.T) {
			attrs := []attribute.KeyValue{attribute.String("method", "POST"), attribute.String("module", "v2_notifications"),
				attribute.String("handler", "post_sms_notification"), attribute.String("code", "201")}
			assert.EqualValues(t, 1, sum(t, got["notify.http.requests"], attrs...))
			assert.EqualValues(t, 1, histogram(t, got["notify.http.request.duration"], attrs...).Count)
		}, "notify.http.requests"},
		{"a delivery's time, on the delivery buckets", func(t *testing.T) {
			p := histogram(t, got["notify.send.duration"], attribute.String("type", "sms"), attribute.String("key", "live"))
			assert.Equal(t, otel.DefaultDeliveryBuckets, p.Bounds)
			assert.InDelta(t, 2.0, p.Sum, 1e-9)
		}, "notify.send.duration"},
		{"any other name", func(t *testing.T) {
			assert.EqualValues(t, 1, sum(t, got["notify.events"], attribute.String("name", "readcache.service.hit")))
		}, "notify.events"},
		{"a gauge", func(t *testing.T) {
			data, ok := got["notify.gauge"].Data.(metricdata.Gauge[float64])
			require.True(t, ok)
			require.Len(t, data.DataPoints, 1)
			assert.InDelta(t, 7.0, data.DataPoints[0].Value, 1e-9)
			name, _ := data.DataPoints[0].Attributes.Value("name")
			assert.Equal(t, "queue.depth", name.AsString())
		}, "notify.gauge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, got, tt.metric)
			tt.check(t)
		})
	}
}

func TestStatsOptions(t *testing.T) {
	t.Parallel()
	s, reader := newStats(t, otel.Options{Namespace: "myapp", Buckets: []float64{1, 2}})
	s.Timing("dao.ping", time.Second)
	got := collect(t, reader)
	require.Contains(t, got, "myapp.dao.duration")
	assert.Equal(t, []float64{1, 2}, histogram(t, got["myapp.dao.duration"], attribute.String("method", "ping")).Bounds)
}

func TestStatsConcurrentUse(t *testing.T) {
	t.Parallel()
	s, reader := newStats(t, otel.Options{})
	var stats notify.Stats = s
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				stats.Incr("tasks.deliver_sms")
				stats.Timing("tasks.deliver_sms", time.Millisecond)
			}
		})
	}
	wg.Wait()
	got := collect(t, reader)
	assert.EqualValues(t, 800, sum(t, got["notify.tasks"], attribute.String("task", "deliver_sms")))
	assert.EqualValues(t, 800, histogram(t, got["notify.task.duration"], attribute.String("task", "deliver_sms")).Count)
}

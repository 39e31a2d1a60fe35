package prometheus_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/stats/prometheus"
	"github.com/notifykit/notify/store/memstore"
)

// scrape serves reg's /metrics with httptest and returns the body.
func scrape(t *testing.T, reg *prom.Registry) string {
	t.Helper()
	srv := httptest.NewServer(prometheus.Handler(reg))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(body)
}

// newStats returns a Stats on a fresh registry.
func newStats(t *testing.T, opts prometheus.Options) (*prometheus.Stats, *prom.Registry) {
	t.Helper()
	reg := prom.NewRegistry()
	s, err := prometheus.New(reg, opts)
	require.NoError(t, err)
	return s, reg
}

func TestMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		record func(s *prometheus.Stats)
		series []string // lines the scrape must contain
	}{
		{"dao", func(s *prometheus.Stats) {
			s.Incr("dao.create_notification")
			s.Timing("dao.create_notification", 3*time.Millisecond)
		}, []string{
			`notify_dao_calls_total{method="create_notification"} 1`,
			`notify_dao_duration_seconds_count{method="create_notification"} 1`,
			`notify_dao_duration_seconds_sum{method="create_notification"} 0.003`,
			`notify_dao_duration_seconds_bucket{method="create_notification",le="0.005"} 1`,
		}},
		{"tasks", func(s *prometheus.Stats) {
			s.Incr("tasks.deliver_sms")
			s.Incr("tasks.deliver_sms")
			s.Incr("tasks.deliver_sms.error")
			s.Timing("tasks.deliver_sms", time.Second)
		}, []string{
			`notify_tasks_total{task="deliver_sms"} 2`,
			`notify_task_errors_total{task="deliver_sms"} 1`,
			`notify_task_duration_seconds_sum{task="deliver_sms"} 1`,
		}},
		{"enqueue", func(s *prometheus.Stats) {
			s.Incr("queue.enqueue.send-sms-tasks")
			s.Incr("queue.enqueue.send-sms-tasks.error")
			s.Timing("queue.enqueue.send-sms-tasks", time.Millisecond)
		}, []string{
			`notify_queue_enqueued_total{queue="send-sms-tasks"} 1`,
			`notify_queue_enqueue_errors_total{queue="send-sms-tasks"} 1`,
			`notify_queue_enqueue_duration_seconds_count{queue="send-sms-tasks"} 1`,
		}},
		{"provider", func(s *prometheus.Stats) {
			s.Incr("clients.sandbox.success")
			s.Incr("clients.mmg.error")
			s.Timing("clients.sandbox.request-time", 250*time.Millisecond)
		}, []string{
			`notify_provider_sends_total{provider="sandbox",result="success"} 1`,
			`notify_provider_sends_total{provider="mmg",result="error"} 1`,
			`notify_provider_request_duration_seconds_sum{provider="sandbox"} 0.25`,
		}},
		{"receipts", func(s *prometheus.Stats) {
			s.Incr("callback.mmg.delivered")
			s.Timing("callback.mmg.delivered.elapsed-time", 90*time.Second)
		}, []string{
			`notify_receipts_total{provider="mmg",status="delivered"} 1`,
			`notify_receipt_elapsed_seconds_sum{provider="mmg",status="delivered"} 90`,
			`notify_receipt_elapsed_seconds_bucket{provider="mmg",status="delivered",le="300"} 1`,
		}},
		{"send total time", func(s *prometheus.Stats) {
			s.Timing("sms.total-time", 2*time.Second)
			s.Timing("sms.test-key.total-time", time.Second)
			s.Timing("email.live-key.total-time", 4*time.Second)
		}, []string{
			`notify_send_duration_seconds_sum{key="all",type="sms"} 2`,
			`notify_send_duration_seconds_sum{key="test",type="sms"} 1`,
			`notify_send_duration_seconds_sum{key="live",type="email"} 4`,
		}},
		{"http", func(s *prometheus.Stats) {
			s.Incr("POST.v2_notifications.post_sms_notification.201")
			s.Timing("POST.v2_notifications.post_sms_notification.201", 20*time.Millisecond)
		}, []string{
			`notify_http_requests_total{code="201",handler="post_sms_notification",method="POST",module="v2_notifications"} 1`,
			`notify_http_request_duration_seconds_count{code="201",handler="post_sms_notification",method="POST",module="v2_notifications"} 1`,
		}},
		{"unknown names", func(s *prometheus.Stats) {
			s.Incr("inbound.mmg.successful")
			s.Incr("post.v2.x.201")  // lower-case method: not HTTP
			s.Incr("GET.v2.x.20x")   // not a status code
			s.Incr("clients.mmg.ok") // neither success nor error
			s.Timing("clients.mmg.success", time.Second)
			s.Incr("sms.total-time")
			s.Incr("dao")
		}, []string{
			`notify_events_total{name="inbound.mmg.successful"} 1`,
			`notify_events_total{name="post.v2.x.201"} 1`,
			`notify_events_total{name="GET.v2.x.20x"} 1`,
			`notify_events_total{name="clients.mmg.ok"} 1`,
			`notify_event_duration_seconds_count{name="clients.mmg.success"} 1`,
			`notify_events_total{name="sms.total-time"} 1`,
			`notify_events_total{name="dao"} 1`,
		}},
		{"gauge", func(s *prometheus.Stats) {
			s.Gauge("queue.depth", 7)
		}, []string{`notify_gauge{name="queue.depth"} 7`}},
		{"invalid UTF-8 is dropped, not a panic", func(s *prometheus.Stats) {
			s.Incr("dao.\xff")
			s.Timing("dao.\xff", time.Second)
			s.Gauge("\xff", 1)
			s.Incr("dao.ping")
		}, []string{`notify_dao_calls_total{method="ping"} 1`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, reg := newStats(t, prometheus.Options{})
			tc.record(s)
			body := scrape(t, reg)
			for _, line := range tc.series {
				assert.Contains(t, body, line+"\n")
			}
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	s, reg := newStats(t, prometheus.Options{
		Namespace:  "myapp",
		TrimPrefix: "notifications.api.",
		Buckets:    []float64{0.5},
	})
	s.Incr("notifications.api.dao.get_service")
	s.Timing("notifications.api.dao.get_service", time.Second)
	body := scrape(t, reg)
	assert.Contains(t, body, `myapp_dao_calls_total{method="get_service"} 1`+"\n")
	assert.Contains(t, body, `myapp_dao_duration_seconds_bucket{method="get_service",le="0.5"} 0`+"\n")
	assert.Contains(t, body, `myapp_dao_duration_seconds_bucket{method="get_service",le="+Inf"} 1`+"\n")
	assert.NotContains(t, body, "notify_")
}

func TestSharedRegistry(t *testing.T) {
	t.Parallel()
	reg := prom.NewRegistry()
	a, err := prometheus.New(reg, prometheus.Options{})
	require.NoError(t, err)
	b, err := prometheus.New(reg, prometheus.Options{})
	require.NoError(t, err, "a second Stats shares the collectors")
	a.Incr("dao.ping")
	b.Incr("dao.ping")
	assert.Contains(t, scrape(t, reg), `notify_dao_calls_total{method="ping"} 2`+"\n")

	// A collector of another kind under one of our names is an error.
	other := prom.NewRegistry()
	other.MustRegister(prom.NewGauge(prom.GaugeOpts{Namespace: "notify", Name: "dao_calls_total", Help: "x"}))
	_, err = prometheus.New(other, prometheus.Options{})
	require.Error(t, err)

	_, err = prometheus.New(nil, prometheus.Options{})
	require.Error(t, err)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s, reg := newStats(t, prometheus.Options{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				s.Incr("dao.get_service")
				s.Timing("dao.get_service", time.Millisecond)
			}
		})
	}
	wg.Wait()
	body := scrape(t, reg)
	assert.Contains(t, body, `notify_dao_calls_total{method="get_service"} 2000`+"\n")
	assert.Contains(t, body, `notify_dao_duration_seconds_count{method="get_service"} 2000`+"\n")
}

// TestWithInstrument runs a wrapped store against Prometheus end to end.
func TestWithInstrument(t *testing.T) {
	t.Parallel()
	s, reg := newStats(t, prometheus.Options{})
	var stats notify.Stats = s
	store := instrument.Store(memstore.New(), stats)
	require.NoError(t, store.Ping(t.Context()))
	body := scrape(t, reg)
	assert.Contains(t, body, `notify_dao_calls_total{method="ping"} 1`+"\n")
	assert.True(t, strings.Contains(body, "# TYPE notify_dao_duration_seconds histogram"))
}

package prometheus_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify/stats/prometheus"
)

// TestSeriesAreCapped: past Options.MaxSeries names, and for any name
// longer than MaxNameLength, recordings are dropped and counted; names
// seen before the cap go on recording.
func TestSeriesAreCapped(t *testing.T) {
	t.Parallel()
	s, reg := newStats(t, prometheus.Options{MaxSeries: 3})
	s.Incr("dao.a")
	s.Timing("dao.a", time.Millisecond)
	s.Gauge("queue.depth", 4)
	for i := range 100 {
		s.Incr("event." + strconv.Itoa(i))
		s.Timing("GET.app.x"+strconv.Itoa(i)+".200", time.Millisecond)
		s.Gauge("g"+strconv.Itoa(i), 1)
	}
	s.Incr("dao.a")
	s.Timing("dao.a", time.Millisecond)
	s.Gauge("queue.depth", 5)

	body := scrape(t, reg)
	assert.Contains(t, body, `notify_dao_calls_total{method="a"} 2`+"\n")
	assert.Contains(t, body, `notify_dao_duration_seconds_count{method="a"} 2`+"\n")
	assert.Contains(t, body, `notify_gauge{name="queue.depth"} 5`+"\n")
	assert.Contains(t, body, "notify_dropped_series_total 300\n")
	assert.NotContains(t, body, "event.")
	assert.NotContains(t, body, `handler="x`)
}

func TestLongNamesAreDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		record func(s *prometheus.Stats, name string)
	}{
		{"counter", func(s *prometheus.Stats, name string) { s.Incr(name) }},
		{"timing", func(s *prometheus.Stats, name string) { s.Timing(name, time.Second) }},
		{"gauge", func(s *prometheus.Stats, name string) { s.Gauge(name, 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, reg := newStats(t, prometheus.Options{})
			long := strings.Repeat("x", prometheus.MaxNameLength+1)
			for range 10 {
				tc.record(s, long)
				tc.record(s, "GET."+long+".h.200")
			}
			tc.record(s, strings.Repeat("y", prometheus.MaxNameLength))
			body := scrape(t, reg)
			assert.Contains(t, body, "notify_dropped_series_total 20\n")
			assert.NotContains(t, body, "xxxxxxxxxx")
			assert.Contains(t, body, strings.Repeat("y", prometheus.MaxNameLength), "a name at the limit is kept")
		})
	}
}

package main

import (
	"fmt"
	"net/http"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/stats/prometheus"
	"github.com/notifykit/notify/stats/statsd"
)

// openStats returns the server's metrics sink: Prometheus always (served on
// GET /metrics) and statsd too when -statsd is set. Names reach statsd with
// the Notifier's prefix (notifications.api.); Prometheus maps them to
// labelled series.
func openStats(o *options) (notify.Stats, http.Handler, func(), error) {
	reg := prom.NewRegistry()
	ps, err := prometheus.New(reg, prometheus.Options{TrimPrefix: instrument.DefaultPrefix})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("metrics: %w", err)
	}
	handler := prometheus.Handler(reg)
	if o.statsd == "" {
		return ps, handler, func() {}, nil
	}
	sd, err := statsd.New(o.statsd, statsd.Options{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("-statsd %s: %w", o.statsd, err)
	}
	return tee{sd, ps}, handler, func() { _ = sd.Close() }, nil
}

// tee sends every metric to each of its Stats.
type tee []notify.Stats

func (t tee) Incr(name string) {
	for _, s := range t {
		s.Incr(name)
	}
}

func (t tee) Timing(name string, d time.Duration) {
	for _, s := range t {
		s.Timing(name, d)
	}
}

func (t tee) Gauge(name string, v float64) {
	for _, s := range t {
		if g, ok := s.(notify.Gauger); ok {
			g.Gauge(name, v)
		}
	}
}

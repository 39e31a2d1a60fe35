package instrument_test

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/notifykit/notify"
)

// event is one call a recorder received.
type event struct {
	Kind string // "incr", "timing" or "gauge"
	Name string
}

// recorder is a notify.Stats (and notify.Gauger) that remembers every call.
type recorder struct {
	mu        sync.Mutex
	events    []event
	durations []time.Duration
	gauges    map[string]float64
}

var (
	_ notify.Stats  = (*recorder)(nil)
	_ notify.Gauger = (*recorder)(nil)
)

func (r *recorder) Incr(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{"incr", name})
}

func (r *recorder) Timing(name string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{"timing", name})
	r.durations = append(r.durations, d)
}

func (r *recorder) Gauge(name string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{"gauge", name})
	if r.gauges == nil {
		r.gauges = map[string]float64{}
	}
	r.gauges[name] = v
}

// Events returns the recorded events whose name starts with prefix.
func (r *recorder) Events(prefix string) []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event
	for _, e := range r.events {
		if strings.HasPrefix(e.Name, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// Reset forgets every event.
func (r *recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events, r.durations = nil, nil
}

// Durations returns the recorded timings.
func (r *recorder) Durations() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.durations)
}

// counter is a notify.Stats without gauges.
type counter struct{ names []string }

func (c *counter) Incr(name string)                    { c.names = append(c.names, name) }
func (c *counter) Timing(name string, _ time.Duration) { c.names = append(c.names, name) }

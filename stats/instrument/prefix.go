package instrument

import (
	"time"

	"github.com/notifykit/notify"
)

// DefaultPrefix is the prefix SPEC A8 gives every metric name by default.
const DefaultPrefix = "notifications.api."

// Prefix returns a Stats that puts prefix before every name and passes it
// to stats, e.g. Prefix(s, DefaultPrefix) records dao.get_service as
// notifications.api.dao.get_service. The prefix is used as given: end it
// with a dot. The result implements notify.Gauger when stats does. An empty
// prefix returns stats itself; a nil stats gives notify.DiscardStats.
func Prefix(stats notify.Stats, prefix string) notify.Stats {
	if stats == nil {
		return notify.DiscardStats{}
	}
	if prefix == "" {
		return stats
	}
	p := &prefixed{inner: stats, prefix: prefix}
	if g, ok := stats.(notify.Gauger); ok {
		return &prefixedGauger{prefixed: p, g: g}
	}
	return p
}

// prefixed is a Stats that prefixes names.
type prefixed struct {
	inner  notify.Stats
	prefix string
}

// Incr adds one to the counter prefix+name.
func (p *prefixed) Incr(name string) { p.inner.Incr(p.prefix + name) }

// Timing records d under prefix+name.
func (p *prefixed) Timing(name string, d time.Duration) { p.inner.Timing(p.prefix+name, d) }

// Unwrap returns the wrapped Stats.
func (p *prefixed) Unwrap() notify.Stats { return p.inner }

// prefixedGauger is a prefixed Stats whose inner Stats sets gauges.
type prefixedGauger struct {
	*prefixed
	g notify.Gauger
}

// Gauge sets the gauge prefix+name to value.
func (p *prefixedGauger) Gauge(name string, value float64) { p.g.Gauge(p.prefix+name, value) }

var _ notify.Gauger = (*prefixedGauger)(nil)

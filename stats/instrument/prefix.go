package instrument

import (
	"time"

	"github.com/notifykit/notify"
)

// DefaultPrefix is the prefix upstream GOV.UK Notify gives every metric
// name of its API.
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
	p := &prefixedStats{inner: stats, prefix: prefix}
	if g, ok := stats.(notify.Gauger); ok {
		return &prefixedGaugerStats{prefixedStats: p, g: g}
	}
	return p
}

// prefixedStats is a Stats that prefixes names.
type prefixedStats struct {
	inner  notify.Stats
	prefix string
}

// Incr adds one to the counter prefix+name.
func (p *prefixedStats) Incr(name string) { p.inner.Incr(p.prefix + name) }

// Timing records d under prefix+name.
func (p *prefixedStats) Timing(name string, d time.Duration) { p.inner.Timing(p.prefix+name, d) }

// Unwrap returns the wrapped Stats.
func (p *prefixedStats) Unwrap() notify.Stats { return p.inner }

// prefixedGaugerStats is a prefixedStats Stats whose inner Stats sets gauges.
type prefixedGaugerStats struct {
	*prefixedStats
	g notify.Gauger
}

// Gauge sets the gauge prefix+name to value.
func (p *prefixedGaugerStats) Gauge(name string, value float64) { p.g.Gauge(p.prefix+name, value) }

var _ notify.Gauger = (*prefixedGaugerStats)(nil)

package notify

import "time"

// DefaultStatsPrefix is the prefix SPEC A8 gives every metric name by default.
const DefaultStatsPrefix = "notifications.api."

// PrefixStats returns a Stats that puts prefix before every name and passes it
// to stats, e.g. PrefixStats(s, DefaultStatsPrefix) records dao.get_service as
// notifications.api.dao.get_service. The prefix is used as given: end it
// with a dot. The result implements Gauger when stats does. An empty
// prefix returns stats itself; a nil stats gives DiscardStats.
func PrefixStats(stats Stats, prefix string) Stats {
	if stats == nil {
		return DiscardStats{}
	}
	if prefix == "" {
		return stats
	}
	p := &prefixedStats{inner: stats, prefix: prefix}
	if g, ok := stats.(Gauger); ok {
		return &prefixedGaugerStats{prefixedStats: p, g: g}
	}
	return p
}

// prefixedStats is a Stats that prefixes names.
type prefixedStats struct {
	inner  Stats
	prefix string
}

// Incr adds one to the counter prefix+name.
func (p *prefixedStats) Incr(name string) { p.inner.Incr(p.prefix + name) }

// Timing records d under prefix+name.
func (p *prefixedStats) Timing(name string, d time.Duration) { p.inner.Timing(p.prefix+name, d) }

// Unwrap returns the wrapped Stats.
func (p *prefixedStats) Unwrap() Stats { return p.inner }

// prefixedGaugerStats is a prefixedStats Stats whose inner Stats sets gauges.
type prefixedGaugerStats struct {
	*prefixedStats
	g Gauger
}

// Gauge sets the gauge prefix+name to value.
func (p *prefixedGaugerStats) Gauge(name string, value float64) { p.g.Gauge(p.prefix+name, value) }

var _ Gauger = (*prefixedGaugerStats)(nil)

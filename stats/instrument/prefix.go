package instrument

import "github.com/notifykit/notify"

// DefaultPrefix is the prefix SPEC A8 gives every metric name by default.
const DefaultPrefix = notify.DefaultStatsPrefix

// Prefix returns a Stats that puts prefix before every name and passes it
// to stats, e.g. Prefix(s, DefaultPrefix) records dao.get_service as
// notifications.api.dao.get_service. The prefix is used as given: end it
// with a dot. The result implements notify.Gauger when stats does. An empty
// prefix returns stats itself; a nil stats gives notify.DiscardStats. It is
// notify.PrefixStats.
func Prefix(stats notify.Stats, prefix string) notify.Stats { return notify.PrefixStats(stats, prefix) }

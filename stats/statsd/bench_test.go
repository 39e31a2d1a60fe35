package statsd_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify/stats/statsd"
)

// BenchmarkClient measures what a caller pays per metric.
func BenchmarkClient(b *testing.B) {
	_, addr := listenB(b)
	c, err := statsd.New(addr, statsd.Options{Prefix: "notifications.api."})
	require.NoError(b, err)
	b.Cleanup(func() { _ = c.Close() })
	b.Run("Incr", func(b *testing.B) {
		for b.Loop() {
			c.Incr("dao.get_service")
		}
	})
	b.Run("Timing", func(b *testing.B) {
		for b.Loop() {
			c.Timing("dao.get_service", 1500*time.Microsecond)
		}
	})
	b.Run("IncrParallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Incr("dao.get_service")
			}
		})
	})
}
